import type { Logger } from '../logger.js';
import { SyncAlreadyRunningError } from './sync-lease.js';
import type { SyncService } from './sync-service.js';

/** Runs a sync now and then every `everyMs` (incremental once a full sync has completed). Returns stop(). */
export function scheduleSyncs(service: SyncService, everyMs: number, logger: Logger): () => void {
  const tick = () => {
    service.start({ mode: 'auto' }).then(
      (runId) => logger.info({ run_id: runId }, 'scheduled sync started'),
      (error: unknown) => {
        // Another run (a manual one, or another process) is working: this tick has nothing to do.
        if (error instanceof SyncAlreadyRunningError)
          logger.info({ run_id: error.runId }, 'scheduled sync skipped: a sync is running');
        else
          logger.warn(
            { err: { message: error instanceof Error ? error.message : String(error) } },
            'scheduled sync did not start',
          );
      },
    );
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
