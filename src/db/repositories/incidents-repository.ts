import type { Kysely } from 'kysely';
import type { Database, Incident, NewIncident } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** Inserts or updates incidents by id. */
export function upsertIncidents(
  db: Kysely<Database>,
  rows: readonly NewIncident[],
): Promise<number> {
  return upsertRows(db, 'incidents', rows);
}

export function findIncident(db: Kysely<Database>, id: string): Promise<Incident | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countIncidents(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
