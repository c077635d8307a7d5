import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/connection.js';
import type { Database } from '../db/schema.js';
import {
  breakdownTotal,
  countByServiceAndStatus,
  emptyBreakdown,
  incidentConditions,
  INCIDENT_STATUSES,
  type IncidentFilter,
  type Page,
  type StatusBreakdown,
} from './incident-filter.js';

export interface IncidentView {
  id: string;
  incident_number: number;
  title: string | null;
  status: string;
  urgency: string | null;
  service_id: string | null;
  service_name: string | null;
  priority_id: string | null;
  escalation_policy_id: string | null;
  created_at: string | null;
  updated_at: string | null;
  first_acknowledged_at: string | null;
  resolved_at: string | null;
  /** Seconds from creation to the first acknowledgement, null when never acknowledged. */
  seconds_to_first_ack: number | null;
  /** Seconds from creation to the (last) resolve, null while open. */
  seconds_to_resolve: number | null;
  html_url: string | null;
}

export interface ServiceIncidentCount {
  service_id: string;
  service_name: string | null;
  /** The service was deleted from PagerDuty; its incidents remain. */
  service_deleted: boolean;
  incident_count: number;
}

function secondsBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.round((Date.parse(to) - Date.parse(from)) / 1000);
}

function incidentsQuery(db: Kysely<Database>, filter: IncidentFilter) {
  return db
    .selectFrom('incidents')
    .leftJoin('services', 'services.id', 'incidents.service_id')
    .where((eb) => eb.and(incidentConditions(eb, filter)))
    .select([
      'incidents.id',
      'incidents.incident_number',
      'incidents.title',
      'incidents.status',
      'incidents.urgency',
      'incidents.service_id',
      'services.name as service_name',
      'incidents.priority_id',
      'incidents.escalation_policy_id',
      'incidents.created_at',
      'incidents.updated_at',
      'incidents.first_acknowledged_at',
      'incidents.resolved_at',
      'incidents.html_url',
    ]);
}

type IncidentRow = Awaited<ReturnType<ReturnType<typeof incidentsQuery>['execute']>>[number];

function present(r: IncidentRow): IncidentView {
  const created = toIsoTimestamp(r.created_at);
  const acked = toIsoTimestamp(r.first_acknowledged_at);
  const resolved = toIsoTimestamp(r.resolved_at);
  return {
    id: r.id,
    incident_number: Number(r.incident_number),
    title: r.title,
    status: r.status,
    urgency: r.urgency,
    service_id: r.service_id,
    service_name: r.service_name ?? null,
    priority_id: r.priority_id,
    escalation_policy_id: r.escalation_policy_id,
    created_at: created,
    updated_at: toIsoTimestamp(r.updated_at),
    first_acknowledged_at: acked,
    resolved_at: resolved,
    seconds_to_first_ack: secondsBetween(created, acked),
    seconds_to_resolve: secondsBetween(created, resolved),
    html_url: r.html_url,
  };
}

export async function countIncidentsMatching(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<number> {
  const row = await db
    .selectFrom('incidents')
    .where((eb) => eb.and(incidentConditions(eb, filter)))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Incidents matching the filter, newest first. */
export async function listIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
): Promise<Page<IncidentView>> {
  const [rows, total] = await Promise.all([
    incidentsQuery(db, filter)
      .orderBy('incidents.created_at', 'desc')
      .orderBy('incidents.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    countIncidentsMatching(db, filter),
  ]);
  return { items: rows.map(present), total, limit, offset };
}

/**
 * Every incident matching the filter, oldest first, read in keyset pages so that a report of a
 * million rows holds one page in memory at a time.
 */
export async function* iterIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter,
  pageSize = 5000,
): AsyncGenerator<IncidentView[], void, undefined> {
  let after: { created_at: Date | string; id: string } | undefined;
  for (;;) {
    const cursor = after;
    const rows = await incidentsQuery(db, filter)
      .$if(cursor !== undefined, (q) =>
        // A row-value comparison is one range read on the (created_at, id) index on every dialect;
        // the equivalent OR of two conditions is not.
        q.where((eb) =>
          eb(
            eb.refTuple('incidents.created_at', 'incidents.id'),
            '>',
            eb.tuple(cursor?.created_at ?? '', cursor?.id ?? ''),
          ),
        ),
      )
      .orderBy('incidents.created_at')
      .orderBy('incidents.id')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map(present);
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = { created_at: last.created_at, id: last.id };
  }
}

/** Incident counts per service (services with at least one matching incident, deleted ones included), most first. */
export async function incidentsByService(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<ServiceIncidentCount[]> {
  const counts = await countByServiceAndStatus(db, filter);
  const ids = [...counts.keys()];
  const services = new Map<string, { name: string; deleted: boolean }>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom('services')
      .select(['id', 'name', 'deleted_at'])
      .where('id', 'in', ids.slice(i, i + 1000))
      .execute();
    for (const r of rows) services.set(r.id, { name: r.name, deleted: r.deleted_at !== null });
  }
  return ids
    .map((id) => ({
      service_id: id,
      service_name: services.get(id)?.name ?? null,
      service_deleted: services.get(id)?.deleted ?? false,
      incident_count: breakdownTotal(counts.get(id) ?? emptyBreakdown()),
    }))
    .sort(
      (a, b) =>
        b.incident_count - a.incident_count ||
        (a.service_name ?? '').localeCompare(b.service_name ?? '') ||
        a.service_id.localeCompare(b.service_id),
    );
}

/** Incident counts by status, every status present. */
export async function incidentsByStatus(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<StatusBreakdown & { total: number }> {
  const rows = await db
    .selectFrom('incidents')
    .where((eb) => eb.and(incidentConditions(eb, filter)))
    .groupBy('incidents.status')
    .select(['incidents.status', (eb) => eb.fn.countAll<number>().as('n')])
    .execute();
  const breakdown = emptyBreakdown();
  for (const r of rows)
    if ((INCIDENT_STATUSES as readonly string[]).includes(r.status))
      breakdown[r.status as keyof StatusBreakdown] = Number(r.n);
  return { ...breakdown, total: breakdownTotal(breakdown) };
}
