import { parseAnalyticsFilter, parseAnalyticsRequest } from '../analytics/analytics-request.js';
import { runAnalytics } from '../analytics/analytics-tasks.js';
import { listEscalationPolicies } from '../analytics/escalation-policies-analytics.js';
import {
  METRIC_GROUP_FIELDS,
  METRICS_QUERY_PROPERTIES,
  type IncidentMetricsRow,
} from '../analytics/incident-metrics.js';
import {
  incidentReportPage,
  INCIDENT_REPORT_COLUMNS,
  INCIDENT_REPORT_KEYS,
} from '../analytics/incidents-analytics.js';
import { INCIDENT_STATUSES, type IncidentFilter } from '../analytics/incident-filter.js';
import { NOISE_REPEATS_QUERY_PROPERTIES, type NoiseRepeatRow } from '../analytics/noise-repeats.js';
import {
  INCIDENT_METRICS,
  NOISE_METRICS,
  RESPONDER_METRICS,
  type MetricDefinition,
} from '../analytics/metric-catalog.js';
import {
  PAY_QUERY_PROPERTIES,
  PAY_ROW_FIELDS,
  type Breach,
  type PayRow,
} from '../analytics/on-call-pay.js';
import { iterPages } from '../analytics/paging.js';
import {
  checkResponderFilter,
  parseResponderSort,
  RESPONDER_QUERY_PROPERTIES,
  type ResponderRow,
} from '../analytics/responder-metrics.js';
import {
  countServices,
  findMostIncidents,
  findServiceDetail,
  listServices,
  listServiceTeams,
  type ServiceRow,
} from '../analytics/services-analytics.js';
import { listTeams } from '../analytics/teams-analytics.js';
import { listInactiveUsers } from '../analytics/users-analytics.js';
import type { Db } from '../db/connection.js';
import { NotFoundError } from '../errors.js';
import { joinCell, type CsvKind } from './csv-format.js';
import {
  defineReport,
  defineSqlReport,
  type Report,
  type ReportColumn,
} from './report-definition.js';

// Every CSV report, each defined once: its columns (header and cell together) and its rows.
// GET /api/v1/reports lists them; GET /api/v1/reports/{name} serves each.

const text = <Row>(header: string, cell: (row: Row) => unknown): ReportColumn<Row> => ({
  header,
  kind: 'text',
  cell,
});
const number = <Row>(header: string, cell: (row: Row) => unknown): ReportColumn<Row> => ({
  header,
  kind: 'number',
  cell,
});
const timestamp = <Row>(header: string, cell: (row: Row) => unknown): ReportColumn<Row> => ({
  header,
  kind: 'timestamp',
  cell,
});

/** A number column per metric of a catalog, in its order. */
const metricColumns = <Name extends string>(
  catalog: readonly MetricDefinition<Name>[],
): ReportColumn<Partial<Record<Name, unknown>>>[] =>
  catalog.map((m) => number(m.name, (row) => row[m.name] ?? null));

const allServices = (db: Db, filter: IncidentFilter) =>
  iterPages((limit, offset) => listServices(db.read, filter, limit, offset));

type Policy = Awaited<ReturnType<typeof listEscalationPolicies>>['items'][number];

/** Every escalation policy's related objects, one row each, page by page. */
async function* policyRelations<Row>(db: Db, rows: (policy: Policy) => Row[]) {
  for await (const page of iterPages((limit, offset) =>
    listEscalationPolicies(db.read, limit, offset),
  ))
    yield page.flatMap(rows);
}

const incidentKinds: Record<(typeof INCIDENT_REPORT_COLUMNS)[number], CsvKind> = {
  incident_id: 'text',
  incident_number: 'number',
  title: 'text',
  status: 'text',
  urgency: 'text',
  service_id: 'text',
  service_name: 'text',
  created_at: 'timestamp',
  first_acknowledged_at: 'timestamp',
  resolved_at: 'timestamp',
  seconds_to_first_ack: 'number',
  seconds_to_resolve: 'number',
  html_url: 'text',
};

/**
 * A report of a catalog's metrics per group and period, as its endpoint answers them: the
 * grouping, unit and zone from the report's own parameters, the filter (priority_id included)
 * as the reports route parsed it from the whole query string.
 */
function metricsReport(
  name: string,
  title: string,
  summary: string,
  task: 'incidentMetricsTask' | 'noiseMetricsTask',
  catalog: readonly MetricDefinition[],
): Report {
  return defineReport<IncidentMetricsRow>({
    name,
    title,
    summary,
    filtered: true,
    relativeToNow: true,
    query: METRICS_QUERY_PROPERTIES,
    // Before the first byte: a bad option is a 400, not a stream cut short.
    check: async (_db, { query, analytics }) => void parseAnalyticsRequest(query, analytics),
    columns: [
      ...[...METRIC_GROUP_FIELDS, 'range_start'].map((field) =>
        text(field, (row: IncidentMetricsRow) => row[field] ?? null),
      ),
      ...metricColumns(catalog),
    ],
    rows: async function* (db, { filter, query, now, analytics }) {
      yield await runAnalytics(db, task, {
        request: { ...parseAnalyticsRequest(query, analytics), filter },
        now,
        config: analytics,
      });
    },
  });
}

export const REPORTS: readonly Report[] = [
  defineReport<number>({
    name: 'services_count',
    title: 'Services count',
    summary: 'Number of services',
    columns: [number('services_count', (n) => n)],
    rows: async function* (db) {
      yield [await countServices(db.read)];
    },
  }),
  defineReport<ServiceRow>({
    name: 'incidents_count_per_service',
    title: 'Incidents per service',
    summary: 'Incidents per service, services without incidents included',
    filtered: true,
    columns: [
      text('service_id', (s) => s.id),
      text('service_name', (s) => s.name),
      number('incident_count', (s) => s.incident_count),
    ],
    rows: (db, { filter }) => allServices(db, filter),
  }),
  defineReport<{ id: string; name: string; status: string; count: number }>({
    name: 'incidents_status_count_by_service',
    title: 'One service by status',
    summary: "One service's incidents by status, every status present",
    filtered: true,
    param: 'service_id',
    fileName: ({ param }) => `incidents_status_count_by_service_${param}`,
    check: async (db, { filter, param }) => {
      if (!(await findServiceDetail(db.read, param ?? '', filter)))
        throw new NotFoundError(`no service ${param}`);
    },
    columns: [
      text('service_id', (r) => r.id),
      text('service_name', (r) => r.name),
      text('status', (r) => r.status),
      number('incident_count', (r) => r.count),
    ],
    rows: async function* (db, { filter, param }) {
      const service = await findServiceDetail(db.read, param ?? '', filter);
      if (!service) return;
      yield INCIDENT_STATUSES.map((status) => ({
        id: service.id,
        name: service.name,
        status,
        count: service.status_breakdown[status],
      }));
    },
  }),
  defineReport<ServiceRow>({
    name: 'services',
    title: 'Services',
    summary: 'All services with their escalation policy and incident count',
    filtered: true,
    columns: [
      text('service_id', (s) => s.id),
      text('service_name', (s) => s.name),
      text('description', (s) => s.description),
      text('status', (s) => s.status),
      timestamp('created_at', (s) => s.created_at),
      timestamp('last_incident_timestamp', (s) => s.last_incident_timestamp),
      text('escalation_policy_id', (s) => s.escalation_policy_id),
      text('escalation_policy_name', (s) => s.escalation_policy_name),
      number('incident_count', (s) => s.incident_count),
      text('html_url', (s) => s.html_url),
    ],
    rows: (db, { filter }) => allServices(db, filter),
  }),
  defineReport<Awaited<ReturnType<typeof listTeams>>['items'][number]>({
    name: 'teams',
    title: 'Teams',
    summary: 'All teams with their number of services',
    columns: [
      text('team_id', (t) => t.id),
      text('team_name', (t) => t.name),
      text('description', (t) => t.description),
      number('service_count', (t) => t.service_count),
    ],
    rows: (db) => iterPages((limit, offset) => listTeams(db.read, {}, limit, offset)),
  }),
  defineReport<Awaited<ReturnType<typeof listServiceTeams>>[number]>({
    name: 'services_teams',
    title: 'Services and teams',
    summary: 'Services and their teams',
    columns: [
      text('service_id', (r) => r.service_id),
      text('service_name', (r) => r.service_name),
      text('team_id', (r) => r.team_id),
      text('team_name', (r) => r.team_name),
    ],
    rows: async function* (db) {
      yield await listServiceTeams(db.read);
    },
  }),
  defineReport<Awaited<ReturnType<typeof listEscalationPolicies>>['items'][number]>({
    name: 'escalation_policies',
    title: 'Escalation policies',
    summary: 'All escalation policies with their rule, service and team counts',
    columns: [
      text('escalation_policy_id', (p) => p.id),
      text('escalation_policy_name', (p) => p.name),
      text('description', (p) => p.description),
      number('num_loops', (p) => p.num_loops),
      number('rule_count', (p) => p.rules.length),
      number('service_count', (p) => p.services.length),
      number('team_count', (p) => p.teams.length),
    ],
    rows: (db) => iterPages((limit, offset) => listEscalationPolicies(db.read, limit, offset)),
  }),
  defineReport<{ policy: { id: string; name: string }; team: { id: string; name: string | null } }>(
    {
      name: 'escalation_policies_teams',
      title: 'Escalation policies and teams',
      summary: 'Escalation policies and their teams',
      columns: [
        text('escalation_policy_id', (r) => r.policy.id),
        text('escalation_policy_name', (r) => r.policy.name),
        text('team_id', (r) => r.team.id),
        text('team_name', (r) => r.team.name),
      ],
      rows: (db) => policyRelations(db, (policy) => policy.teams.map((team) => ({ policy, team }))),
    },
  ),
  defineReport<{ policy: { id: string; name: string }; service: { id: string; name: string } }>({
    name: 'escalation_policies_services',
    title: 'Escalation policies and services',
    summary: 'Escalation policies and their services',
    columns: [
      text('escalation_policy_id', (r) => r.policy.id),
      text('escalation_policy_name', (r) => r.policy.name),
      text('service_id', (r) => r.service.id),
      text('service_name', (r) => r.service.name),
    ],
    rows: (db) =>
      policyRelations(db, (policy) => policy.services.map((service) => ({ policy, service }))),
  }),
  defineReport<NonNullable<Awaited<ReturnType<typeof findMostIncidents>>>>({
    name: 'most_incidents',
    title: 'Service with most incidents',
    summary: 'The service with the most incidents and its breakdown by status',
    filtered: true,
    columns: [
      text('service_id', (m) => m.service_id),
      text('service_name', (m) => m.service_name),
      number('total_incidents', (m) => m.total_incidents),
      number('triggered', (m) => m.status_breakdown.triggered),
      number('acknowledged', (m) => m.status_breakdown.acknowledged),
      number('resolved', (m) => m.status_breakdown.resolved),
    ],
    rows: async function* (db, { filter }) {
      const most = await findMostIncidents(db.read, filter);
      if (most) yield [most];
    },
  }),
  defineReport<ServiceRow>({
    name: 'incidents_status_count_by_service',
    title: 'Incidents by service and status',
    summary: 'Every service with its incidents by status',
    filtered: true,
    columns: [
      text('service_id', (s) => s.id),
      text('service_name', (s) => s.name),
      number('triggered', (s) => s.triggered),
      number('acknowledged', (s) => s.acknowledged),
      number('resolved', (s) => s.resolved),
      number('total', (s) => s.incident_count),
    ],
    rows: (db, { filter }) => allServices(db, filter),
  }),
  defineReport<Awaited<ReturnType<typeof listInactiveUsers>>['items'][number]>({
    name: 'inactive_users',
    title: 'Inactive users',
    relativeToNow: true,
    summary: 'Inactive users on schedules with their reasons',
    columns: [
      text('user_id', (u) => u.id),
      text('user_name', (u) => u.name),
      text('email', (u) => u.email),
      timestamp('deleted_at', (u) => u.deleted_at),
      text('reasons', (u) => joinCell(u.reasons)),
      number('schedule_count', (u) => u.schedule_count),
      text('schedule_names', (u) => joinCell(u.schedules.map((s) => s.name ?? s.id))),
    ],
    rows: (db, { now }) =>
      iterPages((limit, offset) => listInactiveUsers(db.read, now, limit, offset)),
  }),
  metricsReport(
    'incident_metrics',
    'Incident metrics',
    'Response times with percentiles, escalations, interruptions and engagement, per group and period (as GET /analytics/incidents)',
    'incidentMetricsTask',
    INCIDENT_METRICS,
  ),
  metricsReport(
    'noise',
    'Alert noise',
    'Alerts, transient, unacknowledged, repeat and reopened incidents and the noise share, per group and period (as GET /analytics/noise)',
    'noiseMetricsTask',
    NOISE_METRICS,
  ),
  defineReport<NoiseRepeatRow>({
    name: 'noise_repeats',
    title: 'Repeating alerts',
    summary:
      'Per service, the alerts that came back within REPEAT_WINDOW_HOURS, most repeated first (as GET /analytics/noise/repeats, every row)',
    filtered: true,
    // The route parses the filter, priority_id included, from the whole query string.
    query: NOISE_REPEATS_QUERY_PROPERTIES,
    columns: [
      text('service_id', (r: NoiseRepeatRow) => r.service_id),
      text('service_name', (r: NoiseRepeatRow) => r.service_name),
      text('repeat_key', (r: NoiseRepeatRow) => r.repeat_key),
      text('repeat_key_source', (r: NoiseRepeatRow) => r.repeat_key_source),
      number('incident_count', (r: NoiseRepeatRow) => r.incident_count),
      number('repeat_incident_count', (r: NoiseRepeatRow) => r.repeat_incident_count),
      timestamp('first_seen_at', (r: NoiseRepeatRow) => r.first_seen_at),
      timestamp('last_seen_at', (r: NoiseRepeatRow) => r.last_seen_at),
      number('off_hour_interruptions', (r: NoiseRepeatRow) => r.off_hour_interruptions),
      number('sleep_hour_interruptions', (r: NoiseRepeatRow) => r.sleep_hour_interruptions),
      number('off_hour_interruption_share', (r: NoiseRepeatRow) => r.off_hour_interruption_share),
      number(
        'sleep_hour_interruption_share',
        (r: NoiseRepeatRow) => r.sleep_hour_interruption_share,
      ),
    ],
    rows: async function* (db, { filter, analytics }) {
      yield (await runAnalytics(db, 'noiseRepeatsTask', { filter, config: analytics })).rows;
    },
  }),
  defineReport<ResponderRow>({
    name: 'responder_metrics',
    title: 'Responder metrics',
    summary:
      'Per responder: notifications, interruptions by hour class, acknowledgements and on-call time (as GET /analytics/responders, every row)',
    relativeToNow: true,
    query: RESPONDER_QUERY_PROPERTIES,
    // Before the first byte: a bad option is a 400 and an unknown id a 404, not a stream cut short.
    check: async (db, { query }) => {
      parseResponderSort(query['sort']);
      await checkResponderFilter(db.read, parseAnalyticsFilter(query));
    },
    columns: [
      text('responder_id', (r: ResponderRow) => r.responder_id),
      text('responder_name', (r: ResponderRow) => r.responder_name),
      text('time_zone', (r: ResponderRow) => r.time_zone),
      text('team_ids', (r: ResponderRow) => joinCell(r.team_ids)),
      ...metricColumns(RESPONDER_METRICS),
    ],
    rows: async function* (db, { query, now, analytics }) {
      const answer = await runAnalytics(db, 'responderMetricsTask', {
        filter: parseAnalyticsFilter(query),
        sort: parseResponderSort(query['sort']),
        now,
        config: analytics,
      });
      yield answer.rows;
    },
  }),
  defineReport<PayRow>({
    name: 'on_call_pay',
    title: 'On-call pay',
    summary:
      'Per person: on-call seconds and interruptions by pay class and the amount by ONCALL_PAY_RULES, a payroll file (as GET /analytics/on-call-pay, every row)',
    relativeToNow: true,
    query: PAY_QUERY_PROPERTIES,
    check: async (db, { query }) => {
      await checkResponderFilter(db.read, parseAnalyticsFilter(query));
    },
    columns: PAY_ROW_FIELDS.map((field) =>
      field === 'user_id' || field === 'user_name' || field === 'currency'
        ? text(field, (r: PayRow) => r[field])
        : number(field, (r: PayRow) => r[field]),
    ),
    rows: async function* (db, { query, now, analytics }) {
      const answer = await runAnalytics(db, 'onCallPayTask', {
        filter: parseAnalyticsFilter(query),
        now,
        config: analytics,
      });
      yield answer.rows;
    },
  }),
  defineReport<Breach>({
    name: 'on_call_compliance',
    title: 'On-call limit breaches',
    summary:
      'Each breach of ONCALL_LIMITS: who, which rule, the limit, what was observed and the window (as GET /analytics/on-call-compliance, every row)',
    relativeToNow: true,
    query: PAY_QUERY_PROPERTIES,
    check: async (db, { query }) => {
      await checkResponderFilter(db.read, parseAnalyticsFilter(query));
    },
    columns: [
      text('user_id', (r: Breach) => r.user_id),
      text('user_name', (r: Breach) => r.user_name),
      text('rule', (r: Breach) => r.rule),
      number('limit', (r: Breach) => r.limit),
      number('observed', (r: Breach) => r.observed),
      timestamp('window_start', (r: Breach) => r.window_start),
      timestamp('window_end', (r: Breach) => r.window_end),
    ],
    rows: async function* (db, { query, now, analytics }) {
      const answer = await runAnalytics(db, 'onCallComplianceTask', {
        filter: parseAnalyticsFilter(query),
        now,
        config: analytics,
      });
      yield answer.rows;
    },
  }),
  defineSqlReport({
    name: 'incidents',
    title: 'All incidents',
    summary: 'Every incident matching the filters, streamed',
    filtered: true,
    columns: INCIDENT_REPORT_COLUMNS.map((header) => ({ header, kind: incidentKinds[header] })),
    keys: INCIDENT_REPORT_KEYS,
    pageSize: 5000,
    page: (db, { filter }, after) => incidentReportPage(db.read, filter, after, 5000),
  }),
];
