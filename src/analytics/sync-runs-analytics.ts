import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/stored-values.js';
import {
  countSyncRuns,
  findSyncRun,
  listSyncRuns,
} from '../db/repositories/sync-runs-repository.js';
import type { Database, SyncRun, SyncRunStatus } from '../db/schema.js';
import type { Page } from './paging.js';

/** A sync run as the API shows it: times as ISO text, rows written per resource. */
export interface SyncRunView {
  id: string;
  kind: string;
  status: SyncRunStatus;
  started_at: string | null;
  finished_at: string | null;
  counts: Record<string, number>;
  requests: number;
  rate_limited: number;
  retries: number;
  error: string | null;
}

/** A stored sync run as the API shows it. */
export function syncRunView(run: SyncRun): SyncRunView {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    started_at: toIsoTimestamp(run.started_at),
    finished_at: toIsoTimestamp(run.finished_at),
    counts: JSON.parse(run.counts) as Record<string, number>,
    requests: run.requests,
    rate_limited: run.rate_limited,
    retries: run.retries,
    error: run.error,
  };
}

/** A page of the sync runs, newest first, and how many there are. */
export async function listSyncRunViews(
  db: Kysely<Database>,
  limit: number,
  offset: number,
): Promise<Page<SyncRunView>> {
  const [runs, total] = await Promise.all([listSyncRuns(db, limit, offset), countSyncRuns(db)]);
  return { items: runs.map(syncRunView), total, limit, offset };
}

/** One sync run, or undefined when there is no run of that id. */
export async function findSyncRunView(
  db: Kysely<Database>,
  id: string,
): Promise<SyncRunView | undefined> {
  const run = await findSyncRun(db, id);
  return run && syncRunView(run);
}
