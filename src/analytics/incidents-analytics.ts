import type { CompiledQuery, Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/stored-values.js';
import { dialectOf } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import {
  filterWhere,
  INCIDENT_COLUMNS,
  INCIDENT_STATUSES,
  type IncidentFilter,
} from './incident-filter.js';
import {
  breakdownTotal,
  countByServiceAndStatus,
  emptyBreakdown,
  type StatusBreakdown,
} from './status-breakdown.js';
import { countIncidents } from './incident-counts.js';
import type { Page } from './paging.js';
import { secondsBetween } from './sql-time.js';

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

/** What an incident is shown with in the list and in the report: its number, title, state and service. */
const INCIDENT_LABEL_COLUMNS = [
  'incidents.incident_number',
  'incidents.title',
  'incidents.status',
  'incidents.urgency',
  'incidents.service_id',
  'services.name as service_name',
] as const;

function incidentsQuery(db: Kysely<Database>, filter: IncidentFilter) {
  return db
    .selectFrom('incidents')
    .leftJoin('services', 'services.id', 'incidents.service_id')
    .where((eb) => eb.and(filterWhere(eb, filter, INCIDENT_COLUMNS)))
    .select([
      'incidents.id',
      ...INCIDENT_LABEL_COLUMNS,
      'incidents.priority_id',
      'incidents.escalation_policy_id',
      'incidents.created_at',
      'incidents.updated_at',
      'incidents.first_acknowledged_at',
      'incidents.resolved_at',
      secondsToFirstAck(db),
      secondsToResolve(db),
      'incidents.html_url',
    ]);
}

/** Seconds from the incident's creation to its first acknowledgement; null when never acknowledged. */
function secondsToFirstAck(db: Kysely<Database>) {
  return secondsBetween(db, 'incidents.first_acknowledged_at', 'incidents.created_at').as(
    'seconds_to_first_ack',
  );
}

/** Seconds from the incident's creation to its (last) resolve; null while open. */
function secondsToResolve(db: Kysely<Database>) {
  return secondsBetween(db, 'incidents.resolved_at', 'incidents.created_at').as(
    'seconds_to_resolve',
  );
}

type IncidentRow = Awaited<ReturnType<ReturnType<typeof incidentsQuery>['execute']>>[number];

function present(r: IncidentRow): IncidentView {
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
    created_at: toIsoTimestamp(r.created_at),
    updated_at: toIsoTimestamp(r.updated_at),
    first_acknowledged_at: toIsoTimestamp(r.first_acknowledged_at),
    resolved_at: toIsoTimestamp(r.resolved_at),
    seconds_to_first_ack: r.seconds_to_first_ack === null ? null : Number(r.seconds_to_first_ack),
    seconds_to_resolve: r.seconds_to_resolve === null ? null : Number(r.seconds_to_resolve),
    html_url: r.html_url,
  };
}

export async function countIncidentsMatching(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<number> {
  const row = await db
    .selectFrom('incidents')
    .where((eb) => eb.and(filterWhere(eb, filter, INCIDENT_COLUMNS)))
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

/** The columns of a page of the incident report, in order; created_at and id are its keyset. */
export const INCIDENT_REPORT_COLUMNS = [
  'incident_id',
  'incident_number',
  'title',
  'status',
  'urgency',
  'service_id',
  'service_name',
  'created_at',
  'first_acknowledged_at',
  'resolved_at',
  'seconds_to_first_ack',
  'seconds_to_resolve',
  'html_url',
] as const;
export const INCIDENT_REPORT_KEYS = [
  INCIDENT_REPORT_COLUMNS.indexOf('created_at'),
  INCIDENT_REPORT_COLUMNS.indexOf('incident_id'),
];

/**
 * One page of every incident matching the filter, oldest first, as a compiled query whose rows
 * are the INCIDENT_REPORT_COLUMNS: the report streams it page after page (raw rows, no object
 * per incident) from the keyset of the last row of the page before.
 */
export function incidentReportPage(
  db: Kysely<Database>,
  filter: IncidentFilter,
  after: readonly unknown[] | null,
  pageSize: number,
): CompiledQuery {
  return db
    .selectFrom('incidents')
    .leftJoin('services', 'services.id', 'incidents.service_id')
    .where((eb) => eb.and(filterWhere(eb, filter, INCIDENT_COLUMNS)))
    .$if(after !== null, (q) =>
      q.where((eb) => {
        const [created, id] = [after?.[0] as string, after?.[1] as string];
        // A row-value comparison is one range read on the (created_at, id) index on SQLite and
        // PostgreSQL; MariaDB reads that index from its start on every page instead (a million
        // rows took 159 s), and does turn the equivalent OR into one range.
        if (dialectOf(db) === 'mysql')
          return eb.or([
            eb('incidents.created_at', '>', created),
            eb.and([eb('incidents.created_at', '=', created), eb('incidents.id', '>', id)]),
          ]);
        return eb(eb.refTuple('incidents.created_at', 'incidents.id'), '>', eb.tuple(created, id));
      }),
    )
    .select([
      'incidents.id as incident_id',
      ...INCIDENT_LABEL_COLUMNS,
      'incidents.created_at',
      'incidents.first_acknowledged_at',
      'incidents.resolved_at',
      secondsToFirstAck(db),
      secondsToResolve(db),
      'incidents.html_url',
    ])
    .orderBy('incidents.created_at')
    .orderBy('incidents.id')
    .limit(pageSize)
    .compile();
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
  const breakdown = emptyBreakdown();
  for (const r of await countIncidents(db, filter, { acrossServices: true }))
    if ((INCIDENT_STATUSES as readonly string[]).includes(r.status))
      breakdown[r.status as keyof StatusBreakdown] += r.n;
  return { ...breakdown, total: breakdownTotal(breakdown) };
}
