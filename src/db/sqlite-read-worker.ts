// A read worker: one read-only connection to the SQLite file, in a thread of its own, so that
// queries run beside each other (WAL allows any number of readers beside the one writer) and
// never on the server's event loop. Started by SqliteReadPool; it answers one job at a time.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ReadJob, ReadReply, ReadWorkerData } from './sqlite-read-pool.js';

const MAX_STATEMENTS = 256;

const { file, busyTimeoutMs } = workerData as ReadWorkerData;
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma(`busy_timeout = ${busyTimeoutMs}`);

type Statement = ReturnType<typeof db.prepare>;
const statements = new Map<string, Statement>();
const modules = new Map<string, Promise<Record<string, unknown>>>();

function prepare(sql: string, raw: boolean): Statement {
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
    if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value ?? '');
  }
  statements.set(key, stmt);
  return stmt;
}

function load(module: string): Promise<Record<string, unknown>> {
  let loaded = modules.get(module);
  if (!loaded) {
    loaded = import(module) as Promise<Record<string, unknown>>;
    modules.set(module, loaded);
  }
  return loaded;
}

async function run(job: ReadJob): Promise<ReadReply> {
  if (job.kind === 'rows') return { id: job.id, rows: prepare(job.sql, false).all(job.params) };
  const transform = (await load(job.module))[job.fn];
  if (typeof transform !== 'function')
    throw new Error(`${job.fn} is not a function of ${job.module}`);
  // Rows are handed to the transform one by one as SQLite steps, never all at once: the exact
  // percentiles read a million rows in one job, and an array of them cost over 100 MB here.
  const statement = prepare(job.sql, true);
  let count = 0;
  let last: unknown[] | undefined;
  function* rows(): Generator<unknown[]> {
    for (const row of statement.iterate(job.params) as Iterable<unknown[]>) {
      count += 1;
      last = row;
      yield row;
    }
  }
  const iterator = rows();
  try {
    const value = (transform as (rows: Iterable<unknown[]>, args: unknown) => unknown)(
      iterator,
      job.args,
    );
    return {
      id: job.id,
      value,
      count,
      last: last ? job.keyIndexes.map((i) => last?.[i]) : null,
    };
  } finally {
    // A transform that stops early (or throws) must not leave the statement busy.
    iterator.return(undefined);
  }
}

parentPort?.on('message', (job: ReadJob) => {
  run(job).then(
    (reply) => parentPort?.postMessage(reply),
    (error: unknown) => {
      const e = error as { message?: string; code?: string };
      parentPort?.postMessage({
        id: job.id,
        error: { message: e.message ?? String(error), code: e.code },
      } satisfies ReadReply);
    },
  );
});
