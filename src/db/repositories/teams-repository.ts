import type { Kysely } from 'kysely';
import type { Database, NewTeam, Team } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** Inserts or updates teams by id. */
export function upsertTeams(db: Kysely<Database>, rows: readonly NewTeam[]): Promise<number> {
  return upsertRows(db, 'teams', rows);
}

export function findTeam(db: Kysely<Database>, id: string): Promise<Team | undefined> {
  return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Teams not marked deleted, by name then id. */
export function listTeams(db: Kysely<Database>): Promise<Team[]> {
  return db
    .selectFrom('teams')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .orderBy('id')
    .execute();
}
