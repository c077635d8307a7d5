import type { Kysely } from 'kysely';
import type { Database, SyncRun, SyncRunStatus } from '../schema.js';

/** The most recently started sync run, if any. */
export function findLastSyncRun(db: Kysely<Database>): Promise<SyncRun | undefined> {
  return db
    .selectFrom('sync_runs')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function findSyncRun(db: Kysely<Database>, id: string): Promise<SyncRun | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Runs, newest first. */
export function listSyncRuns(
  db: Kysely<Database>,
  limit: number,
  offset: number,
): Promise<SyncRun[]> {
  return db
    .selectFrom('sync_runs')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countSyncRuns(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('sync_runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSyncRun(
  db: Kysely<Database>,
  run: { id: string; kind: string; started_at: Date; owner: string },
): Promise<void> {
  await db
    .insertInto('sync_runs')
    .values({
      ...run,
      status: 'running',
      heartbeat_at: run.started_at,
      counts: '{}',
      requests: 0,
      rate_limited: 0,
      retries: 0,
      error: null,
      finished_at: null,
    })
    .execute();
}

export interface SyncRunUpdate {
  status?: SyncRunStatus;
  kind?: string;
  finished_at?: Date | null;
  heartbeat_at?: Date;
  counts?: Record<string, number>;
  requests?: number;
  rate_limited?: number;
  retries?: number;
  error?: string | null;
}

export async function updateSyncRun(
  db: Kysely<Database>,
  id: string,
  update: SyncRunUpdate,
): Promise<void> {
  const { counts, ...rest } = update;
  await db
    .updateTable('sync_runs')
    .set({ ...rest, ...(counts ? { counts: JSON.stringify(counts) } : {}) })
    .where('id', '=', id)
    .execute();
}

/** Runs recorded as running, with who runs them and their last sign of life. */
export function listRunningSyncRuns(db: Kysely<Database>) {
  return db
    .selectFrom('sync_runs')
    .select(['id', 'owner', 'heartbeat_at'])
    .where('status', '=', 'running')
    .execute();
}

/** The message of a run whose process stopped without recording its end. */
export const INTERRUPTED_ERROR = 'interrupted: the process running it stopped';

/** Records runs still running as interrupted (failed, with INTERRUPTED_ERROR unless told why). */
export async function markSyncRunsInterrupted(
  db: Kysely<Database>,
  ids: readonly string[],
  now: Date,
  error = INTERRUPTED_ERROR,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('sync_runs')
    .set({ status: 'failed', finished_at: now, error })
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .execute();
}
