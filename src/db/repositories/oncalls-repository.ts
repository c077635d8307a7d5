import type { Insertable, Kysely } from 'kysely';
import type { Database, OncallsTable } from '../schema.js';
import { trimSpansAt, upsertRows } from './table-writer.js';

/**
 * Stores a reading of /oncalls from `from` on: the on-call history before `from` is kept, what
 * was stored from `from` on (a rendering of what was then the future) is replaced by `rows`,
 * which start at `from` or later (see oncallRow).
 */
export async function storeOncallsFrom(
  db: Kysely<Database>,
  from: Date,
  rows: readonly Insertable<OncallsTable>[],
): Promise<void> {
  await trimSpansAt(db, 'oncalls', from);
  await upsertRows(db, 'oncalls', rows);
}
