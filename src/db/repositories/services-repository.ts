import type { Kysely } from 'kysely';
import type { Database, NewService } from '../schema.js';
import { replaceOwnedRows, upsertRows } from './table-writer.js';

/** Inserts or updates services by id. */
export function upsertServices(db: Kysely<Database>, rows: readonly NewService[]): Promise<number> {
  return upsertRows(db, 'services', rows);
}

/** Every stored service's id, deleted ones included. */
export async function listServiceIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('services').select('id').execute()).map((s) => s.id);
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
