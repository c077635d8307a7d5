import type { Insertable, Kysely } from 'kysely';
import type { Database, PrioritiesTable } from '../schema.js';
import { markUnseenDeleted, upsertRows } from './table-writer.js';

/** Writes /priorities as listed at `listedAt`; priorities it no longer lists are marked deleted. */
export async function replaceListedPriorities(
  db: Kysely<Database>,
  rows: readonly Insertable<PrioritiesTable>[],
  listedAt: Date,
): Promise<void> {
  await upsertRows(db, 'priorities', rows);
  await markUnseenDeleted(db, 'priorities', listedAt, listedAt);
}
