import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';
import type { Database } from '../schema.js';

/**
 * Takes the mirror's write lock for the rest of the transaction: writes of the mirror, from any
 * process, then happen one after another, each seeing what the one before committed. Without
 * it, an incident and its log entries written side by side could each miss the other and leave
 * the figures computed from half of them. SQLite's writer already holds the file.
 */
export async function lockMirrorState(db: Kysely<Database>): Promise<void> {
  if (dialectOf(db) === 'sqlite') return;
  await db.selectFrom('mirror_state').select('version').where('id', '=', 1).forUpdate().execute();
}

/** Moves the mirror's version on, in the transaction of the write; returns the new version. */
export async function bumpMirrorVersion(db: Kysely<Database>, now: Date): Promise<number> {
  await db
    .updateTable('mirror_state')
    .set((eb) => ({ version: eb('version', '+', 1), changed_at: now }))
    .where('id', '=', 1)
    .execute();
  return readMirrorVersion(db);
}

/** The mirror's version: it moves whenever anything the API answers from may have changed. */
export async function readMirrorVersion(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('mirror_state')
    .select('version')
    .where('id', '=', 1)
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}
