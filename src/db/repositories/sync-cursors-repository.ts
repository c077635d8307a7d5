import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { upsertRows } from './table-writer.js';

export async function findCursor(
  db: Kysely<Database>,
  resource: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('sync_cursors')
    .select('cursor')
    .where('resource', '=', resource)
    .executeTakeFirst();
  return row?.cursor;
}

/** Sets a cursor; call it in the transaction (or after the commit) of the rows it covers. */
export async function setCursor(
  db: Kysely<Database>,
  resource: string,
  cursor: string,
  now: Date,
): Promise<void> {
  await upsertRows(db, 'sync_cursors', [{ resource, cursor, updated_at: now }]);
}

export async function deleteCursors(
  db: Kysely<Database>,
  resources: readonly string[],
): Promise<void> {
  if (resources.length === 0) return;
  await db.deleteFrom('sync_cursors').where('resource', 'in', resources).execute();
}
