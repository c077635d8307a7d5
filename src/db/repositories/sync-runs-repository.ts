import type { Kysely } from 'kysely';
import type { Database, SyncRun } from '../schema.js';

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
