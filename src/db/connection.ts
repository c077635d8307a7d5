import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  MysqlDialect,
  PostgresDialect,
  sql,
  type CompiledQuery,
  type Dialect as KyselyDialect,
  type LogConfig,
  type SqliteDialectConfig,
} from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { SQLITE_MEMORY, type DatabaseTarget, type Dialect } from './database-url.js';
import type { Database } from './schema.js';
import { mapRawRows } from './raw-rows.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import {
  DEFAULT_SQLITE_READ_WORKERS,
  ReadPool,
  SqliteReadPoolDialect,
  type MappedPage,
  type PageTransform,
  type ReadTask,
  type WorkerState,
} from './read-pool.js';
import { SqliteValuesPlugin } from './sqlite-values-plugin.js';

export interface Db {
  /** The writer: the sync, webhooks, migrations. */
  db: Kysely<Database>;
  /**
   * Readers, for the API: on a SQLite file, read-only connections in worker threads (see
   * ReadPool); elsewhere the same pool as `db`.
   */
  read: Kysely<Database>;
  dialect: Dialect;
  /**
   * Runs a read query and passes its rows, as arrays in select order, through `transform`
   * (a function of an import-free module): in a read worker on SQLite, so that formatting a page
   * of a large report does not hold up the event loop either.
   */
  readPage<T>(
    query: CompiledQuery,
    keyIndexes: readonly number[],
    transform: PageTransform,
  ): Promise<MappedPage<T>>;
  /**
   * Runs `task` (a function of a module, called as fn({ read, readPage }, args)) in a read worker
   * over the worker's own connection, on every database: an analytics answer computed there
   * keeps the server's event loop free. In process for in-memory SQLite and with no workers.
   */
  task<T>(task: ReadTask): Promise<T>;
  /** What the task workers' state (DbOptions.taskState) last said of itself; undefined without one. */
  taskStateStatus(): unknown;
  /** Opens the readers now rather than on the first query (servers call it at start-up). */
  warm(): Promise<void>;
  /** Closes every connection. */
  destroy(): Promise<void>;
}

export interface DbOptions {
  log?: LogConfig;
  /**
   * Read workers (0: reads and tasks run on the writer's connection, in this thread): on a
   * SQLite file they serve every read; on a server, the analytics tasks.
   */
  sqliteReadWorkers?: number;
  /** Connections of a MariaDB/MySQL or PostgreSQL pool (10 unless given). */
  poolSize?: number;
  /**
   * Told when an idle pooled connection fails (the server restarted, an administrator ended the
   * session); the pool has already dropped it and opens another on demand.
   */
  onIdleConnectionError?: (error: { message: string; code?: string }) => void;
  /**
   * State one task worker keeps between tasks and hands them as handle.state (the analytics'
   * copy of the facts); none in process (no workers, in-memory SQLite).
   */
  taskState?: WorkerState | undefined;
  /** Modules (URLs) the task workers import as they start: the tasks' own. */
  taskModules?: readonly string[] | undefined;
}

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;
const POOL_SIZE = 10;
const SQLITE_BUSY_TIMEOUT_MS = 5000;

function sqliteDialect(file: string): {
  dialect: KyselyDialect;
  database: SqliteDatabase.Database;
} {
  if (file !== SQLITE_MEMORY) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SqliteDatabase(file);
  // First: switching a new file to WAL needs a lock that another starting process may hold.
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // WAL lets the API read while a sync writes; NORMAL is durable at each checkpoint and much faster.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // A sync commits a transaction per page read; checkpointing every 1,000 pages (the default)
  // made commits most of a large sync's time on this project's machines. 10,000 pages (40 MB of
  // WAL) halves that; readers are unaffected.
  database.pragma('wal_autocheckpoint = 10000');
  return {
    dialect: new ImmediateSqliteDialect(
      { database: withStatementCache(database) },
      SQLITE_BUSY_TIMEOUT_MS,
    ),
    database,
  };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every statement anew; a sync writes the same few upserts
 * thousands of times, and preparing them took a fifth of a 100,000-incident sync. Statements are
 * kept by their SQL text (the least recently used go first). Safe to share: the driver runs one
 * query at a time on its connection, a stream holding it to the end.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (statement) cache.delete(sql);
      else statement = database.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

function mysqlDialect(url: string, options: DbOptions): KyselyDialect {
  const pool = createPool({
    uri: url,
    connectionLimit: options.poolSize ?? POOL_SIZE,
    // Dates are written and read as UTC whatever the server's zone.
    timezone: 'Z',
    charset: 'utf8mb4',
    decimalNumbers: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  pool.on('connection', (connection) => {
    connection.query("SET time_zone = '+00:00'");
  });
  return new MysqlDialect({ pool });
}

function postgresDialect(url: string, options: DbOptions): KyselyDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? POOL_SIZE,
    options: '-c TimeZone=UTC',
    // pg hands back COUNT (int8) and AVG (numeric) as strings; our counts fit in a double.
    // Set on this pool only, not on pg's global type registry.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID || oid === PG_NUMERIC_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // pg-pool re-emits an idle client's error on the pool, and an EventEmitter's 'error' without a
  // listener throws: a PostgreSQL restart (or a dropped session) would end the process. The error
  // carries the client, whose parameters hold the password: only message and code go on.
  pool.on('error', (error: Error & { code?: string }) =>
    options.onIdleConnectionError?.({
      message: error.message,
      ...(error.code === undefined ? {} : { code: error.code }),
    }),
  );
  return new PostgresDialect({ pool });
}

async function transformInProcess<T>(
  db: Kysely<Database>,
  sqlite: SqliteDatabase.Database | undefined,
  query: CompiledQuery,
  keyIndexes: readonly number[],
  transform: PageTransform,
): Promise<MappedPage<T>> {
  const fn = ((await import(transform.module)) as Record<string, unknown>)[transform.fn] as (
    rows: Iterable<readonly unknown[]>,
    args: unknown,
  ) => T;
  if (sqlite) {
    // As a read worker does (mapRawRows). A statement of its own, outside Kysely's
    // cache: raw mode would change the rows Kysely gets from a shared one. Synchronous, so no
    // other query runs on the connection meanwhile.
    const statement = sqlite.prepare(query.sql).raw(true);
    return mapRawRows(statement, query.parameters, keyIndexes, fn, transform.args);
  }
  const { rows } = await db.executeQuery<Record<string, unknown>>(query);
  // Rows come back with their keys in select order.
  const raw = rows.map((r) => Object.values(r));
  const last = raw.at(-1);
  return {
    value: fn(raw, transform.args),
    count: raw.length,
    last: last ? keyIndexes.map((i) => last[i]) : null,
  };
}

async function taskInProcess<T>(handle: Pick<Db, 'read' | 'readPage'>, task: ReadTask): Promise<T> {
  const fn = ((await import(task.module)) as Record<string, unknown>)[task.fn] as (
    handle: Pick<Db, 'read' | 'readPage'>,
    args: unknown,
  ) => Promise<T>;
  return fn(handle, task.args);
}

/** Connections (and jobs at once) of each read worker on a server: tasks mostly wait on queries. */
const SERVER_TASK_CONNECTIONS = 2;

/** Opens a connection pool (or the SQLite file) for the target; `log` receives Kysely's query events. */
export function createDb(target: DatabaseTarget, options: DbOptions = {}): Db {
  let dialect: KyselyDialect;
  let sqlite: SqliteDatabase.Database | undefined;
  if (target.dialect === 'sqlite') ({ dialect, database: sqlite } = sqliteDialect(target.path));
  else if (target.dialect === 'mysql') dialect = mysqlDialect(target.url, options);
  else dialect = postgresDialect(target.url, options);

  const plugins = target.dialect === 'sqlite' ? [new SqliteValuesPlugin()] : [];
  const log = options.log ? { log: options.log } : {};
  const db = new Kysely<Database>({ dialect, plugins, ...log });
  const workers = options.sqliteReadWorkers ?? DEFAULT_SQLITE_READ_WORKERS;
  const readPage: Db['readPage'] = (query, keys, transform) =>
    transformInProcess(db, sqlite, query, keys, transform);
  if ((target.dialect === 'sqlite' && target.path === SQLITE_MEMORY) || workers === 0) {
    return {
      db,
      read: db,
      dialect: target.dialect,
      readPage,
      task: (task) => taskInProcess({ read: db, readPage }, task),
      taskStateStatus: () => undefined,
      warm: async () => undefined,
      destroy: () => db.destroy(),
    };
  }
  if (target.dialect !== 'sqlite') {
    // Reads stay on the server's pool; the analytics tasks go to workers with pools of their own.
    const tasks = new ReadPool(
      {
        target,
        busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
        serverConnections: SERVER_TASK_CONNECTIONS,
        state: options.taskState,
        preload: options.taskModules,
      },
      workers,
      SERVER_TASK_CONNECTIONS,
    );
    return {
      db,
      read: db,
      dialect: target.dialect,
      readPage,
      task: (task) => tasks.task(task),
      taskStateStatus: () => tasks.stateStatus,
      warm: () => tasks.warm(),
      destroy: async () => {
        await tasks.destroy();
        await db.destroy();
      },
    };
  }
  const data = {
    target: { dialect: 'sqlite' as const, path: path.resolve(target.path) },
    busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
    serverConnections: 0,
  };
  const pool = new ReadPool(data, workers);
  // Tasks have workers of their own: queued behind eight long answers, the quick reads (a list,
  // /health) waited seconds for a worker.
  const tasks = new ReadPool(
    { ...data, state: options.taskState, preload: options.taskModules },
    workers,
  );
  const read = new Kysely<Database>({ dialect: new SqliteReadPoolDialect(pool), plugins, ...log });
  return {
    db,
    read,
    dialect: target.dialect,
    readPage: (query, keys, transform) => pool.map(query.sql, query.parameters, transform, keys),
    task: (task) => tasks.task(task),
    taskStateStatus: () => tasks.stateStatus,
    warm: async () => {
      await Promise.all([pool.warm(), tasks.warm()]);
    },
    destroy: async () => {
      await tasks.destroy();
      await read.destroy();
      await db.destroy();
    },
  };
}

/** Throws when the database does not answer. */
export async function pingDb(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
