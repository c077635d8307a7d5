import type { FastifyPluginAsync } from 'fastify';
import { parseAnalyticsFilter } from '../../analytics/analytics-request.js';
import type { Kysely } from 'kysely';
import { listIncidents } from '../../analytics/incidents-analytics.js';
import {
  countServices,
  findMostIncidents,
  findServiceDetail,
  listServices,
  serviceExists,
  type ServiceRow,
} from '../../analytics/services-analytics.js';
import type { Database } from '../../db/schema.js';
import { statusChartData } from '../../charts/status-chart-data.js';
import { NotFoundError } from '../../errors.js';
import { countRoute, pageRoute } from './page-routes.js';
import type { AnalyticsRoutesOptions } from './route-options.js';
import {
  FILTER_QUERY,
  FILTERED_PAGE,
  FILTERS,
  idParams,
  querySchema,
  type FilterQuery,
  type PageQuery,
} from '../schemas/common.js';
import { COMMON_ERRORS, ERROR_REF, NOT_FOUND } from '../schemas/error.js';
import { INCIDENT } from '../schemas/incidents.js';
import { CHART, MOST_INCIDENTS, SERVICE_DETAIL, SERVICE_SUMMARY } from '../schemas/services.js';

/** The services of a page of GET /services or /incidents/by-service-status, each shaped by `present`. */
export async function listServicesAs<U>(
  db: Kysely<Database>,
  query: FilterQuery & PageQuery,
  present: (service: ServiceRow) => U,
): Promise<{ items: U[]; total: number }> {
  const { items, total } = await listServices(
    db,
    parseAnalyticsFilter(query),
    query.limit,
    query.offset,
  );
  return { items: items.map(present), total };
}

/** /services: counts, the list with incident counts, one service, the most-incidents service and its chart. */
export const servicesRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (app, { db }) => {
  const d = db.read;

  countRoute(app, '/services/count', { tags: ['services'], summary: 'Number of services' }, () =>
    countServices(d),
  );

  pageRoute<FilterQuery & PageQuery>(
    app,
    '/services',
    {
      config: { keep: true },
      schema: {
        tags: ['services'],
        summary: 'Services with their incident counts (0 when none), by name',
        querystring: FILTERED_PAGE,
      },
      key: 'services',
      item: SERVICE_SUMMARY,
    },
    ({ query }) =>
      listServicesAs(d, query, (s) => ({
        id: s.id,
        name: s.name,
        status: s.status,
        incident_count: s.incident_count,
      })),
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
      const most = await findMostIncidents(d, parseAnalyticsFilter(request.query));
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
      const data = statusChartData(await findMostIncidents(d, parseAnalyticsFilter(request.query)));
      const format = request.query.format ?? 'json';
      if (format === 'json') return reply.type('application/json').send(data);
      // ECharts and resvg are loaded on the first chart drawn, not at start-up: most servers never
      // draw one, and the dashboard asks for the data only.
      const { renderStatusChartSvg, svgToPng } = await import('../../charts/status-chart.js');
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
        description:
          'Services deleted from PagerDuty are answered too, with deleted_at set: their incidents remain in the mirror.',
        params: idParams(),
        querystring: FILTERS,
        response: { 200: SERVICE_DETAIL, 404: NOT_FOUND, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const service = await findServiceDetail(
        d,
        request.params.id,
        parseAnalyticsFilter(request.query),
      );
      if (!service) throw new NotFoundError(`no service ${request.params.id}`);
      return service;
    },
  );

  pageRoute<FilterQuery & PageQuery, { id: string }>(
    app,
    '/services/:id/incidents',
    {
      schema: {
        tags: ['services'],
        summary: "A service's incidents, newest first",
        description: 'Services deleted from PagerDuty are answered too, as by GET /services/{id}.',
        params: idParams(),
        querystring: FILTERED_PAGE,
      },
      key: 'incidents',
      item: INCIDENT,
      errors: { 404: NOT_FOUND },
    },
    async ({ params, query }) => {
      if (!(await serviceExists(d, params.id))) throw new NotFoundError(`no service ${params.id}`);
      return listIncidents(
        d,
        { ...parseAnalyticsFilter(query), serviceId: [params.id] },
        query.limit,
        query.offset,
      );
    },
  );
};
