import type { Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

/** DROP INDEX names its table on MySQL only. */
function dropIndex(db: Kysely<unknown>, name: string) {
  const drop = db.schema.dropIndex(name);
  return dialectOf(db) === 'mysql' ? drop.on('log_entries') : drop;
}

// Frozen once merged. first_acknowledged_at is the MIN(created_at) of an incident's
// acknowledge_log_entry rows. With only (incident_id, type) and (type, created_at) to choose
// from, SQLite's MIN() optimisation walks (type, created_at) for every incident, which is
// quadratic; (incident_id, type, created_at) answers each lookup with one index seek on every
// dialect, and covers what the old (incident_id, type) index did.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('log_entries_incident_type_created_idx')
    .on('log_entries')
    .columns(['incident_id', 'type', 'created_at'])
    .execute();
  await dropIndex(db, 'log_entries_incident_type_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('log_entries_incident_type_idx')
    .on('log_entries')
    .columns(['incident_id', 'type'])
    .execute();
  await dropIndex(db, 'log_entries_incident_type_created_idx').execute();
}
