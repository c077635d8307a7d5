import type { FastifyPluginAsync } from 'fastify';
import { parseAnalyticsFilter, parseTimeZone } from '../../analytics/analytics-request.js';
import {
  incidentsByService,
  incidentsByStatus,
  listIncidents,
} from '../../analytics/incidents-analytics.js';
import { STATUS_COLORS } from '../../charts/status-colors.js';
import { runAnalyticsJson } from '../../analytics/analytics-tasks.js';
import { INTERVALS, type Interval } from '../../analytics/timeseries-analytics.js';
import {
  FILTER_QUERY,
  FILTERED_PAGE,
  FILTERS,
  querySchema,
  type FilterQuery,
  type PageQuery,
} from '../schemas/common.js';
import { COMMON_ERRORS } from '../schemas/error.js';
import { BY_SERVICE, BY_STATUS, INCIDENT, OVER_TIME } from '../schemas/incidents.js';
import { SERVICE_STATUS } from '../schemas/services.js';
import type { AnalyticsRoutesOptions } from './route-options.js';
import { pageRoute } from './page-routes.js';
import { listServicesAs } from './services-routes.js';

/** /incidents: the list, and counts by service, by status, by both and over time. */
export const incidentsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db, analytics, clock },
) => {
  const d = db.read;

  pageRoute<FilterQuery & PageQuery>(
    app,
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents, newest first, filtered and paginated',
        querystring: FILTERED_PAGE,
      },
      key: 'incidents',
      item: INCIDENT,
    },
    ({ query }) => listIncidents(d, parseAnalyticsFilter(query), query.limit, query.offset),
  );

  app.get<{ Querystring: FilterQuery }>(
    '/incidents/by-service',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'Incident counts per service, most first (services deleted from PagerDuty included and flagged)',
        querystring: FILTERS,
        response: { 200: BY_SERVICE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const services = await incidentsByService(d, parseAnalyticsFilter(request.query));
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
        response: { 200: BY_STATUS, ...COMMON_ERRORS },
      },
    },
    async (request) => incidentsByStatus(d, parseAnalyticsFilter(request.query)),
  );

  pageRoute<FilterQuery & PageQuery>(
    app,
    '/incidents/by-service-status',
    {
      schema: {
        tags: ['incidents'],
        summary:
          'Incident counts per service and status; every service and status present, 0 when none',
        querystring: FILTERED_PAGE,
      },
      key: 'services',
      item: SERVICE_STATUS,
    },
    ({ query }) =>
      listServicesAs(d, query, (s) => ({
        service_id: s.id,
        service_name: s.name,
        triggered: s.triggered,
        acknowledged: s.acknowledged,
        resolved: s.resolved,
        total: s.incident_count,
      })),
  );

  app.get<{ Querystring: FilterQuery & { interval: Interval; time_zone?: string } }>(
    '/incidents/over-time',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents created per day, week (from Monday) or month in a zone, by status',
        description:
          'One entry per period from since (else the first matching incident) to until (else now), empty periods included, at most 5000 (past it a 400).',
        querystring: querySchema({
          ...FILTER_QUERY,
          interval: { type: 'string', enum: [...INTERVALS], default: 'week' },
          time_zone: {
            type: 'string',
            maxLength: 64,
            description: 'The IANA zone of the periods; default ANALYTICS_TIME_ZONE (UTC)',
            example: 'Australia/Sydney',
          },
        }),
        response: { 200: OVER_TIME, ...COMMON_ERRORS },
      },
    },
    async (request, reply) => {
      const timeZone = parseTimeZone(request.query.time_zone, analytics);
      const body = await runAnalyticsJson(
        db,
        'incidentsOverTimeTask',
        {
          filter: parseAnalyticsFilter(request.query),
          interval: request.query.interval,
          zone: timeZone,
          now: clock(),
        },
        {
          key: 'periods',
          envelope: {
            interval: request.query.interval,
            time_zone: timeZone,
            colors: STATUS_COLORS,
          },
        },
      );
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
};
