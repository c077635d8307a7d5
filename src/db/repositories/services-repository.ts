import type { Kysely } from 'kysely';
import type { Database, NewService, Service } from '../schema.js';
import { replaceOwnedRows, upsertRows } from './table-writer.js';

/** Inserts or updates services by id. */
export function upsertServices(db: Kysely<Database>, rows: readonly NewService[]): Promise<number> {
  return upsertRows(db, 'services', rows);
}

export function findService(db: Kysely<Database>, id: string): Promise<Service | undefined> {
  return db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Services not marked deleted, by name then id. */
export function listServices(db: Kysely<Database>): Promise<Service[]> {
  return db
    .selectFrom('services')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Makes each given service's teams exactly those listed (an empty list removes them all). */
export function replaceServiceTeams(
  db: Kysely<Database>,
  teamIdsByService: ReadonlyMap<string, readonly string[]>,
): Promise<number> {
  const rows = [...teamIdsByService].flatMap(([serviceId, teamIds]) =>
    teamIds.map((teamId) => ({ service_id: serviceId, team_id: teamId })),
  );
  return replaceOwnedRows(db, 'service_teams', 'service_id', [...teamIdsByService.keys()], rows);
}

export async function listServiceTeamIds(
  db: Kysely<Database>,
  serviceId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('service_teams')
    .select('team_id')
    .where('service_id', '=', serviceId)
    .orderBy('team_id')
    .execute();
  return rows.map((r) => r.team_id);
}
