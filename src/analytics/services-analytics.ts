import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/stored-values.js';
import type { Database } from '../db/schema.js';
import { countLive, type IncidentFilter } from './incident-filter.js';
import {
  breakdownTotal,
  countByServiceAndStatus,
  emptyBreakdown,
  type StatusBreakdown,
} from './status-breakdown.js';
import type { Page } from './paging.js';

/** What the list and the detail of a service both answer with. */
interface ServiceSummary {
  id: string;
  name: string;
  description: string | null;
  status: string | null;
  created_at: string | null;
  last_incident_timestamp: string | null;
  html_url: string | null;
  incident_count: number;
}

/** A live service with its escalation policy and its incidents (those matching the filter) by status. */
export interface ServiceRow extends ServiceSummary, StatusBreakdown {
  escalation_policy_id: string | null;
  escalation_policy_name: string | null;
}

export interface ServiceDetail extends ServiceSummary {
  /** When the service was seen gone from PagerDuty; null while it exists. */
  deleted_at: string | null;
  status_breakdown: StatusBreakdown;
  escalation_policy: { id: string; name: string | null } | null;
  teams: { id: string; name: string | null }[];
}

export interface MostIncidents {
  service_id: string;
  service_name: string;
  total_incidents: number;
  status_breakdown: StatusBreakdown;
}

/** Services that exist in PagerDuty (not marked deleted). */
export function countServices(db: Kysely<Database>): Promise<number> {
  return countLive(db, 'services');
}

/** The columns of a service the API and reports show. */
const SERVICE_COLUMNS = [
  'id',
  'name',
  'description',
  'status',
  'created_at',
  'last_incident_timestamp',
  'escalation_policy_id',
  'html_url',
  'deleted_at',
] as const;

/** Services (deleted ones too when asked) with the columns the API and reports show, and their escalation policy's name. */
function servicesWithPolicy(db: Kysely<Database>, options: { withDeleted?: boolean } = {}) {
  return db
    .selectFrom('services')
    .leftJoin('escalation_policies', 'escalation_policies.id', 'services.escalation_policy_id')
    .$if(!options.withDeleted, (q) => q.where('services.deleted_at', 'is', null))
    .select(SERVICE_COLUMNS.map((c) => `services.${c}` as const))
    .select('escalation_policies.name as escalation_policy_name');
}

/**
 * Live services, by name then id, each with its incidents matching the filter counted by status
 * (0 when none): the one query behind GET /services, /incidents/by-service-status and the
 * service reports. The filter's service_id picks the service; its other filters pick which
 * incidents count. The page of services is read first and only its services' incidents counted.
 */
export async function listServices(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
): Promise<Page<ServiceRow>> {
  // The team filter narrows the list to the teams' services, as it narrows their incidents.
  const ofTeams = (teamIds: readonly string[]) =>
    db
      .selectFrom('service_teams')
      .select('service_teams.service_id')
      .where('team_id', 'in', teamIds);
  const live = db
    .selectFrom('services')
    .where('deleted_at', 'is', null)
    .$if(filter.serviceId !== undefined, (q) => q.where('id', 'in', filter.serviceId ?? []))
    .$if(filter.teamId !== undefined, (q) => q.where('id', 'in', ofTeams(filter.teamId ?? [])));
  // The page is cut before the policies are joined: joined first, SQLite looked up the policy of
  // every live service (2,000) to keep 100, half the query's time.
  const page = live
    .select(SERVICE_COLUMNS)
    .orderBy('name')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .as('services');
  const [rows, count] = await Promise.all([
    db
      .selectFrom(page)
      .leftJoin('escalation_policies', 'escalation_policies.id', 'services.escalation_policy_id')
      .selectAll('services')
      .select('escalation_policies.name as escalation_policy_name')
      .orderBy('services.name')
      .orderBy('services.id')
      .execute(),
    live.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const counts = await countByServiceAndStatus(
    db,
    { ...filter, serviceId: undefined },
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((r) => {
      const breakdown = counts.get(r.id) ?? emptyBreakdown();
      return {
        id: r.id,
        name: r.name,
        description: r.description,
        status: r.status,
        created_at: toIsoTimestamp(r.created_at),
        last_incident_timestamp: toIsoTimestamp(r.last_incident_timestamp),
        escalation_policy_id: r.escalation_policy_id,
        escalation_policy_name: r.escalation_policy_name ?? null,
        html_url: r.html_url,
        ...breakdown,
        incident_count: breakdownTotal(breakdown),
      };
    }),
    total: Number(count.n),
    limit,
    offset,
  };
}

/**
 * The live service with the most incidents matching the filter, with its status breakdown. Ties
 * go to the service whose name sorts first, then to the smaller id, so the answer is stable.
 */
export async function findMostIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<MostIncidents | null> {
  const [counts, services] = await Promise.all([
    countByServiceAndStatus(db, filter),
    db.selectFrom('services').select(['id', 'name']).where('deleted_at', 'is', null).execute(),
  ]);
  let best: { id: string; name: string; breakdown: StatusBreakdown; total: number } | undefined;
  for (const s of services) {
    const breakdown = counts.get(s.id);
    if (!breakdown) continue;
    const total = breakdownTotal(breakdown);
    if (total === 0) continue;
    if (
      !best ||
      total > best.total ||
      (total === best.total && (s.name < best.name || (s.name === best.name && s.id < best.id)))
    ) {
      best = { id: s.id, name: s.name, breakdown, total };
    }
  }
  return best
    ? {
        service_id: best.id,
        service_name: best.name,
        total_incidents: best.total,
        status_breakdown: best.breakdown,
      }
    : null;
}

/**
 * One service with its counts, policy and teams. Services deleted from PagerDuty are answered
 * too (deleted_at says so): their incidents remain, and /incidents/by-service lists them.
 */
export async function findServiceDetail(
  db: Kysely<Database>,
  id: string,
  filter: IncidentFilter,
): Promise<ServiceDetail | null> {
  const service = await servicesWithPolicy(db, { withDeleted: true })
    .where('services.id', '=', id)
    .executeTakeFirst();
  if (!service) return null;
  const [counts, teams] = await Promise.all([
    countByServiceAndStatus(db, { ...filter, serviceId: undefined }, [id]),
    db
      .selectFrom('service_teams')
      .leftJoin('teams', 'teams.id', 'service_teams.team_id')
      .select(['service_teams.team_id as id', 'teams.name'])
      .where('service_teams.service_id', '=', id)
      .orderBy('teams.name')
      .orderBy('service_teams.team_id')
      .execute(),
  ]);
  const breakdown = counts.get(id) ?? emptyBreakdown();
  return {
    id: service.id,
    name: service.name,
    description: service.description,
    status: service.status,
    created_at: toIsoTimestamp(service.created_at),
    last_incident_timestamp: toIsoTimestamp(service.last_incident_timestamp),
    html_url: service.html_url,
    deleted_at: toIsoTimestamp(service.deleted_at),
    incident_count: breakdownTotal(breakdown),
    status_breakdown: breakdown,
    escalation_policy: service.escalation_policy_id
      ? { id: service.escalation_policy_id, name: service.escalation_policy_name ?? null }
      : null,
    teams: teams.map((t) => ({ id: t.id, name: t.name ?? null })),
  };
}

/** True when the mirror knows the service (deleted from PagerDuty or not). */
export async function serviceExists(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('services').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** Every live service with each of its teams, by service name then team name. */
export function listServiceTeams(db: Kysely<Database>) {
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
