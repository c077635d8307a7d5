import { pingDb, type Db } from '../db/connection.js';
import { currentSchemaVersion, LATEST_SCHEMA_VERSION } from '../db/migrator.js';
import { readMirrorVersion } from '../db/repositories/mirror-state-repository.js';
import { findLastSyncRun } from '../db/repositories/sync-runs-repository.js';
import type { Dialect } from '../db/database-url.js';
import { VERSION } from '../version.js';
import { syncRunView } from './sync-runs-analytics.js';
import type { AnalyticsStateStatus } from './analytics-state.js';

export interface Health {
  status: 'ok' | 'unavailable';
  version: string;
  database: {
    dialect: Dialect;
    reachable: boolean;
    schema_version: string | null;
    latest_schema_version: string;
  };
  last_sync: {
    id: string;
    kind: string;
    status: string;
    started_at: string | null;
    finished_at: string | null;
    error: string | null;
  } | null;
  /**
   * The analytics' copy of the incident facts (fact-store.ts): its state and footprint, and the
   * responders' copy (responder-store.ts) within it; null where there is none
   * (ANALYTICS_CACHE_MB=0, no read workers, or none started yet).
   */
  analytics_cache: AnalyticsStateStatus | null;
}

/**
 * A copy's status as of the mirror's version: a copy learns that the mirror moved only with the
 * next request that asks it, so until then its own word is 'ready' for a copy that will not be
 * answered from (the demo's first sync, right after the copies were read at start-up).
 */
function asOf<T extends { state: string; version: number | null }>(copy: T, version: number): T {
  return copy.state === 'ready' && copy.version !== version ? { ...copy, state: 'stale' } : copy;
}

/** Reads the health of the service; a database failure is reported, not thrown. */
export async function readHealth(db: Db, onError: (error: unknown) => void): Promise<Health> {
  const analyticsCache = (db.taskStateStatus() as AnalyticsStateStatus | undefined) ?? null;
  const database = {
    dialect: db.dialect,
    reachable: false,
    schema_version: null as string | null,
    latest_schema_version: LATEST_SCHEMA_VERSION,
  };
  try {
    // On the readers: a sync holding the writer does not hold up a load balancer's probe. The
    // three reads side by side: one after another, a busy database server made each wait.
    const [ping, version, last, mirror] = await Promise.allSettled([
      pingDb(db.read),
      currentSchemaVersion(db.read),
      findLastSyncRun(db.read),
      readMirrorVersion(db.read),
    ]);
    if (ping.status === 'rejected') throw ping.reason;
    database.reachable = true;
    if (version.status === 'rejected') throw version.reason;
    if (last.status === 'rejected') throw last.reason;
    if (mirror.status === 'rejected') throw mirror.reason;
    database.schema_version = version.value;
    const run = last.value && syncRunView(last.value);
    return {
      status: 'ok',
      version: VERSION,
      database,
      last_sync: run
        ? {
            id: run.id,
            kind: run.kind,
            status: run.status,
            started_at: run.started_at,
            finished_at: run.finished_at,
            error: run.error,
          }
        : null,
      analytics_cache: analyticsCache && {
        ...asOf(analyticsCache, mirror.value),
        ...(analyticsCache.responders
          ? { responders: asOf(analyticsCache.responders, mirror.value) }
          : {}),
      },
    };
  } catch (error) {
    onError(error);
    return {
      status: 'unavailable',
      version: VERSION,
      database,
      last_sync: null,
      analytics_cache: analyticsCache,
    };
  }
}
