// The sync library's one entry: the CLI and the API import the sync from here only, so what
// they may call is this list, and the modules behind it can change without touching them.

export {
  runSync,
  type SyncDependencies,
  type SyncOptions,
  type SyncResult,
} from './sync-engine.js';
export {
  BODY_SOURCE,
  parseSyncRequest,
  SYNC_MODES,
  type SyncMode,
  type SyncRequest,
  type SyncRequestInput,
  type SyncRequestSource,
} from './sync-request.js';
export { SyncService, type SyncServiceDependencies } from './sync-service.js';
export { scheduleSyncs } from './sync-scheduler.js';
export { markInterruptedRuns, SyncAlreadyRunningError } from './sync-lease.js';
export {
  AccountMismatchError,
  describeAccount,
  findMirrorAccount,
  type MirrorAccount,
} from './mirror-account.js';
export {
  SYNC_RESOURCES,
  type ResourceProgress,
  type SyncEvent,
  type SyncObserver,
  type SyncResource,
} from './sync-progress.js';
export { handleWebhook, type WebhookDelivery } from './webhook-handler.js';
export { WEBHOOK_MAX_AGE_MS, WEBHOOK_OUTCOMES, type WebhookOutcome } from './webhook-events.js';
export type { MirrorWriter } from '../mirror/mirror-writer.js';
