import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Dialect as KyselyDialect,
  type LogConfig,
} from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { SQLITE_MEMORY, type DatabaseTarget, type Dialect } from './database-url.js';
import type { Database } from './schema.js';
import { SqliteValuesPlugin } from './sqlite-values-plugin.js';

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Closes every connection. */
  destroy(): Promise<void>;
}

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;
const POOL_SIZE = 10;
const SQLITE_BUSY_TIMEOUT_MS = 5000;

function sqliteDialect(file: string): KyselyDialect {
  if (file !== SQLITE_MEMORY) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SqliteDatabase(file);
  // WAL lets the API read while a sync writes; NORMAL is durable at each checkpoint and much faster.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return new SqliteDialect({ database });
}

function mysqlDialect(url: string): KyselyDialect {
  const pool = createPool({
    uri: url,
    connectionLimit: POOL_SIZE,
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

function postgresDialect(url: string): KyselyDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
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
  return new PostgresDialect({ pool });
}

/** Opens a connection pool (or the SQLite file) for the target; `log` receives Kysely's query events. */
export function createDb(target: DatabaseTarget, options: { log?: LogConfig } = {}): Db {
  let dialect: KyselyDialect;
  if (target.dialect === 'sqlite') dialect = sqliteDialect(target.path);
  else if (target.dialect === 'mysql') dialect = mysqlDialect(target.url);
  else dialect = postgresDialect(target.url);

  const plugins = target.dialect === 'sqlite' ? [new SqliteValuesPlugin()] : [];
  const db = new Kysely<Database>({
    dialect,
    plugins,
    ...(options.log ? { log: options.log } : {}),
  });
  return { db, dialect: target.dialect, destroy: () => db.destroy() };
}

/** Throws when the database does not answer. */
export async function pingDb(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Reads a stored timestamp, whatever the driver returned, as ISO-8601 UTC (ending in Z). */
export function toIsoTimestamp(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  // SQLite hands back what was stored: already canonical ISO text, no need to parse it again.
  if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Reads a stored boolean: 0/1 on SQLite and MySQL, true/false on PostgreSQL. */
export function toBoolean(value: boolean | number | string | null | undefined): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}
