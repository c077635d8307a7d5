// The sync library's one entry: the CLI and the API import the sync from here only (lint holds
// it), so what they may call is this list, and the modules behind it can change without them.

export {
  runSync,
  type SyncDependencies,
  type SyncOptions,
  type SyncResult,
} from './sync-engine.js';
export {
  parseSyncRequest,
  SYNC_MODES,
  type SyncMode,
  type SyncRequest,
  type SyncRequestSource,
} from './sync-request.js';
export { SyncService, type SyncStartOptions } from './sync-service.js';
export { InProcessSyncRunner, type SyncRunner } from './sync-runner.js';
export { WorkerSyncRunner } from './worker-sync-runner.js';
export { scheduleSyncs } from './sync-scheduler.js';
export { markInterruptedRuns } from './sync-lease.js';
export { AccountMismatchError, describeAccount, findMirrorAccount } from './mirror-account.js';
export {
  SYNC_RESOURCES,
  type SyncEvent,
  type SyncObserver,
  type SyncResource,
} from './sync-progress.js';
export { handleWebhook } from './webhook-handler.js';
export { WEBHOOK_MAX_AGE_MS, WEBHOOK_OUTCOMES } from './webhook-events.js';
export type { MirrorWriter } from '../mirror/mirror-writer.js';
