import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { groupBy } from './group-by.js';
import { countLive } from './incident-filter.js';
import { pageLiveByName, type Page } from './paging.js';

export interface EscalationPolicyView {
  id: string;
  name: string;
  description: string | null;
  num_loops: number;
  teams: { id: string; name: string | null }[];
  services: { id: string; name: string }[];
  rules: {
    id: string;
    position: number;
    escalation_delay_in_minutes: number;
    targets: { type: string; id: string; name: string | null }[];
  }[];
}

/** Escalation rule targets joined to their rules, so to their policies: where a policy's targets are read. */
export function ruleTargetsWithRules(db: Kysely<Database>) {
  return db
    .selectFrom('escalation_rule_targets')
    .innerJoin(
      'escalation_rules',
      'escalation_rules.id',
      'escalation_rule_targets.escalation_rule_id',
    );
}

export function countEscalationPolicies(db: Kysely<Database>): Promise<number> {
  return countLive(db, 'escalation_policies');
}

/** Live escalation policies with their teams, services (by the services' own policy) and ordered rules with named targets. */
export async function listEscalationPolicies(
  db: Kysely<Database>,
  limit: number,
  offset: number,
): Promise<Page<EscalationPolicyView>> {
  const [policies, total] = await pageLiveByName(
    db,
    'escalation_policies',
    db.selectFrom('escalation_policies').select(['id', 'name', 'description', 'num_loops']),
    limit,
    offset,
  );
  const ids = policies.map((p) => p.id);
  if (ids.length === 0) return { items: [], total, limit, offset };
  const [teams, services, rules, targets] = await Promise.all([
    db
      .selectFrom('escalation_policy_teams')
      .leftJoin('teams', 'teams.id', 'escalation_policy_teams.team_id')
      .select([
        'escalation_policy_teams.escalation_policy_id',
        'escalation_policy_teams.team_id',
        'teams.name',
      ])
      .where('escalation_policy_teams.escalation_policy_id', 'in', ids)
      .orderBy('teams.name')
      .execute(),
    db
      .selectFrom('services')
      .select(['id', 'name', 'escalation_policy_id'])
      .where('escalation_policy_id', 'in', ids)
      .where('deleted_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('escalation_rules')
      .select(['id', 'escalation_policy_id', 'position', 'escalation_delay_in_minutes'])
      .where('escalation_policy_id', 'in', ids)
      .orderBy('position')
      .execute(),
    ruleTargetsWithRules(db)
      .leftJoin('users', (join) =>
        join
          .onRef('users.id', '=', 'escalation_rule_targets.target_id')
          .on('escalation_rule_targets.target_type', '=', 'user'),
      )
      .leftJoin('schedules', (join) =>
        join
          .onRef('schedules.id', '=', 'escalation_rule_targets.target_id')
          .on('escalation_rule_targets.target_type', '=', 'schedule'),
      )
      .select([
        'escalation_rule_targets.escalation_rule_id',
        'escalation_rule_targets.target_type',
        'escalation_rule_targets.target_id',
        'escalation_rule_targets.position',
        'users.name as user_name',
        'schedules.name as schedule_name',
      ])
      .where('escalation_rules.escalation_policy_id', 'in', ids)
      .orderBy('escalation_rule_targets.position')
      .execute(),
  ]);
  const teamsBy = groupBy(teams, (t) => t.escalation_policy_id);
  const servicesBy = groupBy(services, (s) => s.escalation_policy_id);
  const rulesBy = groupBy(rules, (r) => r.escalation_policy_id);
  const targetsBy = groupBy(targets, (t) => t.escalation_rule_id);
  return {
    items: policies.map((p) => ({
      id: p.id,
      name: p.name,
      description: p.description,
      num_loops: Number(p.num_loops),
      teams: (teamsBy.get(p.id) ?? []).map((t) => ({ id: t.team_id, name: t.name ?? null })),
      services: (servicesBy.get(p.id) ?? []).map((s) => ({ id: s.id, name: s.name })),
      rules: (rulesBy.get(p.id) ?? []).map((r) => ({
        id: r.id,
        position: Number(r.position),
        escalation_delay_in_minutes: Number(r.escalation_delay_in_minutes),
        targets: (targetsBy.get(r.id) ?? []).map((t) => ({
          type: t.target_type,
          id: t.target_id,
          name: t.user_name ?? t.schedule_name ?? null,
        })),
      })),
    })),
    total,
    limit,
    offset,
  };
}
