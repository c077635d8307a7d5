import type { Insertable, Kysely } from 'kysely';
import type { Database, NewTeam, TeamMembersTable } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** Inserts or updates teams by id. */
export function upsertTeams(db: Kysely<Database>, rows: readonly NewTeam[]): Promise<number> {
  return upsertRows(db, 'teams', rows);
}

/** Makes team membership exactly `rows`: a member removed in PagerDuty is removed here. */
export async function replaceTeamMembers(
  db: Kysely<Database>,
  rows: readonly Insertable<TeamMembersTable>[],
): Promise<void> {
  await db.deleteFrom('team_members').execute();
  await upsertRows(db, 'team_members', rows);
}

/** The role of every stored membership, keyed `team:user`. */
export async function listTeamMemberRoles(
  db: Kysely<Database>,
): Promise<Map<string, string | null>> {
  const rows = await db.selectFrom('team_members').select(['team_id', 'user_id', 'role']).execute();
  return new Map(rows.map((m) => [`${m.team_id}:${m.user_id}`, m.role]));
}
