import type { FastifyPluginAsync } from 'fastify';
import {
  countEscalationPolicies,
  countTeams,
  listEscalationPolicies,
  listTeamsWithServices,
} from '../../analytics/directory-analytics.js';
import {
  incidentsByService,
  incidentsByStatus,
  listIncidents,
} from '../../analytics/incidents-analytics.js';
import {
  countServices,
  findMostIncidents,
  findServiceDetail,
  listServicesWithIncidentCounts,
  listServiceStatusCounts,
} from '../../analytics/services-analytics.js';
import { listInactiveUsers } from '../../analytics/users-analytics.js';
import { countLive } from '../../analytics/incident-filter.js';
import {
  incidentsOverTime,
  INTERVALS,
  type Interval,
} from '../../analytics/timeseries-analytics.js';
import type { Db } from '../../db/connection.js';
import { NotFoundError } from '../../errors.js';
import { COMMON_ERRORS, ERROR_REF } from '../error-schema.js';
import {
  arr,
  FILTER_QUERY,
  int,
  nullableStr,
  obj,
  PAGINATION_QUERY,
  parseFilter,
  querySchema,
  STATUS_BREAKDOWN,
  str,
  type FilterQuery,
  type PageQuery,
} from '../query-schemas.js';

export interface AnalyticsRoutesOptions {
  db: Db;
  clock: () => Date;
}

const COUNT = obj({ count: int() }, { example: { count: 24 } });
const NOT_FOUND = { description: 'No such object', ...ERROR_REF };
const page = (key: string, item: unknown) =>
  obj({ [key]: arr(item), total: int('Rows matching, all pages'), limit: int(), offset: int() });
const SERVICE_SUMMARY = obj({ id: str(), name: str(), status: nullableStr, incident_count: int() });
const INCIDENT = obj({
  id: str(),
  incident_number: int(),
  title: nullableStr,
  status: str(),
  urgency: nullableStr,
  service_id: nullableStr,
  service_name: nullableStr,
  priority_id: nullableStr,
  escalation_policy_id: nullableStr,
  created_at: nullableStr,
  updated_at: nullableStr,
  first_acknowledged_at: nullableStr,
  resolved_at: nullableStr,
  seconds_to_first_ack: { type: ['integer', 'null'] },
  seconds_to_resolve: { type: ['integer', 'null'] },
  html_url: nullableStr,
});
const SERVICE_STATUS = obj({
  service_id: str(),
  service_name: str(),
  triggered: int(),
  acknowledged: int(),
  resolved: int(),
  total: int(),
});
const MOST_INCIDENTS = obj(
  {
    service_id: str(),
    service_name: str(),
    total_incidents: int(),
    status_breakdown: STATUS_BREAKDOWN,
  },
  {
    example: {
      service_id: 'PV00002',
      service_name: 'Search API',
      total_incidents: 180,
      status_breakdown: { triggered: 2, acknowledged: 1, resolved: 177 },
    },
  },
);
const CHART = obj({
  title: str(),
  service_id: nullableStr,
  service_name: nullableStr,
  total_incidents: int(),
  categories: arr(str()),
  values: arr(int()),
});
const NAMED = obj({ id: str(), name: nullableStr });
const FILTERS = querySchema(FILTER_QUERY);
const FILTERED_PAGE = querySchema({ ...FILTER_QUERY, ...PAGINATION_QUERY });
const PAGE_ONLY = querySchema(PAGINATION_QUERY);
const ID_PARAM = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

export const analyticsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db, clock },
) => {
  const d = db.db;

  app.get(
    '/services/count',
    {
      schema: {
        tags: ['services'],
        summary: 'Number of services',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({ count: await countServices(d) }),
  );

  app.get<{ Querystring: FilterQuery & PageQuery }>(
    '/services',
    {
      schema: {
        tags: ['services'],
        summary: 'Services with their incident counts (0 when none), by name',
        querystring: FILTERED_PAGE,
        response: { 200: page('services', SERVICE_SUMMARY), ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listServicesWithIncidentCounts(
        d,
        parseFilter(request.query),
        limit,
        offset,
      );
      return { services: result.items, total: result.total, limit, offset };
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/services/most-incidents',
    {
      schema: {
        tags: ['services'],
        summary: 'The service with the most incidents and their breakdown by status',
        description: 'Ties go to the service whose name sorts first, then to the smaller id.',
        querystring: FILTERS,
        response: {
          200: MOST_INCIDENTS,
          404: { description: 'No incident matches', ...ERROR_REF },
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const most = await findMostIncidents(d, parseFilter(request.query));
      if (!most) throw new NotFoundError('no incident matches the filters');
      return most;
    },
  );

  app.get<{ Querystring: FilterQuery & { format?: 'json' | 'svg' | 'png' } }>(
    '/services/chart',
    {
      schema: {
        tags: ['services'],
        summary:
          'Chart of the most-incidents service by status: its data as JSON, or the image with format=svg|png',
        querystring: querySchema({
          ...FILTER_QUERY,
          format: { type: 'string', enum: ['json', 'svg', 'png'], default: 'json' },
        }),
        response: {
          200: {
            description: 'The chart data (JSON), or the chart as SVG or PNG',
            content: {
              'application/json': { schema: CHART },
              'image/svg+xml': { schema: { type: 'string' } },
              'image/png': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...COMMON_ERRORS,
        },
      },
    },
    async (request, reply) => {
      // ECharts and resvg are loaded on the first chart drawn, not at start-up: most servers never draw one.
      const { renderStatusChartSvg, statusChartData, svgToPng } =
        await import('../../charts/status-chart.js');
      const data = statusChartData(await findMostIncidents(d, parseFilter(request.query)));
      const format = request.query.format ?? 'json';
      if (format === 'json') return reply.type('application/json').send(data);
      const svg = renderStatusChartSvg(data);
      if (format === 'svg') return reply.type('image/svg+xml').send(svg);
      return reply.type('image/png').send(svgToPng(svg));
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    '/services/:id',
    {
      schema: {
        tags: ['services'],
        summary:
          'One service with its incident count, status breakdown, teams and escalation policy',
        params: ID_PARAM,
        querystring: FILTERS,
        response: {
          200: obj({
            id: str(),
            name: str(),
            description: nullableStr,
            status: nullableStr,
            created_at: nullableStr,
            last_incident_timestamp: nullableStr,
            html_url: nullableStr,
            incident_count: int(),
            status_breakdown: STATUS_BREAKDOWN,
            escalation_policy: {
              type: ['object', 'null'],
              properties: { id: str(), name: nullableStr },
            },
            teams: arr(NAMED),
          }),
          404: NOT_FOUND,
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const service = await findServiceDetail(d, request.params.id, parseFilter(request.query));
      if (!service) throw new NotFoundError(`no service ${request.params.id}`);
      return service;
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery & PageQuery }>(
    '/services/:id/incidents',
    {
      schema: {
        tags: ['services'],
        summary: "A service's incidents, newest first",
        params: ID_PARAM,
        querystring: FILTERED_PAGE,
        response: { 200: page('incidents', INCIDENT), 404: NOT_FOUND, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      if ((await countServicesById(request.params.id)) === 0)
        throw new NotFoundError(`no service ${request.params.id}`);
      const result = await listIncidents(
        d,
        { ...parseFilter(request.query), serviceId: request.params.id },
        limit,
        offset,
      );
      return { incidents: result.items, total: result.total, limit, offset };
    },
  );

  const countServicesById = async (id: string) => {
    const row = await d
      .selectFrom('services')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  app.get<{ Querystring: FilterQuery & PageQuery }>(
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents, newest first, filtered and paginated',
        querystring: FILTERED_PAGE,
        response: { 200: page('incidents', INCIDENT), ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listIncidents(d, parseFilter(request.query), limit, offset);
      return { incidents: result.items, total: result.total, limit, offset };
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/incidents/by-service',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'Incident counts per service, most first (services deleted from PagerDuty included and flagged)',
        querystring: FILTERS,
        response: {
          200: obj({
            services: arr(
              obj({
                service_id: str(),
                service_name: nullableStr,
                service_deleted: { type: 'boolean' },
                incident_count: int(),
              }),
            ),
            total_incidents: int(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const services = await incidentsByService(d, parseFilter(request.query));
      return { services, total_incidents: services.reduce((n, s) => n + s.incident_count, 0) };
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/incidents/by-status',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incident counts by status, every status present',
        querystring: FILTERS,
        response: {
          200: obj(
            { triggered: int(), acknowledged: int(), resolved: int(), total: int() },
            { example: { triggered: 4, acknowledged: 2, resolved: 594, total: 600 } },
          ),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => incidentsByStatus(d, parseFilter(request.query)),
  );

  app.get<{ Querystring: FilterQuery & PageQuery }>(
    '/incidents/by-service-status',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'Incident counts per service and status; every service and status present, 0 when none',
        querystring: FILTERED_PAGE,
        response: { 200: page('services', SERVICE_STATUS), ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listServiceStatusCounts(d, parseFilter(request.query), limit, offset);
      return { services: result.items, total: result.total, limit, offset };
    },
  );

  app.get<{ Querystring: FilterQuery & { interval: Interval } }>(
    '/incidents/over-time',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents created per day, week (from Monday) or month, by status',
        querystring: querySchema({
          ...FILTER_QUERY,
          interval: { type: 'string', enum: [...INTERVALS], default: 'week' },
        }),
        response: {
          200: obj({
            interval: str(),
            periods: arr(
              obj({
                period: str('First day of the period, UTC'),
                triggered: int(),
                acknowledged: int(),
                resolved: int(),
                total: int(),
              }),
            ),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => ({
      interval: request.query.interval,
      periods: await incidentsOverTime(d, parseFilter(request.query), request.query.interval),
    }),
  );

  app.get(
    '/users/count',
    {
      schema: {
        tags: ['users'],
        summary: 'Number of users (not counting those deleted from PagerDuty)',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({
      count: await countLive(d, 'users'),
    }),
  );

  app.get(
    '/teams/count',
    {
      schema: {
        tags: ['teams'],
        summary: 'Number of teams',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({ count: await countTeams(d) }),
  );

  app.get<{ Querystring: FilterQuery & PageQuery }>(
    '/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Teams with their services and each service’s incident count',
        querystring: FILTERED_PAGE,
        response: {
          200: page(
            'teams',
            obj({
              id: str(),
              name: str(),
              description: nullableStr,
              service_count: int(),
              services: arr(obj({ id: str(), name: str(), incident_count: int() })),
            }),
          ),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listTeamsWithServices(d, parseFilter(request.query), limit, offset);
      return { teams: result.items, total: result.total, limit, offset };
    },
  );

  app.get(
    '/escalation-policies/count',
    {
      schema: {
        tags: ['escalation policies'],
        summary: 'Number of escalation policies',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({
      count: await countEscalationPolicies(d),
    }),
  );

  app.get<{ Querystring: PageQuery }>(
    '/escalation-policies',
    {
      schema: {
        tags: ['escalation policies'],
        summary: 'Escalation policies with their teams, services and ordered rules with targets',
        querystring: PAGE_ONLY,
        response: {
          200: page(
            'escalation_policies',
            obj({
              id: str(),
              name: str(),
              description: nullableStr,
              num_loops: int(),
              teams: arr(NAMED),
              services: arr(obj({ id: str(), name: str() })),
              rules: arr(
                obj({
                  id: str(),
                  position: int(),
                  escalation_delay_in_minutes: int(),
                  targets: arr(
                    obj({
                      type: { type: 'string', enum: ['user', 'schedule', 'schedule_v3'] },
                      id: str(),
                      name: nullableStr,
                    }),
                  ),
                }),
              ),
            }),
          ),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listEscalationPolicies(d, limit, offset);
      return { escalation_policies: result.items, total: result.total, limit, offset };
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/users/inactive',
    {
      schema: {
        tags: ['users'],
        summary: 'Users on schedules who are inactive, with their reasons and schedules',
        description:
          'Reasons: deleted (gone from PagerDuty but still on a schedule or escalation rule), invitation_pending (invited, never signed up), no_upcoming_shift (on a schedule with no on-call shift in the next 90 days).',
        querystring: PAGE_ONLY,
        response: {
          200: page(
            'users',
            obj({
              id: str(),
              name: str(),
              email: nullableStr,
              deleted_at: nullableStr,
              reasons: arr({
                type: 'string',
                enum: ['deleted', 'invitation_pending', 'no_upcoming_shift'],
              }),
              schedule_count: int(),
              schedules: arr(NAMED),
              escalation_policies: arr(NAMED),
            }),
          ),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listInactiveUsers(d, clock(), limit, offset);
      return { users: result.items, total: result.total, limit, offset };
    },
  );
};
