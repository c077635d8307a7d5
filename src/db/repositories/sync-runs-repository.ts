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
  run: { id: string; kind: string; started_at: Date },
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

/** Marks runs left 'running' by a process that died (their heartbeat is older than `staleBefore`). */
export async function failStaleSyncRuns(
  db: Kysely<Database>,
  staleBefore: Date,
  now: Date,
): Promise<number> {
  const result = await db
    .updateTable('sync_runs')
    .set({
      status: 'failed',
      finished_at: now,
      error: 'interrupted: the process running it stopped',
    })
    .where('status', '=', 'running')
    .where('heartbeat_at', '<', staleBefore)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
