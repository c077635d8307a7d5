import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const URGENCIES = ['high', 'low'] as const;

/**
 * The filters every incident-based endpoint and report accepts. `since`/`until` are on
 * created_at; each list means "any of" (a repeated query parameter), and is never empty.
 */
export interface IncidentFilter {
  since?: Date;
  until?: Date;
  serviceId?: readonly string[];
  teamId?: readonly string[];
  urgency?: readonly (typeof URGENCIES)[number][];
  status?: readonly IncidentStatus[];
}

// The one translation of a request's filter into SQL conditions, for every table the analytics
// read: incidents, their facts (incident_metrics), responders' facts, interruptions, on-call
// spans. Each query says where the filter's parts are in its table (FilterColumns); what a part
// means stays the same everywhere: a list is "any of", a team is its incidents or, for figures
// of people, its members (README: "A team filter means the team's members").

/** Every part a request can filter on; the incident filter plus a priority and a user. */
export interface AnalyticsFilter extends IncidentFilter {
  priorityId?: string | undefined;
  userId?: string | undefined;
}

/** Where a query's table holds what the filter tests; a part left out is not tested. */
export interface FilterColumns {
  /** The instant [since, until) is tested on (an incident's created_at, an interruption's start). */
  time?: string;
  /**
   * The service: a column holding its id, the incident whose service it is, or the escalation
   * policy the service uses (on-call spans, which belong to no incident).
   */
  service?: { serviceId: string } | { incidentId: string } | { escalationPolicyId: string };
  /**
   * The team: the incidents of its services (incident_teams), its members (team_members), or a
   * column holding its id (the per-team rollups).
   */
  team?: { incidentId: string } | { userId: string } | { teamId: string };
  user?: string;
  urgency?: string;
  status?: string;
  priority?: string;
}

/**
 * The filter as conditions on the query's table, every value a bound parameter. Returned as a
 * list, so that a query can add conditions of its own (an overlap of spans, say) before `and`.
 */
export function filterWhere<DB extends Database, TB extends keyof DB>(
  builder: ExpressionBuilder<DB, TB>,
  filter: AnalyticsFilter,
  columns: FilterColumns,
): Expression<SqlBool>[] {
  const eb = builder as unknown as ExpressionBuilder<Database, never>;
  const c: Expression<SqlBool>[] = [];
  const col = (name: string) => sql.ref(name);
  if (columns.time) {
    if (filter.since) c.push(eb(col(columns.time), '>=', filter.since));
    if (filter.until) c.push(eb(col(columns.time), '<', filter.until));
  }
  const { service, team } = columns;
  if (filter.serviceId && service) {
    if ('serviceId' in service) c.push(eb(col(service.serviceId), 'in', filter.serviceId));
    else if ('incidentId' in service)
      c.push(
        eb(
          col(service.incidentId),
          'in',
          eb.selectFrom('incidents').select('id').where('service_id', 'in', filter.serviceId),
        ),
      );
    else
      c.push(
        eb(
          col(service.escalationPolicyId),
          'in',
          eb
            .selectFrom('services')
            .select('escalation_policy_id')
            .where('id', 'in', filter.serviceId),
        ),
      );
  }
  if (filter.urgency && columns.urgency) c.push(eb(col(columns.urgency), 'in', filter.urgency));
  if (filter.status && columns.status) c.push(eb(col(columns.status), 'in', filter.status));
  if (filter.priorityId && columns.priority)
    c.push(eb(col(columns.priority), '=', filter.priorityId));
  if (filter.userId && columns.user) c.push(eb(col(columns.user), '=', filter.userId));
  if (filter.teamId && team) {
    if ('incidentId' in team)
      c.push(
        eb(
          col(team.incidentId),
          'in',
          eb
            .selectFrom('incident_teams')
            .select('incident_teams.incident_id')
            .where('incident_teams.team_id', 'in', filter.teamId),
        ),
      );
    else if ('teamId' in team) c.push(eb(col(team.teamId), 'in', filter.teamId));
    else
      c.push(
        eb(
          col(team.userId),
          'in',
          eb.selectFrom('team_members').select('user_id').where('team_id', 'in', filter.teamId),
        ),
      );
  }
  return c;
}

/**
 * Where `incidents` holds what the filter tests. incidents.deleted_at is not tested: PagerDuty
 * never deletes incidents and the sync never sets it, and testing it would force a row lookup per
 * incident where the covering index answers alone.
 */
export const INCIDENT_COLUMNS: FilterColumns = {
  time: 'incidents.created_at',
  service: { serviceId: 'incidents.service_id' },
  urgency: 'incidents.urgency',
  status: 'incidents.status',
  team: { incidentId: 'incidents.id' },
};

/** How many objects of a mirrored table exist in PagerDuty (not marked deleted). */
export async function countLive(
  db: Kysely<Database>,
  table: 'services' | 'teams' | 'escalation_policies' | 'users',
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
