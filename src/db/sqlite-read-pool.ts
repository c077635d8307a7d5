import { Worker } from 'node:worker_threads';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type DatabaseIntrospector,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

export interface ReadWorkerData {
  file: string;
  busyTimeoutMs: number;
}

/** What a read worker is asked: rows as objects, or raw rows passed through a transform. */
export type ReadJob =
  | { id: number; kind: 'rows'; sql: string; params: readonly unknown[] }
  | {
      id: number;
      kind: 'map';
      sql: string;
      params: readonly unknown[];
      /** URL of an import-free module, loaded by the worker, and the function to call. */
      module: string;
      fn: string;
      args: unknown;
      /** Columns of the last row to hand back, for keyset paging. */
      keyIndexes: readonly number[];
    };

export interface ReadReply {
  id: number;
  rows?: unknown[];
  value?: unknown;
  count?: number;
  last?: unknown[] | null;
  error?: { message: string; code?: string | undefined };
}

/** A raw page passed through a transform: the transform's value, the row count, the last row's keys. */
export interface MappedPage<T> {
  value: T;
  count: number;
  last: unknown[] | null;
}

export interface PageTransform {
  module: string;
  fn: string;
  args: unknown;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Pending {
  job: ReadJob;
  resolve: (reply: ReadReply) => void;
  reject: (error: Error) => void;
}

// The worker is TypeScript in src/ (tests run from src/) and JavaScript in dist/. Node's own
// type stripping does not map our `.js` import specifiers to `.ts` files, so from src/ the
// worker starts through tsx (a dev dependency).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(
  FROM_SOURCE ? './sqlite-read-worker.ts' : './sqlite-read-worker.js',
  import.meta.url,
);

function startWorker(data: ReadWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: data });
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

function toError(reply: NonNullable<ReadReply['error']>): Error {
  return Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
}

/**
 * A few read-only connections to one SQLite file, each in a worker thread: better-sqlite3 is
 * synchronous, so on the server's thread every query (and a CSV download's every page) held up
 * every other request, one at a time. Workers start on the first query and are stopped by
 * destroy(). Writes stay on the one writer connection.
 */
export class SqliteReadPool {
  readonly #data: ReadWorkerData;
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  readonly #inFlight = new Map<number, { slot: Slot; pending: Pending }>();
  #nextId = 1;
  #destroyed = false;

  constructor(file: string, size: number, busyTimeoutMs: number) {
    this.#data = { file, busyTimeoutMs };
    this.#size = Math.max(1, size);
  }

  /** Runs a query and returns its rows as objects. */
  async rows(sql: string, params: readonly unknown[]): Promise<unknown[]> {
    const reply = await this.#submit({ id: this.#nextId++, kind: 'rows', sql, params });
    return reply.rows ?? [];
  }

  /** Runs a query and passes its raw rows (arrays) through `transform` in the worker. */
  async map<T>(
    sql: string,
    params: readonly unknown[],
    transform: PageTransform,
    keyIndexes: readonly number[],
  ): Promise<MappedPage<T>> {
    const reply = await this.#submit({
      id: this.#nextId++,
      kind: 'map',
      sql,
      params,
      ...transform,
      keyIndexes,
    });
    return { value: reply.value as T, count: reply.count ?? 0, last: reply.last ?? null };
  }

  /** Starts every worker now (a server's first requests should not wait for them). */
  async warm(): Promise<void> {
    while (this.#grow()) {
      // #grow adds a worker until the pool is full.
    }
    await Promise.all(this.#slots.map(() => this.rows('select 1', [])));
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const pending of this.#queue.splice(0))
      pending.reject(new Error('the database is closed'));
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }

  #submit(job: ReadJob): Promise<ReadReply> {
    if (this.#destroyed) return Promise.reject(new Error('the database is closed'));
    return new Promise<ReadReply>((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#dispatch();
    }).then((reply) => {
      if (reply.error) throw toError(reply.error);
      return reply;
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((s) => !s.busy) ?? this.#grow();
      if (!slot) return;
      const pending = this.#queue.shift() as Pending;
      slot.busy = true;
      // A busy worker keeps the process alive until it answers; an idle one does not.
      slot.worker.ref();
      this.#inFlight.set(pending.job.id, { slot, pending });
      slot.worker.postMessage(pending.job);
    }
  }

  #grow(): Slot | undefined {
    if (this.#slots.length >= this.#size) return undefined;
    const slot: Slot = { worker: startWorker(this.#data), busy: false };
    slot.worker.unref();
    slot.worker.on('message', (reply: ReadReply) => {
      const entry = this.#inFlight.get(reply.id);
      if (!entry) return;
      this.#inFlight.delete(reply.id);
      slot.busy = false;
      slot.worker.unref();
      entry.pending.resolve(reply);
      this.#dispatch();
    });
    const fail = (error: Error) => {
      // A worker that dies fails its job and is replaced on the next dispatch.
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      for (const [id, entry] of this.#inFlight)
        if (entry.slot === slot) {
          this.#inFlight.delete(id);
          entry.pending.reject(error);
        }
      if (!this.#destroyed) this.#dispatch();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!this.#destroyed) fail(new Error(`a read worker stopped (exit code ${code})`));
    });
    this.#slots.push(slot);
    return slot;
  }
}

class PoolConnection implements DatabaseConnection {
  constructor(readonly pool: SqliteReadPool) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return { rows: (await this.pool.rows(compiled.sql, compiled.parameters)) as R[] };
  }

  // eslint-disable-next-line require-yield -- streams are not offered by the read pool
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQLite read pool does not stream; page with keysets instead');
  }
}

class PoolDriver implements Driver {
  constructor(readonly pool: SqliteReadPool) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PoolConnection(this.pool);
  }
  async beginTransaction(): Promise<void> {
    throw new Error('the SQLite read pool runs no transactions');
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** A Kysely dialect over the read pool: SQLite's compiler and adapter, the pool's connections. */
export class SqliteReadPoolDialect implements Dialect {
  constructor(readonly pool: SqliteReadPool) {}
  createDriver(): Driver {
    return new PoolDriver(this.pool);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
