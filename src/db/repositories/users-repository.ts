import type { Kysely } from 'kysely';
import { chunk, MAX_IN_LIST } from '../sql-batches.js';
import type { Database, NewUser } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** Inserts or updates users by id. */
export function upsertUsers(db: Kysely<Database>, rows: readonly NewUser[]): Promise<number> {
  return upsertRows(db, 'users', rows);
}

/** The ids among `ids` that the mirror holds no user for. */
export async function findMissingUserIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<string[]> {
  const present = new Set<string>();
  for (const part of chunk(ids, MAX_IN_LIST))
    for (const row of await db.selectFrom('users').select('id').where('id', 'in', part).execute())
      present.add(row.id);
  return ids.filter((id) => !present.has(id));
}

/** Inserts users that are not stored yet; stored ones are left as they are. */
export async function insertMissingUsers(
  db: Kysely<Database>,
  rows: readonly NewUser[],
): Promise<number> {
  return upsertRows(db, 'users', rows, { keepExisting: true });
}

/** The time zone (PagerDuty's `time_zone`) of each of these users that has one, deleted users included. */
export async function listUserTimeZones(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const zones = new Map<string, string>();
  for (const part of chunk([...new Set(ids)], MAX_IN_LIST))
    for (const r of await db
      .selectFrom('users')
      .select(['id', 'time_zone'])
      .where('id', 'in', part)
      .execute())
      if (r.time_zone) zones.set(r.id, r.time_zone);
  return zones;
}
