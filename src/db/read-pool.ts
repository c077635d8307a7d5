import type { Worker } from 'node:worker_threads';
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
import { AppError, ValidationError } from '../errors.js';
import { startWorkerThread, workerModuleUrl } from '../worker-thread.js';
import type { DatabaseTarget } from './database-url.js';

/** Read workers when none are configured: two queries at once on a two-core machine. */
export const DEFAULT_SQLITE_READ_WORKERS = 2;

export interface ReadWorkerData {
  /** A SQLite file (opened read-only), or a server the worker keeps a few connections to. */
  target: DatabaseTarget;
  busyTimeoutMs: number;
  /** Connections each worker keeps to a server. */
  serverConnections: number;
  /**
   * State the worker keeps between jobs and hands to every task (a cache of the facts), made by
   * fn(args, notify) of a module it loads; notify(status) reaches ReadPool.stateStatus. Given to
   * one worker of a pool only (the one pinned jobs run on), so that it is held once.
   */
  state?: WorkerState | undefined;
  /** Modules (URLs) a worker imports as it starts, so that its first task does not wait for them. */
  preload?: readonly string[] | undefined;
}

/** How a worker makes its state: fn(args, notify) of the module at `module` (a URL). */
export interface WorkerState {
  module: string;
  fn: string;
  args: unknown;
}

/**
 * What a read worker is asked: rows as objects, raw rows passed through a transform (SQLite), or
 * a task: an analytics function run whole in the worker over its own connection (every dialect).
 */
export type ReadJob =
  | { id: number; kind: 'rows'; sql: string; params: readonly unknown[] }
  | {
      id: number;
      kind: 'task';
      /** URL of a module the worker loads, and the function to call as fn(handle, args). */
      module: string;
      fn: string;
      args: unknown;
    }
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
  /** 0: not a reply, the worker's state telling its status (see WorkerState). */
  id: number;
  status?: unknown;
  rows?: unknown[];
  value?: unknown;
  count?: number;
  last?: unknown[] | null;
  error?: {
    message: string;
    code?: string | undefined;
    /** Set for an AppError thrown by a task: rebuilt on this side, so a 400 stays a 400. */
    statusCode?: number | undefined;
    parameter?: string | undefined;
  };
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

/**
 * A function of an import-free-of-state module, run as fn(handle, args) where the rows are;
 * pinned, on the worker that keeps the pool's state (handle.state), whoever else is free.
 */
export type ReadTask = PageTransform & { pinned?: boolean };

interface Slot {
  worker: Worker;
  /** Jobs it runs now. */
  running: number;
  /** The worker with the pool's state: pinned jobs run here only. */
  pinned: boolean;
}

interface Pending {
  job: ReadJob;
  /** Only the pinned worker runs it. */
  pinned: boolean;
  resolve: (reply: ReadReply) => void;
  reject: (error: Error) => void;
}

const WORKER_URL = workerModuleUrl('./read-worker', import.meta.url);

function toError(reply: NonNullable<ReadReply['error']>): Error {
  if (reply.statusCode !== undefined) {
    if (reply.code === 'invalid_parameter')
      return new ValidationError(reply.message, reply.parameter);
    return new AppError(reply.message, reply.code ?? 'error', reply.statusCode);
  }
  return Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
}

/**
 * Read connections in worker threads. On a SQLite file, a few read-only connections: better-sqlite3
 * is synchronous, so on the server's thread every query (and a CSV download's every page) held up
 * every other request, one at a time. On every database, the analytics tasks: a request that
 * reads many rows and computes over them (periods, unions of on-call spans, hour classes)
 * kept the event loop busy for seconds, and /health waited behind it; in a worker, only the
 * answer crosses to the server's thread. Workers start on the first job and are stopped by
 * destroy(). Writes stay on the one writer connection.
 */
export class ReadPool {
  readonly #data: ReadWorkerData;
  readonly #size: number;
  /** Jobs a worker runs at once: one on SQLite (its connection is synchronous), a few on a server. */
  readonly #perWorker: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  readonly #inFlight = new Map<number, { slot: Slot; pending: Pending }>();
  #nextId = 1;
  #destroyed = false;
  #stateStatus: unknown;

  constructor(data: ReadWorkerData, size: number, perWorker = 1) {
    this.#data = data;
    this.#size = Math.max(1, size);
    this.#perWorker = Math.max(1, perWorker);
  }

  /** Runs a task (an analytics function over the worker's connection) and returns its value. */
  async task<T>(task: ReadTask): Promise<T> {
    const { pinned, ...job } = task;
    const reply = await this.#submit({ id: this.#nextId++, kind: 'task', ...job }, pinned === true);
    return reply.value as T;
  }

  /** What the pinned worker's state last said of itself; undefined before it has started. */
  get stateStatus(): unknown {
    return this.#stateStatus;
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
    // Jobs under way are answered too (a warm-up still running at a quick stop, say): their
    // workers are stopped, never to reply.
    for (const [id, { pending }] of this.#inFlight) {
      this.#inFlight.delete(id);
      pending.reject(new Error('the database is closed'));
    }
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }

  #submit(job: ReadJob, pinned = false): Promise<ReadReply> {
    if (this.#destroyed) return Promise.reject(new Error('the database is closed'));
    return new Promise<ReadReply>((resolve, reject) => {
      this.#queue.push({ job, pinned, resolve, reject });
      this.#dispatch();
    }).then((reply) => {
      if (reply.error) throw toError(reply.error);
      return reply;
    });
  }

  #dispatch(): void {
    // In order, but a pinned job waiting for its worker does not hold up the others.
    for (let q = 0; q < this.#queue.length;) {
      const pending = this.#queue[q] as Pending;
      const slot = pending.pinned ? this.#pinnedSlot() : (this.#leastBusy() ?? this.#grow());
      if (!slot) {
        q += 1;
        continue;
      }
      this.#queue.splice(q, 1);
      slot.running += 1;
      // A busy worker keeps the process alive until it answers; an idle one does not.
      slot.worker.ref();
      this.#inFlight.set(pending.job.id, { slot, pending });
      slot.worker.postMessage(pending.job);
    }
  }

  /** The pinned worker when it can take a job (started when there is none). */
  #pinnedSlot(): Slot | undefined {
    const slot = this.#slots.find((s) => s.pinned) ?? this.#grow(true);
    return slot && slot.running < this.#perWorker ? slot : undefined;
  }

  /** An idle worker, else (on a server) the one with the fewest jobs below its limit. */
  #leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    // The pinned worker last among equals: its jobs are the ones that cannot go elsewhere.
    for (const s of this.#slots)
      if (
        s.running < this.#perWorker &&
        (!best || s.running < best.running || (s.running === best.running && best.pinned))
      )
        best = s;
    // Start another worker rather than share a busy one while the pool may grow.
    if (best && best.running > 0 && this.#slots.length < this.#size) return undefined;
    return best;
  }

  #grow(pinned = false): Slot | undefined {
    // The pinned worker may be one more than the pool's size: it is replaced when it dies.
    if (!pinned && this.#slots.length >= this.#size) return undefined;
    // The first worker holds the state, so that a pool without pinned jobs holds it too.
    const holds = pinned || !this.#slots.some((s) => s.pinned);
    const data = holds ? this.#data : { ...this.#data, state: undefined };
    const slot: Slot = { worker: startWorkerThread(WORKER_URL, data), running: 0, pinned: holds };
    slot.worker.unref();
    slot.worker.on('message', (reply: ReadReply) => {
      if (reply.id === 0) {
        this.#stateStatus = reply.status;
        return;
      }
      const entry = this.#inFlight.get(reply.id);
      if (!entry) return;
      this.#inFlight.delete(reply.id);
      slot.running -= 1;
      if (slot.running === 0) slot.worker.unref();
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
  constructor(readonly pool: ReadPool) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return { rows: (await this.pool.rows(compiled.sql, compiled.parameters)) as R[] };
  }

  // eslint-disable-next-line require-yield -- streams are not offered by the read pool
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQLite read pool does not stream; page with keysets instead');
  }
}

class PoolDriver implements Driver {
  constructor(readonly pool: ReadPool) {}
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
  constructor(readonly pool: ReadPool) {}
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
