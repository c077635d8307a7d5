// A read worker: read connections of its own, in a thread of its own, so that queries and the
// computing over their rows run beside each other and never on the server's event loop. On a
// SQLite file, one read-only connection (WAL allows any number of readers beside the one
// writer), one job at a time; on MariaDB/MySQL or PostgreSQL, a small pool, a few jobs at a time.
// Started by ReadPool.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CompiledQuery, Kysely } from 'kysely';
import { AppError } from '../errors.js';
import { lowerThreadPriority } from '../worker-thread.js';
import type { MappedPage, PageTransform, ReadJob, ReadReply, ReadWorkerData } from './read-pool.js';
import type { Database as Schema } from './schema.js';
import { mapRawRows } from './raw-rows.js';

const MAX_STATEMENTS = 256;
/** How much lower than the server's thread a worker runs (nice levels). */
const WORKER_NICENESS = 10;

const { target, busyTimeoutMs, serverConnections, state, preload } = workerData as ReadWorkerData;

// This thread yields the CPU to the server's: a worker computing an answer took the core the
// event loop needed for /health.
lowerThreadPriority(WORKER_NICENESS);

/** What a task is handed: a Kysely over this worker's connection, and raw pages through a transform. */
interface TaskHandle {
  read: Kysely<Schema>;
  /** What the pool asked this worker to keep between jobs (ReadWorkerData.state), if anything. */
  state?: unknown;
  readPage<T>(
    query: CompiledQuery,
    keyIndexes: readonly number[],
    transform: PageTransform,
  ): Promise<MappedPage<T>>;
}

const modules = new Map<string, Promise<Record<string, unknown>>>();

function load(module: string): Promise<Record<string, unknown>> {
  let loaded = modules.get(module);
  if (!loaded) {
    loaded = import(module) as Promise<Record<string, unknown>>;
    modules.set(module, loaded);
  }
  return loaded;
}

async function functionOf<F>(module: string, fn: string): Promise<F> {
  const found = (await load(module))[fn];
  if (typeof found !== 'function') throw new Error(`${fn} is not a function of ${module}`);
  return found as F;
}

type Transform = (rows: Iterable<readonly unknown[]>, args: unknown) => unknown;

/**
 * The SQLite side: a raw read-only connection with a statement cache, and a Kysely over it for
 * tasks. Kysely is imported by the first task, not before: its modules cost each thread about
 * 15 MB, and a read worker that only runs the server's compiled queries and pages never needs it.
 */
function sqliteHandle(file: string): {
  rows(sql: string, params: readonly unknown[]): unknown[];
  map(
    job: { sql: string; params: readonly unknown[] } & PageTransform,
    keys: readonly number[],
  ): Promise<MappedPage<unknown>>;
  handle(): Promise<TaskHandle>;
} {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  type Statement = ReturnType<typeof db.prepare>;
  const statements = new Map<string, Statement>();
  const prepare = (sql: string, raw: boolean): Statement => {
    const key = `${raw ? 'r' : 'o'}:${sql}`;
    let stmt = statements.get(key);
    if (stmt) {
      // Most recently used last, so the oldest is evicted first.
      statements.delete(key);
    } else {
      stmt = db.prepare(sql);
      if (!stmt.reader)
        throw Object.assign(new Error('read workers run queries only'), { code: 'READ_ONLY' });
      if (raw) stmt.raw(true);
      if (statements.size >= MAX_STATEMENTS)
        statements.delete(statements.keys().next().value ?? '');
    }
    statements.set(key, stmt);
    return stmt;
  };
  const map = async (
    job: { sql: string; params: readonly unknown[] } & PageTransform,
    keyIndexes: readonly number[],
  ): Promise<MappedPage<unknown>> => {
    const transform = await functionOf<Transform>(job.module, job.fn);
    return mapRawRows(prepare(job.sql, true), job.params, keyIndexes, transform, job.args);
  };
  let handle: Promise<TaskHandle> | undefined;
  const taskHandle = async (): Promise<TaskHandle> => {
    const [{ Kysely, SqliteDialect }, { SqliteValuesPlugin }] = await Promise.all([
      import('kysely'),
      import('./sqlite-values-plugin.js'),
    ]);
    const read = new Kysely<Schema>({
      dialect: new SqliteDialect({ database: db }),
      plugins: [new SqliteValuesPlugin()],
    });
    return {
      read,
      readPage: async <T>(query: CompiledQuery, keys: readonly number[], t: PageTransform) =>
        (await map({ sql: query.sql, params: query.parameters, ...t }, keys)) as MappedPage<T>,
    };
  };
  return {
    rows: (sql, params) => prepare(sql, false).all(params),
    map,
    handle: () => (handle ??= taskHandle()),
  };
}

/** The server side: a small pool of this worker's own, through the same code as the server's. */
async function serverHandle(): Promise<TaskHandle> {
  const { createDb } = await import('./connection.js');
  return createDb(target, { sqliteReadWorkers: 0, poolSize: serverConnections });
}

// Imported now, beside the connection's opening: a failed import is reported by the first job
// that needs the module.
for (const module of preload ?? []) load(module).catch(() => modules.delete(module));

const sqlite = target.dialect === 'sqlite' ? sqliteHandle(target.path) : undefined;
const server = sqlite ? undefined : serverHandle();

// The worker's state, made once; its status messages go to the pool as replies of id 0.
const kept = state
  ? functionOf<(args: unknown, notify: (status: unknown) => void) => unknown>(
      state.module,
      state.fn,
    ).then((make) =>
      make(state.args, (status) => parentPort?.postMessage({ id: 0, status } satisfies ReadReply)),
    )
  : undefined;

async function run(job: ReadJob): Promise<ReadReply> {
  if (sqlite && job.kind === 'rows') return { id: job.id, rows: sqlite.rows(job.sql, job.params) };
  if (sqlite && job.kind === 'map')
    return { id: job.id, ...(await sqlite.map(job, job.keyIndexes)) };
  const connection = sqlite ? await sqlite.handle() : await (server as Promise<TaskHandle>);
  const handle: TaskHandle = kept ? { ...connection, state: await kept } : connection;
  if (job.kind === 'rows') {
    const { CompiledQuery } = await import('kysely');
    const result = await handle.read.executeQuery(CompiledQuery.raw(job.sql, [...job.params]));
    return { id: job.id, rows: result.rows };
  }
  if (job.kind === 'map') {
    const query = { sql: job.sql, parameters: job.params } as CompiledQuery;
    return { id: job.id, ...(await handle.readPage(query, job.keyIndexes, job)) };
  }
  const task = await functionOf<(h: TaskHandle, args: unknown) => unknown>(job.module, job.fn);
  return { id: job.id, value: await task(handle, job.args) };
}

parentPort?.on('message', (job: ReadJob) => {
  run(job).then(
    (reply) => parentPort?.postMessage(reply),
    (error: unknown) => {
      const e = error as { message?: string; code?: string };
      const app =
        error instanceof AppError
          ? {
              statusCode: error.statusCode,
              parameter:
                'parameter' in error && typeof error.parameter === 'string'
                  ? error.parameter
                  : undefined,
            }
          : {};
      parentPort?.postMessage({
        id: job.id,
        error: { message: e.message ?? String(error), code: e.code, ...app },
      } satisfies ReadReply);
    },
  );
});
