import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { iterIncidents } from '../../analytics/incidents-analytics.js';
import {
  countServices,
  findMostIncidents,
  findServiceDetail,
  listServiceStatusCounts,
} from '../../analytics/services-analytics.js';
import {
  listEscalationPolicyRows,
  listEscalationPolicyServiceRows,
  listEscalationPolicyTeamRows,
  listServiceRows,
  listServiceTeamRows,
  listTeamRows,
} from '../../analytics/relations-analytics.js';
import { listInactiveUsers } from '../../analytics/users-analytics.js';
import type { Db } from '../../db/connection.js';
import { NotFoundError } from '../../errors.js';
import { csvStream, onePage, type Cell } from '../../reports/csv.js';
import { COMMON_ERRORS, ERROR_REF } from '../error-schema.js';
import { FILTER_QUERY, parseFilter, querySchema, type FilterQuery } from '../query-schemas.js';

export interface ReportsRoutesOptions {
  db: Db;
  clock: () => Date;
}

const CSV_RESPONSE = (columns: readonly string[]) => ({
  200: {
    description: `CSV (text/csv; charset=utf-8) with the columns: ${columns.join(', ')}. Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.`,
    content: { 'text/csv': { schema: { type: 'string' }, example: `${columns.join(',')}\n` } },
  },
  ...COMMON_ERRORS,
});

function sendCsv(
  reply: FastifyReply,
  name: string,
  columns: readonly string[],
  pages: AsyncIterable<Cell[][]>,
  now: Date,
) {
  const date = now.toISOString().slice(0, 10);
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}_${date}.csv"`)
    .send(csvStream(columns, pages));
}

/** The CSV reports of the specification, and more; incident-based ones take the incident filters. */
export const reportsRoutes: FastifyPluginAsync<ReportsRoutesOptions> = async (
  app,
  { db, clock },
) => {
  const d = db.db;
  const simple = (
    name: string,
    summary: string,
    columns: readonly string[],
    rows: (filter: FilterQuery) => Promise<Cell[][]>,
    filtered = false,
  ) =>
    app.get<{ Querystring: FilterQuery }>(
      `/reports/${name}`,
      {
        schema: {
          tags: ['reports'],
          summary,
          produces: ['text/csv'],
          ...(filtered
            ? { querystring: querySchema(FILTER_QUERY) }
            : { querystring: querySchema({}) }),
          response: CSV_RESPONSE(columns),
        },
      },
      async (request, reply) =>
        sendCsv(reply, name, columns, onePage(await rows(request.query)), clock()),
    );

  simple('services_count', 'Number of services (CSV)', ['services_count'], async () => [
    [await countServices(d)],
  ]);

  const perService = ['service_id', 'service_name', 'incident_count'] as const;
  simple(
    'incidents_count_per_service',
    'Incidents per service, services without incidents included (CSV)',
    perService,
    async (q) =>
      (await listServiceRows(d, parseFilter(q))).map((s) => [s.id, s.name, s.incident_count]),
    true,
  );

  app.get<{ Params: { service_id: string }; Querystring: FilterQuery }>(
    '/reports/incidents_status_count_by_service/:service_id',
    {
      schema: {
        tags: ['reports'],
        summary: "One service's incidents by status, every status present (CSV)",
        params: {
          type: 'object',
          required: ['service_id'],
          properties: { service_id: { type: 'string', maxLength: 64 } },
        },
        querystring: querySchema(FILTER_QUERY),
        response: {
          ...CSV_RESPONSE(['service_id', 'service_name', 'status', 'incident_count']),
          404: { description: 'No such service', ...ERROR_REF },
        },
      },
    },
    async (request, reply) => {
      const service = await findServiceDetail(
        d,
        request.params.service_id,
        parseFilter(request.query),
      );
      if (!service) throw new NotFoundError(`no service ${request.params.service_id}`);
      const rows = (['triggered', 'acknowledged', 'resolved'] as const).map((status): Cell[] => [
        service.id,
        service.name,
        status,
        service.status_breakdown[status],
      ]);
      return sendCsv(
        reply,
        `incidents_status_count_by_service_${service.id}`,
        ['service_id', 'service_name', 'status', 'incident_count'],
        onePage(rows),
        clock(),
      );
    },
  );

  simple(
    'services',
    'All services with their escalation policy and incident count (CSV)',
    [
      'service_id',
      'service_name',
      'description',
      'status',
      'created_at',
      'last_incident_timestamp',
      'escalation_policy_id',
      'escalation_policy_name',
      'incident_count',
      'html_url',
    ],
    async (q) =>
      (await listServiceRows(d, parseFilter(q))).map((s) => [
        s.id,
        s.name,
        s.description,
        s.status,
        s.created_at,
        s.last_incident_timestamp,
        s.escalation_policy_id,
        s.escalation_policy_name,
        s.incident_count,
        s.html_url,
      ]),
    true,
  );
  simple(
    'teams',
    'All teams with their number of services (CSV)',
    ['team_id', 'team_name', 'description', 'service_count'],
    async () => (await listTeamRows(d)).map((t) => [t.id, t.name, t.description, t.service_count]),
  );
  simple(
    'services_teams',
    'Services and their teams (CSV)',
    ['service_id', 'service_name', 'team_id', 'team_name'],
    async () =>
      (await listServiceTeamRows(d)).map((r) => [
        r.service_id,
        r.service_name,
        r.team_id,
        r.team_name,
      ]),
  );
  simple(
    'escalation_policies',
    'All escalation policies with their rule, service and team counts (CSV)',
    [
      'escalation_policy_id',
      'escalation_policy_name',
      'description',
      'num_loops',
      'rule_count',
      'service_count',
      'team_count',
    ],
    async () =>
      (await listEscalationPolicyRows(d)).map((p) => [
        p.id,
        p.name,
        p.description,
        p.num_loops,
        p.rule_count,
        p.service_count,
        p.team_count,
      ]),
  );
  simple(
    'escalation_policies_teams',
    'Escalation policies and their teams (CSV)',
    ['escalation_policy_id', 'escalation_policy_name', 'team_id', 'team_name'],
    async () =>
      (await listEscalationPolicyTeamRows(d)).map((r) => [
        r.escalation_policy_id,
        r.escalation_policy_name,
        r.team_id,
        r.team_name,
      ]),
  );
  simple(
    'escalation_policies_services',
    'Escalation policies and their services (CSV)',
    ['escalation_policy_id', 'escalation_policy_name', 'service_id', 'service_name'],
    async () =>
      (await listEscalationPolicyServiceRows(d)).map((r) => [
        r.escalation_policy_id,
        r.escalation_policy_name,
        r.service_id,
        r.service_name,
      ]),
  );
  simple(
    'most_incidents',
    'The service with the most incidents and its breakdown by status (CSV)',
    ['service_id', 'service_name', 'total_incidents', 'triggered', 'acknowledged', 'resolved'],
    async (q) => {
      const most = await findMostIncidents(d, parseFilter(q));
      return most
        ? [
            [
              most.service_id,
              most.service_name,
              most.total_incidents,
              most.status_breakdown.triggered,
              most.status_breakdown.acknowledged,
              most.status_breakdown.resolved,
            ],
          ]
        : [];
    },
    true,
  );
  simple(
    'incidents_status_count_by_service',
    'Every service with its incidents by status (CSV)',
    ['service_id', 'service_name', 'triggered', 'acknowledged', 'resolved', 'total'],
    async (q) =>
      (await listServiceStatusCounts(d, parseFilter(q), 1_000_000, 0)).items.map((s) => [
        s.service_id,
        s.service_name,
        s.triggered,
        s.acknowledged,
        s.resolved,
        s.total,
      ]),
    true,
  );
  simple(
    'inactive_users',
    'Inactive users on schedules with their reasons (CSV)',
    ['user_id', 'user_name', 'email', 'deleted_at', 'reasons', 'schedule_count', 'schedule_names'],
    async () =>
      (await listInactiveUsers(d, clock(), 1_000_000, 0)).items.map((u) => [
        u.id,
        u.name,
        u.email,
        u.deleted_at,
        u.reasons.join(';'),
        u.schedule_count,
        u.schedules.map((s) => s.name ?? s.id).join(';'),
      ]),
  );

  const incidentColumns = [
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
  app.get<{ Querystring: FilterQuery }>(
    '/reports/incidents',
    {
      schema: {
        tags: ['reports'],
        summary: 'Every incident matching the filters, streamed (CSV)',
        produces: ['text/csv'],
        querystring: querySchema(FILTER_QUERY),
        response: CSV_RESPONSE(incidentColumns),
      },
    },
    async (request, reply) => {
      const filter = parseFilter(request.query);
      const pages = (async function* () {
        for await (const page of iterIncidents(d, filter)) {
          yield page.map((i): Cell[] => [
            i.id,
            i.incident_number,
            i.title,
            i.status,
            i.urgency,
            i.service_id,
            i.service_name,
            i.created_at,
            i.first_acknowledged_at,
            i.resolved_at,
            i.seconds_to_first_ack,
            i.seconds_to_resolve,
            i.html_url,
          ]);
        }
      })();
      return sendCsv(reply, 'incidents', incidentColumns, pages, clock());
    },
  );
};
