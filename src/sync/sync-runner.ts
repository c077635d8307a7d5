import type { Kysely } from 'kysely';
import type { AnalyticsConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import { runSync, type SyncOptions, type SyncResult } from './sync-engine.js';
import type { SyncObserver } from './sync-progress.js';

/** What a run is asked: runSync's options that are plain data, and the run's id. */
export type SyncRunRequest = Omit<SyncOptions, 'runId' | 'observers' | 'signal'> & {
  runId: string;
};

/** Where SyncService's runs do their work: this thread, or a worker thread of their own. */
export interface SyncRunner {
  /**
   * Runs one sync as runSync does (same result, same errors), telling `observe` its events;
   * aborting `signal` stops it, and the run records itself as failed before this settles.
   */
  run(request: SyncRunRequest, observe: SyncObserver, signal: AbortSignal): Promise<SyncResult>;
  /** Ends what the runner holds (a worker thread); runs should be stopped first. */
  close(): Promise<void>;
}

/** The API's answer when no client can be made: 503, the reason (a missing token) named. */
export function syncNotConfigured(error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `sync is not configured: ${error instanceof Error ? error.message : String(error)}`,
  );
}

export interface InProcessSyncRunnerDependencies {
  db: Kysely<Database>;
  /** Builds the PagerDuty client, once; throws (ConfigError) when no token is configured. */
  createClient: () => PagerDutyClient;
  logger: Logger;
  clock?: () => Date;
  /** How the figures are computed; the defaults when absent. */
  analytics?: AnalyticsConfig;
  /** Told the mirror's version after each committed write. */
  onCommitted?: (version: number) => void;
}

/**
 * Runs syncs on the calling thread: for library use, the tests, and an in-memory SQLite
 * database (which no other thread can open). One client is kept, so its request budget is
 * shared by runs.
 */
export class InProcessSyncRunner implements SyncRunner {
  readonly #deps: InProcessSyncRunnerDependencies;
  #client: PagerDutyClient | undefined;

  constructor(deps: InProcessSyncRunnerDependencies) {
    this.#deps = deps;
  }

  async run(
    request: SyncRunRequest,
    observe: SyncObserver,
    signal: AbortSignal,
  ): Promise<SyncResult> {
    let client: PagerDutyClient;
    try {
      client = this.#client ??= this.#deps.createClient();
    } catch (error) {
      throw syncNotConfigured(error);
    }
    const { db, logger, clock, analytics, onCommitted } = this.#deps;
    return runSync(
      {
        db,
        client,
        logger,
        ...(clock ? { clock } : {}),
        ...(analytics ? { analytics } : {}),
        ...(onCommitted ? { onCommitted } : {}),
      },
      { ...request, signal, observers: [observe] },
    );
  }

  async close(): Promise<void> {}
}
