// What crosses between WorkerSyncRunner (the server's thread) and the sync worker: plain data
// only, as postMessage clones it.
import type { AnalyticsConfig, LogLevel } from '../config.js';
import type { DatabaseTarget } from '../db/database-url.js';
import type { PagerDutyClientSettings } from '../pagerduty/create-client.js';
import type { SyncResult } from './sync-engine.js';
import type { SyncEvent } from './sync-progress.js';
import type { SyncRunRequest } from './sync-runner.js';
import type { TransferableError } from './transferable-error.js';

/** What the worker is started with. */
export interface SyncWorkerData {
  /** The server's database: the worker opens a connection of its own to it. */
  target: DatabaseTarget;
  /** The worker's one client, kept across runs so that runs share its request budget. */
  client: PagerDutyClientSettings;
  logLevel: LogLevel;
  analytics: AnalyticsConfig | undefined;
}

/** From the server's thread to the worker. */
export type SyncWorkerRequest =
  | { type: 'run'; request: SyncRunRequest }
  | { type: 'abort'; runId: string }
  /** Close the connection and end: the worker's event loop empties. */
  | { type: 'close' };

/** From the worker to the server's thread. */
export type SyncWorkerReply =
  | { type: 'event'; runId: string; event: SyncEvent }
  | { type: 'committed'; version: number }
  /** A JSON log line of the worker's logger, written by the server's. */
  | { type: 'log'; line: string }
  | { type: 'finished'; runId: string; result: SyncResult }
  | { type: 'failed'; runId: string; error: TransferableError };
