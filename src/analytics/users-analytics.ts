import type { Kysely } from 'kysely';
import { toBoolean, toIsoTimestamp } from '../db/stored-values.js';
import { chunk } from '../db/sql-batches.js';
import type { Database, User } from '../db/schema.js';
import { ruleTargetsWithRules } from './escalation-policies-analytics.js';
import { countLive } from './incident-filter.js';
import type { Page } from './paging.js';

/** How far ahead a user on a schedule must have a shift to count as active. */
export const UPCOMING_SHIFT_DAYS = 90;

export type InactiveReason = 'deleted' | 'invitation_pending' | 'no_upcoming_shift';

export interface InactiveUser {
  id: string;
  name: string;
  email: string | null;
  deleted_at: string | null;
  reasons: InactiveReason[];
  schedule_count: number;
  schedules: { id: string; name: string | null }[];
  escalation_policies: { id: string; name: string | null }[];
}

/**
 * Users on schedules who are inactive, each with its reasons: deleted from PagerDuty but still
 * on a schedule layer or an escalation rule; invited and never signed up; on a schedule with no
 * on-call shift in the next 90 days (from the rendered final schedules). Sorted by name, then id.
 */
export async function listInactiveUsers(
  db: Kysely<Database>,
  now: Date,
  limit: number,
  offset: number,
): Promise<Page<InactiveUser>> {
  const horizon = new Date(now.getTime() + UPCOMING_SHIFT_DAYS * 24 * 3600 * 1000);
  const [layerMembers, listedMembers, ruleMembers, upcoming] = await Promise.all([
    db
      .selectFrom('schedule_layer_users')
      .innerJoin('schedules', 'schedules.id', 'schedule_layer_users.schedule_id')
      .select(['schedule_layer_users.user_id', 'schedules.id', 'schedules.name'])
      .where('schedules.deleted_at', 'is', null)
      .execute(),
    db
      .selectFrom('schedule_users')
      .innerJoin('schedules', 'schedules.id', 'schedule_users.schedule_id')
      .select(['schedule_users.user_id', 'schedules.id', 'schedules.name'])
      .where('schedules.deleted_at', 'is', null)
      .execute(),
    ruleTargetsWithRules(db)
      .innerJoin(
        'escalation_policies',
        'escalation_policies.id',
        'escalation_rules.escalation_policy_id',
      )
      .select([
        'escalation_rule_targets.target_id as user_id',
        'escalation_policies.id',
        'escalation_policies.name',
      ])
      .where('escalation_rule_targets.target_type', '=', 'user')
      .where('escalation_policies.deleted_at', 'is', null)
      .execute(),
    db
      .selectFrom('schedule_entries')
      .select('user_id')
      .distinct()
      .where('end', '>', now)
      .where('start', '<', horizon)
      .execute(),
  ]);
  const schedulesOf = new Map<string, Map<string, string | null>>();
  for (const m of [...layerMembers, ...listedMembers]) {
    const map = schedulesOf.get(m.user_id) ?? new Map<string, string | null>();
    map.set(m.id, m.name);
    schedulesOf.set(m.user_id, map);
  }
  const policiesOf = new Map<string, Map<string, string | null>>();
  for (const m of ruleMembers) {
    const map = policiesOf.get(m.user_id) ?? new Map<string, string | null>();
    map.set(m.id, m.name);
    policiesOf.set(m.user_id, map);
  }
  const withShift = new Set(upcoming.map((u) => u.user_id));
  const candidates = [...new Set([...schedulesOf.keys(), ...policiesOf.keys()])];
  const users: User[] = [];
  for (const ids of chunk(candidates, 1000))
    users.push(...(await db.selectFrom('users').selectAll().where('id', 'in', ids).execute()));

  const inactive: InactiveUser[] = [];
  for (const user of users) {
    const id = user.id;
    const onSchedules = schedulesOf.get(id);
    const reasons: InactiveReason[] = [];
    // Deleted users count on schedules or rules; the other reasons concern users on schedules.
    if (user.deleted_at !== null) reasons.push('deleted');
    if (onSchedules && user.deleted_at === null && toBoolean(user.invitation_sent))
      reasons.push('invitation_pending');
    if (onSchedules && !withShift.has(id)) reasons.push('no_upcoming_shift');
    if (reasons.length === 0) continue;
    const schedules = [...(onSchedules ?? new Map())]
      .map(([sid, name]) => ({ id: sid, name }))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.id.localeCompare(b.id));
    inactive.push({
      id,
      name: user.name,
      email: user.email,
      deleted_at: toIsoTimestamp(user.deleted_at),
      reasons,
      schedule_count: schedules.length,
      schedules,
      escalation_policies: [...(policiesOf.get(id) ?? new Map())]
        .map(([pid, name]) => ({ id: pid, name }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    });
  }
  inactive.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { items: inactive.slice(offset, offset + limit), total: inactive.length, limit, offset };
}

/** How many users exist in PagerDuty (not counting those deleted from it). */
export function countUsers(db: Kysely<Database>): Promise<number> {
  return countLive(db, 'users');
}
