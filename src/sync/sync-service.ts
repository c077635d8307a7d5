import crypto from 'node:crypto';
import type { Logger } from '../logger.js';
import type { SyncOptions, SyncResult } from './sync-engine.js';
import { ProgressTracker, type SyncObserver } from './sync-progress.js';
import type { SyncRunner } from './sync-runner.js';

export interface SyncServiceDependencies {
  /**
   * Where runs do their work: a WorkerSyncRunner for a server (its thread stays free for
   * requests), an InProcessSyncRunner for library use and in-memory SQLite.
   */
  runner: SyncRunner;
  logger: Logger;
  /** SYNC_SINCE: the start of a full sync's history when a start does not say. */
  since?: Date | undefined;
}

/** What a start is asked: runSync's plain options. */
export type SyncStartOptions = Omit<SyncOptions, 'runId' | 'observers' | 'signal'>;

/**
 * Starts syncs in the background for the API and the scheduler, and keeps the live progress of
 * the runs this process started.
 */
export class SyncService {
  readonly #deps: SyncServiceDependencies;
  readonly #live = new Map<string, ProgressTracker>();
  #current: Promise<SyncResult | undefined> | undefined;
  readonly #controller = new AbortController();

  constructor(deps: SyncServiceDependencies) {
    this.#deps = deps;
  }

  /**
   * Starts a run and resolves with its id once it holds the lease; rejects with
   * SyncAlreadyRunningError when another run (of any process) holds it.
   */
  async start(options: SyncStartOptions = {}): Promise<string> {
    const { runId, result } = await this.#begin(options, []);
    result.catch((error: unknown) =>
      this.#deps.logger.warn(
        {
          run_id: runId,
          err: { message: error instanceof Error ? error.message : String(error) },
        },
        'background sync failed',
      ),
    );
    return runId;
  }

  /**
   * Runs a sync to its end (the demo's first sync), its events told to `observers` too; its
   * live progress is kept as a started run's is. Rejects as runSync does.
   */
  async run(options: SyncStartOptions, observers: readonly SyncObserver[]): Promise<SyncResult> {
    const { result } = await this.#begin(options, observers);
    return result;
  }

  /** Live progress of a run this process is running, if it is. */
  progress(runId: string): ProgressTracker | undefined {
    return this.#live.get(runId);
  }

  /** Stops the running sync (at shutdown) and waits for it to record itself. */
  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#current;
  }

  /** Stops the running sync, then ends the runner (its worker thread). */
  async close(): Promise<void> {
    await this.stop();
    await this.#deps.runner.close();
  }

  /** Resolves once the run holds the lease, with its result to come; rejects if it fails before. */
  async #begin(
    options: SyncStartOptions,
    observers: readonly SyncObserver[],
  ): Promise<{ runId: string; result: Promise<SyncResult> }> {
    const runId = crypto.randomUUID();
    const tracker = new ProgressTracker();
    const started = Promise.withResolvers<true>();
    const result = this.#deps.runner.run(
      { ...(this.#deps.since ? { since: this.#deps.since } : {}), ...options, runId },
      (event) => {
        tracker.observe(event);
        if (event.type === 'run-started') started.resolve(true);
        for (const observe of observers) observe(event);
      },
      this.#controller.signal,
    );
    // Either the run starts (it holds the lease) or it fails before: report whichever comes first.
    await Promise.race([started.promise, result]);
    this.#live.set(runId, tracker);
    this.#current = result.then(
      (value) => value,
      () => undefined,
    );
    void this.#current.finally(() => this.#live.delete(runId));
    return { runId, result };
  }
}
