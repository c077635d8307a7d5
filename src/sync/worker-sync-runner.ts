import type { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { AnalyticsConfig, LogLevel } from '../config.js';
import type { DatabaseTarget } from '../db/database-url.js';
import { markSyncRunsInterrupted } from '../db/repositories/sync-runs-repository.js';
import type { Database } from '../db/schema.js';
import { relayLogLine, type Logger } from '../logger.js';
import type { PagerDutyClientSettings } from '../pagerduty/create-client.js';
import { startWorkerThread, workerModuleUrl } from '../worker-thread.js';
import type { SyncResult } from './sync-engine.js';
import { releaseSyncLease } from './sync-lease.js';
import type { SyncObserver } from './sync-progress.js';
import { syncNotConfigured, type SyncRunner, type SyncRunRequest } from './sync-runner.js';
import type { SyncWorkerData, SyncWorkerReply, SyncWorkerRequest } from './sync-worker-messages.js';
import { fromTransferableError } from './transferable-error.js';

const WORKER_URL = workerModuleUrl('./sync-worker', import.meta.url);
/** How long close() lets the worker close its connection before it is ended. */
const CLOSE_TIMEOUT_MS = 5000;

export interface WorkerSyncRunnerOptions {
  /** The server's database; the worker opens a connection of its own to it (not `:memory:`). */
  target: DatabaseTarget;
  /**
   * The PagerDuty client's settings, read when a run starts the worker (the demo's simulator is
   * known only after the server listens); throws (ConfigError) when no token is configured.
   */
  client: () => PagerDutyClientSettings;
  /** The server's logger: the worker's lines are written through it, at its level. */
  logger: Logger;
  /** How the figures are computed; the defaults when absent. */
  analytics?: AnalyticsConfig | undefined;
  /** Told the mirror's version after each write the worker commits. */
  onCommitted?: (version: number) => void;
  /** The server's writer: records the run of a worker that died, which could not record it. */
  db: Kysely<Database>;
}

interface PendingRun {
  worker: Worker;
  observe: SyncObserver;
  resolve: (result: SyncResult) => void;
  reject: (error: Error) => void;
}

/**
 * Runs a server's syncs in one long-lived worker thread (src/sync/sync-worker.ts), with its own
 * connection and its own PagerDuty client, kept across runs so that runs share its request
 * budget. A sync in the server's thread multiplied the tail latency of every answer by five
 * (bench/RESULTS.md): it parsed pages and computed facts on the event loop. Events, committed
 * versions, log lines, results and errors cross by postMessage. A worker that dies fails its
 * runs (recorded here, its lease released); the next run starts another.
 */
export class WorkerSyncRunner implements SyncRunner {
  readonly #options: WorkerSyncRunnerOptions;
  #worker: Worker | undefined;
  readonly #runs = new Map<string, PendingRun>();
  /** Records of the runs of a dead worker, still being written. */
  #recording: Promise<void> = Promise.resolve();

  constructor(options: WorkerSyncRunnerOptions) {
    this.#options = options;
  }

  async run(
    request: SyncRunRequest,
    observe: SyncObserver,
    signal: AbortSignal,
  ): Promise<SyncResult> {
    const worker = (this.#worker ??= this.#startWorker());
    const done = Promise.withResolvers<SyncResult>();
    this.#runs.set(request.runId, { worker, observe, resolve: done.resolve, reject: done.reject });
    // A running sync keeps the process alive, as its sockets did in the server's thread.
    worker.ref();
    this.#post(worker, { type: 'run', request });
    const abort = () => this.#post(worker, { type: 'abort', runId: request.runId });
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      return await done.promise;
    } finally {
      signal.removeEventListener('abort', abort);
      this.#runs.delete(request.runId);
      if (this.#runsOf(worker).length === 0) worker.unref();
    }
  }

  /**
   * Ends the worker: it closes its connection first when idle; runs still going are cut off
   * and recorded as failed here. A later run starts another worker.
   */
  async close(): Promise<void> {
    const worker = this.#worker;
    // A run asked for from now on starts another worker.
    this.#worker = undefined;
    if (worker) {
      // Not events.once: it rejects on the 'error' that comes before the exit of a failing worker.
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      if (this.#runsOf(worker).length > 0) await worker.terminate();
      else {
        this.#post(worker, { type: 'close' });
        const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
    }
    await this.#recording;
  }

  #runsOf(worker: Worker): [string, PendingRun][] {
    return [...this.#runs].filter(([, run]) => run.worker === worker);
  }

  #post(worker: Worker, message: SyncWorkerRequest): void {
    worker.postMessage(message);
  }

  #startWorker(): Worker {
    let client: PagerDutyClientSettings;
    try {
      client = this.#options.client();
    } catch (error) {
      throw syncNotConfigured(error);
    }
    const data: SyncWorkerData = {
      target: this.#options.target,
      client,
      logLevel: this.#options.logger.level as LogLevel,
      analytics: this.#options.analytics,
    };
    const worker = startWorkerThread(WORKER_URL, data);
    worker.unref();
    worker.on('message', (reply: SyncWorkerReply) => this.#receive(reply));
    let failure: string | undefined;
    worker.on('error', (error) => {
      failure = error.message;
    });
    worker.on('exit', (code) => this.#lost(worker, failure ?? `exit code ${code}`));
    return worker;
  }

  #receive(reply: SyncWorkerReply): void {
    if (reply.type === 'log') relayLogLine(this.#options.logger, reply.line);
    else if (reply.type === 'committed') this.#options.onCommitted?.(reply.version);
    else if (reply.type === 'event') this.#runs.get(reply.runId)?.observe(reply.event);
    else if (reply.type === 'finished') this.#runs.get(reply.runId)?.resolve(reply.result);
    else this.#runs.get(reply.runId)?.reject(fromTransferableError(reply.error));
  }

  /**
   * The worker ended. Its runs could not record their end nor release the lease, and the lease
   * names this process, which lives on: no one would take it over for two minutes.
   */
  #lost(worker: Worker, reason: string): void {
    if (this.#worker === worker) this.#worker = undefined;
    const runs = this.#runsOf(worker);
    if (runs.length === 0) return;
    const error = `interrupted: the sync worker stopped (${reason})`;
    const { db, logger } = this.#options;
    logger.error({ run_ids: runs.map(([runId]) => runId), reason }, 'the sync worker stopped');
    const recorded = (async () => {
      const ids = runs.map(([runId]) => runId);
      await markSyncRunsInterrupted(db, ids, new Date(), error).catch(() => undefined);
      for (const runId of ids) await releaseSyncLease(db, runId).catch(() => undefined);
    })();
    this.#recording = this.#recording.then(() => recorded);
    for (const [runId, run] of runs)
      void recorded.then(() => {
        run.observe({ type: 'run-finished', runId, status: 'failed', error });
        run.reject(new Error(error));
      });
  }
}
