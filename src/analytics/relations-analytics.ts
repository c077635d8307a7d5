import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/connection.js';
import { liveServicesWithPolicy } from './services-analytics.js';
import type { Database } from '../db/schema.js';
import {
  breakdownTotal,
  countByServiceAndStatus,
  emptyBreakdown,
  type IncidentFilter,
} from './incident-filter.js';

// Flat listings of the objects and their relations, with names beside ids: what the CSV reports
// and BI tools want. Each is one query.

export async function listServiceRows(db: Kysely<Database>, filter: IncidentFilter) {
  const [rows, counts] = await Promise.all([
    liveServicesWithPolicy(db).orderBy('services.name').orderBy('services.id').execute(),
    countByServiceAndStatus(db, { ...filter, serviceId: undefined }),
  ]);
  return rows.map((r) => ({
    ...r,
    created_at: toIsoTimestamp(r.created_at),
    last_incident_timestamp: toIsoTimestamp(r.last_incident_timestamp),
    incident_count: breakdownTotal(counts.get(r.id) ?? emptyBreakdown()),
  }));
}

export async function listTeamRows(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('teams')
    .leftJoin('service_teams', 'service_teams.team_id', 'teams.id')
    .leftJoin('services', (join) =>
      join
        .onRef('services.id', '=', 'service_teams.service_id')
        .on('services.deleted_at', 'is', null),
    )
    .where('teams.deleted_at', 'is', null)
    .groupBy(['teams.id', 'teams.name', 'teams.description'])
    .select((eb) => [
      'teams.id',
      'teams.name',
      'teams.description',
      eb.fn.count<number>('services.id').as('service_count'),
    ])
    .orderBy('teams.name')
    .orderBy('teams.id')
    .execute();
  return rows.map((r) => ({ ...r, service_count: Number(r.service_count) }));
}

export function listServiceTeamRows(db: Kysely<Database>) {
  return db
    .selectFrom('service_teams')
    .innerJoin('services', 'services.id', 'service_teams.service_id')
    .leftJoin('teams', 'teams.id', 'service_teams.team_id')
    .where('services.deleted_at', 'is', null)
    .select([
      'services.id as service_id',
      'services.name as service_name',
      'service_teams.team_id',
      'teams.name as team_name',
    ])
    .orderBy('services.name')
    .orderBy('services.id')
    .orderBy('teams.name')
    .execute();
}

export async function listEscalationPolicyRows(db: Kysely<Database>) {
  const [policies, rules, services, teams] = await Promise.all([
    db
      .selectFrom('escalation_policies')
      .select(['id', 'name', 'description', 'num_loops'])
      .where('deleted_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('escalation_rules')
      .select(['escalation_policy_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('escalation_policy_id')
      .execute(),
    db
      .selectFrom('services')
      .select(['escalation_policy_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('deleted_at', 'is', null)
      .groupBy('escalation_policy_id')
      .execute(),
    db
      .selectFrom('escalation_policy_teams')
      .select(['escalation_policy_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('escalation_policy_id')
      .execute(),
  ]);
  const count = (rows: { escalation_policy_id: string | null; n: number }[]) =>
    new Map(rows.map((r) => [r.escalation_policy_id, Number(r.n)]));
  const [r, s, t] = [count(rules), count(services), count(teams)];
  return policies.map((p) => ({
    ...p,
    num_loops: Number(p.num_loops),
    rule_count: r.get(p.id) ?? 0,
    service_count: s.get(p.id) ?? 0,
    team_count: t.get(p.id) ?? 0,
  }));
}

export function listEscalationPolicyTeamRows(db: Kysely<Database>) {
  return db
    .selectFrom('escalation_policy_teams')
    .innerJoin(
      'escalation_policies',
      'escalation_policies.id',
      'escalation_policy_teams.escalation_policy_id',
    )
    .leftJoin('teams', 'teams.id', 'escalation_policy_teams.team_id')
    .where('escalation_policies.deleted_at', 'is', null)
    .select([
      'escalation_policies.id as escalation_policy_id',
      'escalation_policies.name as escalation_policy_name',
      'escalation_policy_teams.team_id',
      'teams.name as team_name',
    ])
    .orderBy('escalation_policies.name')
    .orderBy('escalation_policies.id')
    .orderBy('teams.name')
    .execute();
}

/** A policy's services are those whose escalation policy it is (PagerDuty's authoritative side). */
export function listEscalationPolicyServiceRows(db: Kysely<Database>) {
  return db
    .selectFrom('services')
    .innerJoin('escalation_policies', 'escalation_policies.id', 'services.escalation_policy_id')
    .where('services.deleted_at', 'is', null)
    .where('escalation_policies.deleted_at', 'is', null)
    .select([
      'escalation_policies.id as escalation_policy_id',
      'escalation_policies.name as escalation_policy_name',
      'services.id as service_id',
      'services.name as service_name',
    ])
    .orderBy('escalation_policies.name')
    .orderBy('escalation_policies.id')
    .orderBy('services.name')
    .execute();
}
