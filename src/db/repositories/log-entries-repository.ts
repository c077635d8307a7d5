import type { Insertable, Kysely } from 'kysely';
import type { Database, LogEntriesTable } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** Inserts or updates log entries by id (they do not change in PagerDuty; re-reading is harmless). */
export function upsertLogEntries(
  db: Kysely<Database>,
  rows: readonly Insertable<LogEntriesTable>[],
): Promise<number> {
  return upsertRows(db, 'log_entries', rows);
}
