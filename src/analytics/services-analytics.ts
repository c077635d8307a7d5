import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/connection.js';
import type { Database } from '../db/schema.js';
import {
  incidentConditions,
  statusCountSelections,
  toBreakdown,
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
export async function countServices(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('services')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The live services, optionally one, each with its incidents counted by status (0 when none). */
function servicesWithCounts(db: Kysely<Database>, filter: IncidentFilter) {
  // The service filter selects the service; the other filters select which incidents count.
  const incidentFilter = { ...filter, serviceId: undefined };
  return db
    .selectFrom('services')
    .leftJoin('incidents', (join) =>
      join
        .onRef('incidents.service_id', '=', 'services.id')
        .on((eb) => eb.and(incidentConditions(eb, incidentFilter))),
    )
    .where('services.deleted_at', 'is', null)
    .$if(filter.serviceId !== undefined, (q) => q.where('services.id', '=', filter.serviceId ?? ''))
    .groupBy(['services.id', 'services.name', 'services.status']);
}

async function countLiveServices(db: Kysely<Database>, serviceId?: string): Promise<number> {
  const row = await db
    .selectFrom('services')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .$if(serviceId !== undefined, (q) => q.where('id', '=', serviceId ?? ''))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every live service with its incident count, services without incidents included with 0; by name, then id. */
export async function listServicesWithIncidentCounts(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
): Promise<Page<ServiceSummary>> {
  const [rows, total] = await Promise.all([
    servicesWithCounts(db, filter)
      .select([
        'services.id',
        'services.name',
        'services.status',
        (eb) => eb.fn.count<number>('incidents.id').as('incident_count'),
      ])
      .orderBy('services.name')
      .orderBy('services.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    countLiveServices(db, filter.serviceId),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      incident_count: Number(r.incident_count),
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
  const [rows, total] = await Promise.all([
    servicesWithCounts(db, filter)
      .select(
        (eb) => ['services.id', 'services.name', ...statusCountSelections(eb as never)] as const,
      )
      .orderBy('services.name')
      .orderBy('services.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    countLiveServices(db, filter.serviceId),
  ]);
  return {
    items: rows.map((r) => {
      const breakdown = toBreakdown(r);
      return {
        service_id: r.id,
        service_name: r.name,
        ...breakdown,
        total: breakdown.triggered + breakdown.acknowledged + breakdown.resolved,
      };
    }),
    total,
    limit,
    offset,
  };
}

/**
 * The service with the most incidents matching the filter, with its status breakdown. Ties go
 * to the service whose name sorts first, then to the smaller id, so the answer is stable.
 */
export async function findMostIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<MostIncidents | null> {
  const row = await db
    .selectFrom('incidents')
    .innerJoin('services', 'services.id', 'incidents.service_id')
    .where((eb) => eb.and(incidentConditions(eb, filter)))
    .where('services.deleted_at', 'is', null)
    .groupBy(['services.id', 'services.name'])
    .select(
      (eb) =>
        [
          'services.id',
          'services.name',
          eb.fn.countAll<number>().as('total'),
          ...statusCountSelections(eb as never),
        ] as const,
    )
    .orderBy('total', 'desc')
    .orderBy('services.name')
    .orderBy('services.id')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    service_id: row.id,
    service_name: row.name,
    total_incidents: Number(row.total),
    status_breakdown: toBreakdown(row),
  };
}

/** One service (deleted ones too, flagged by their absence from lists) with its counts, policy and teams. */
export async function findServiceDetail(
  db: Kysely<Database>,
  id: string,
  filter: IncidentFilter,
): Promise<ServiceDetail | null> {
  const service = await db
    .selectFrom('services')
    .leftJoin('escalation_policies', 'escalation_policies.id', 'services.escalation_policy_id')
    .select([
      'services.id',
      'services.name',
      'services.description',
      'services.status',
      'services.created_at',
      'services.last_incident_timestamp',
      'services.html_url',
      'services.escalation_policy_id',
      'escalation_policies.name as escalation_policy_name',
    ])
    .where('services.id', '=', id)
    .where('services.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!service) return null;
  const [counts, teams] = await Promise.all([
    db
      .selectFrom('incidents')
      .where((eb) => eb.and(incidentConditions(eb, { ...filter, serviceId: id })))
      .select((eb) => statusCountSelections(eb))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('service_teams')
      .leftJoin('teams', 'teams.id', 'service_teams.team_id')
      .select(['service_teams.team_id as id', 'teams.name'])
      .where('service_teams.service_id', '=', id)
      .orderBy('teams.name')
      .orderBy('service_teams.team_id')
      .execute(),
  ]);
  const breakdown = toBreakdown(counts);
  return {
    id: service.id,
    name: service.name,
    description: service.description,
    status: service.status,
    created_at: toIsoTimestamp(service.created_at),
    last_incident_timestamp: toIsoTimestamp(service.last_incident_timestamp),
    html_url: service.html_url,
    incident_count: breakdown.triggered + breakdown.acknowledged + breakdown.resolved,
    status_breakdown: breakdown,
    escalation_policy: service.escalation_policy_id
      ? { id: service.escalation_policy_id, name: service.escalation_policy_name ?? null }
      : null,
    teams: teams.map((t) => ({ id: t.id, name: t.name ?? null })),
  };
}
