import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Tables a wipe keeps: the mirror's version (ETags must never repeat), the sync's lease (held by
 * the run that wipes) and its runs (a record of what happened), and the migrator's own.
 */
const KEPT = new Set(['mirror_state', 'sync_leases', 'sync_runs']);

/**
 * Deletes everything mirrored from PagerDuty, derived from it or pointing into it (cursors,
 * webhook deliveries), for a fresh mirror of another account. The tables are read from the
 * database, so that a table a later migration adds is wiped too. Call it in a transaction.
 */
export async function deleteMirroredData(db: Kysely<Database>): Promise<string[]> {
  const tables = (await db.introspection.getTables())
    .filter((t) => !t.isView && !KEPT.has(t.name) && !t.name.startsWith('kysely_'))
    .map((t) => t.name);
  // No foreign keys between the tables: the order does not matter.
  for (const name of tables) await sql`delete from ${sql.table(name)}`.execute(db);
  return tables;
}
