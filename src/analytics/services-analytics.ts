import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/connection.js';
import type { Database } from '../db/schema.js';
import {
  breakdownTotal,
  countByServiceAndStatus,
  countLive,
  emptyBreakdown,
  type IncidentFilter,
  type Page,
  type StatusBreakdown,
} from './incident-filter.js';

export interface ServiceSummary {
  id: string;
  name: string;
  status: string | null;
  incident_count: number;
}

export interface ServiceStatusCounts extends StatusBreakdown {
  service_id: string;
  service_name: string;
  total: number;
}

export interface ServiceDetail {
  id: string;
  name: string;
  description: string | null;
  status: string | null;
  created_at: string | null;
  last_incident_timestamp: string | null;
  html_url: string | null;
  incident_count: number;
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

/** Live services with the columns the API and reports show, and their escalation policy's name. */
export function liveServicesWithPolicy(db: Kysely<Database>) {
  return db
    .selectFrom('services')
    .leftJoin('escalation_policies', 'escalation_policies.id', 'services.escalation_policy_id')
    .where('services.deleted_at', 'is', null)
    .select([
      'services.id',
      'services.name',
      'services.description',
      'services.status',
      'services.created_at',
      'services.last_incident_timestamp',
      'services.escalation_policy_id',
      'escalation_policies.name as escalation_policy_name',
      'services.html_url',
    ]);
}

/** One page of live services (optionally one), by name then id, and how many there are. */
async function pageOfServices(
  db: Kysely<Database>,
  serviceId: string | undefined,
  limit: number,
  offset: number,
) {
  const live = db
    .selectFrom('services')
    .where('deleted_at', 'is', null)
    .$if(serviceId !== undefined, (q) => q.where('id', '=', serviceId ?? ''));
  const [rows, count] = await Promise.all([
    live
      .select(['id', 'name', 'status'])
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute(),
    live.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** A page of live services and the matching incidents of those services, by status. */
async function pageOfServicesWithCounts(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
) {
  const { rows, total } = await pageOfServices(db, filter.serviceId, limit, offset);
  // The service filter picks the services; the other filters pick which incidents count.
  const counts = await countByServiceAndStatus(
    db,
    { ...filter, serviceId: undefined },
    rows.map((r) => r.id),
  );
  return { rows, total, counts };
}

/**
 * Every live service with its incident count, services without incidents included with 0; by
 * name, then id. The page of services is read first and only its services' incidents counted.
 */
export async function listServicesWithIncidentCounts(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
): Promise<Page<ServiceSummary>> {
  const { rows, total, counts } = await pageOfServicesWithCounts(db, filter, limit, offset);
  return {
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      incident_count: breakdownTotal(counts.get(r.id) ?? emptyBreakdown()),
    })),
    total,
    limit,
    offset,
  };
}

/** Every live service with its incidents by status; every status present, 0 when none. */
export async function listServiceStatusCounts(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
): Promise<Page<ServiceStatusCounts>> {
  const { rows, total, counts } = await pageOfServicesWithCounts(db, filter, limit, offset);
  return {
    items: rows.map((r) => {
      const breakdown = counts.get(r.id) ?? emptyBreakdown();
      return {
        service_id: r.id,
        service_name: r.name,
        ...breakdown,
        total: breakdownTotal(breakdown),
      };
    }),
    total,
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

/** One service (deleted ones too, flagged by their absence from lists) with its counts, policy and teams. */
export async function findServiceDetail(
  db: Kysely<Database>,
  id: string,
  filter: IncidentFilter,
): Promise<ServiceDetail | null> {
  const service = await liveServicesWithPolicy(db).where('services.id', '=', id).executeTakeFirst();
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
    incident_count: breakdownTotal(breakdown),
    status_breakdown: breakdown,
    escalation_policy: service.escalation_policy_id
      ? { id: service.escalation_policy_id, name: service.escalation_policy_name ?? null }
      : null,
    teams: teams.map((t) => ({ id: t.id, name: t.name ?? null })),
  };
}
