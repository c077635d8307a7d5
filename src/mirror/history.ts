import type { Kysely } from 'kysely';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import type { Database } from '../db/schema.js';

// Where the mirror's history starts: the one place that stores and reads it. The sync moves it
// (a full sync sets it to its since, a backfill moves it back chunk by chunk: src/sync/
// sync-history.ts); the analytics read it as the start of on-call history when a request gives
// no since.

/** The cursor holding where the mirror's history starts (the last full sync's since). */
const CURSOR_HISTORY_START = 'full_sync_since';

/** The history start a sync recorded, if any. */
export async function recordedHistoryStart(db: Kysely<Database>): Promise<Date | undefined> {
  const cursor = await findCursor(db, CURSOR_HISTORY_START);
  return cursor ? new Date(cursor) : undefined;
}

/** Where the mirror's history starts: the last full sync's since, else the oldest on-call span. */
export async function historyStart(db: Kysely<Database>): Promise<Date | undefined> {
  const recorded = await recordedHistoryStart(db);
  if (recorded) return recorded;
  const row = await db
    .selectFrom('oncalls')
    .select((eb) => eb.fn.min('start').as('first'))
    .executeTakeFirst();
  return row?.first ? new Date(row.first) : undefined;
}

export async function setHistoryStart(db: Kysely<Database>, since: Date, now: Date): Promise<void> {
  await setCursor(db, CURSOR_HISTORY_START, since.toISOString(), now);
}
