import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AnalyticsConfig } from '../config.js';
import type { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import { runSync, type SyncOptions, type SyncResult } from './sync-engine.js';
import { ProgressTracker } from './sync-progress.js';

export interface SyncServiceDependencies {
  db: Kysely<Database>;
  /** Builds the PagerDuty client; throws (ConfigError) when no token is configured. */
  createClient: () => PagerDutyClient;
  logger: Logger;
  clock?: () => Date;
  /** How the figures are computed; the defaults when absent. */
  analytics?: AnalyticsConfig;
  /** Told the mirror's version after each committed write. */
  onCommitted?: (version: number) => void;
  /** SYNC_SINCE: the start of a full sync's history when a start does not say. */
  since?: Date | undefined;
}

/**
 * Starts syncs in the background for the API and the scheduler, and keeps the live progress of
 * the runs this process started. One client is kept, so its request budget is shared by runs.
 */
export class SyncService {
  readonly #deps: SyncServiceDependencies;
  readonly #live = new Map<string, ProgressTracker>();
  #client: PagerDutyClient | undefined;
  #current: Promise<SyncResult | undefined> | undefined;
  readonly #controller = new AbortController();

  constructor(deps: SyncServiceDependencies) {
    this.#deps = deps;
  }

  /**
   * Starts a run and resolves with its id once it holds the lease; rejects with
   * SyncAlreadyRunningError when another run (of any process) holds it.
   */
  async start(options: Omit<SyncOptions, 'runId' | 'observers' | 'signal'> = {}): Promise<string> {
    let client: PagerDutyClient;
    try {
      client = this.#client ??= this.#deps.createClient();
    } catch (error) {
      throw new ServiceUnavailableError(
        `sync is not configured: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const runId = crypto.randomUUID();
    const tracker = new ProgressTracker();
    const started = Promise.withResolvers<true>();
    const run = runSync(
      {
        db: this.#deps.db,
        client,
        logger: this.#deps.logger,
        ...(this.#deps.clock ? { clock: this.#deps.clock } : {}),
        ...(this.#deps.analytics ? { analytics: this.#deps.analytics } : {}),
        ...(this.#deps.onCommitted ? { onCommitted: this.#deps.onCommitted } : {}),
      },
      {
        ...(this.#deps.since ? { since: this.#deps.since } : {}),
        ...options,
        runId,
        signal: this.#controller.signal,
        observers: [
          tracker.observe,
          (event) => {
            if (event.type === 'run-started') started.resolve(true);
          },
        ],
      },
    );
    // Either the run starts (it holds the lease) or it fails before: report whichever comes first.
    await Promise.race([started.promise, run]);
    this.#live.set(runId, tracker);
    this.#current = run.then(
      (result) => result,
      (error: unknown) => {
        this.#deps.logger.warn(
          {
            run_id: runId,
            err: { message: error instanceof Error ? error.message : String(error) },
          },
          'background sync failed',
        );
        return undefined;
      },
    );
    void this.#current.finally(() => this.#live.delete(runId));
    return runId;
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
}
