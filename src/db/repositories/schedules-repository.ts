import type { Insertable, Kysely } from 'kysely';
import type {
  Database,
  ScheduleEntriesTable,
  ScheduleLayersTable,
  ScheduleLayerUsersTable,
} from '../schema.js';
import { replaceOwnedRows, trimSpansAt, upsertRows } from './table-writer.js';

/** Makes the users, teams and escalation policies of each given schedule exactly these. */
export async function replaceScheduleRelations(
  db: Kysely<Database>,
  scheduleIds: readonly string[],
  relations: {
    users: readonly { schedule_id: string; user_id: string }[];
    teams: readonly { schedule_id: string; team_id: string }[];
    escalationPolicies: readonly { schedule_id: string; escalation_policy_id: string }[];
  },
): Promise<void> {
  await replaceOwnedRows(db, 'schedule_users', 'schedule_id', scheduleIds, relations.users);
  await replaceOwnedRows(db, 'schedule_teams', 'schedule_id', scheduleIds, relations.teams);
  await replaceOwnedRows(
    db,
    'schedule_escalation_policies',
    'schedule_id',
    scheduleIds,
    relations.escalationPolicies,
  );
}

/** Ids of the schedules whose layers have been rendered at least once. */
export async function listRenderedScheduleIds(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db.selectFrom('schedule_layers').select('schedule_id').distinct().execute();
  return new Set(rows.map((r) => r.schedule_id));
}

/** Makes the layers (with their users in rotation order) of each given schedule exactly these. */
export async function replaceScheduleLayers(
  db: Kysely<Database>,
  scheduleIds: readonly string[],
  layers: readonly Insertable<ScheduleLayersTable>[],
  layerUsers: readonly Insertable<ScheduleLayerUsersTable>[],
): Promise<void> {
  await replaceOwnedRows(db, 'schedule_layers', 'schedule_id', scheduleIds, layers);
  await replaceOwnedRows(db, 'schedule_layer_users', 'schedule_id', scheduleIds, layerUsers);
}

/** Makes the rendered final-schedule entries of each given schedule exactly these. */
/**
 * Stores the final schedules of these schedules as rendered from `from` on: entries before
 * `from` are kept as history, later ones replaced by `entries` (which start at `from` or later).
 */
export async function storeScheduleEntriesFrom(
  db: Kysely<Database>,
  scheduleIds: readonly string[],
  from: Date,
  entries: readonly Insertable<ScheduleEntriesTable>[],
): Promise<void> {
  await trimSpansAt(db, 'schedule_entries', from, { column: 'schedule_id', ids: scheduleIds });
  await upsertRows(db, 'schedule_entries', entries);
}
