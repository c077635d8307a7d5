import type { FastifyPluginAsync } from 'fastify';
import { runAnalytics, runAnalyticsJson } from '../../analytics/analytics-tasks.js';
import {
  parseAnalyticsFilter,
  parseAnalyticsRequest,
  parseTimeZone,
} from '../../analytics/analytics-request.js';
import { parseResponderSort } from '../../analytics/responder-metrics.js';
import {
  HEATMAP_QUERY,
  HEATMAP_RESPONSE,
  INCIDENT_METRICS_QUERY,
  INCIDENT_METRICS_RESPONSE,
  NOISE_METRICS_RESPONSE,
  NOISE_REPEATS_QUERY,
  NOISE_REPEATS_RESPONSE,
  ON_CALL_LOAD_QUERY,
  ON_CALL_LOAD_RESPONSE,
  RESPONDER_METRICS_QUERY,
  RESPONDER_METRICS_RESPONSE,
  type HeatmapQuery,
  type IncidentMetricsQuery,
  type NoiseRepeatsQuery,
  type OnCallLoadQuery,
  type ResponderMetricsQuery,
} from '../schemas/analytics.js';
import { idParams, type PageQuery } from '../schemas/common.js';
import {
  ON_CALL_COMPLIANCE_QUERY,
  ON_CALL_COMPLIANCE_RESPONSE,
  ON_CALL_PAY_QUERY,
  ON_CALL_PAY_RESPONSE,
  type OnCallPayQuery,
} from '../schemas/on-call-pay.js';
import { COMMON_ERRORS } from '../schemas/error.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** Why team rows add up to more than the incidents: said in every answer grouped by team. */
const TEAM_NOTE =
  'An incident of a service that belongs to several teams counts once for each of them: the team rows add up to more than the incidents.';

/** /analytics: PagerDuty's Analytics, from the mirror. */
export const analyticsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db, clock, analytics },
) => {
  /** A catalog's rows per group and period as JSON text, with how they were asked for. */
  const groupedAnswer = (
    task: 'incidentMetricsTask' | 'noiseMetricsTask',
    query: IncidentMetricsQuery,
    settings: Record<string, unknown>,
  ) => {
    // Checked here: a bad parameter is a 400 before a worker is asked.
    const parsed = parseAnalyticsRequest(query, analytics);
    return runAnalyticsJson(
      db,
      task,
      { request: parsed, now: clock(), config: analytics },
      {
        key: 'data',
        envelope: {
          group_by: parsed.groupBy,
          aggregate_unit: parsed.unit ?? null,
          time_zone: parsed.zone,
          ...settings,
          ...(parsed.groupBy === 'team' ? { notes: [TEAM_NOTE] } : {}),
        },
      },
    );
  };
  app.get<{ Querystring: IncidentMetricsQuery }>(
    '/analytics/incidents',
    {
      // Open incidents' resolve and up time run to now.
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary:
          'Incident metrics (PagerDuty AnalyticsIncidentMetrics): response times with percentiles, escalations, interruptions, engagement, up time',
        description:
          'For incidents created in [since, until) matching the filters, per group and period. Every figure is computed exactly from the mirror, on any plan and for any range.',
        querystring: INCIDENT_METRICS_QUERY,
        response: { 200: INCIDENT_METRICS_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request, reply) =>
      reply
        .type('application/json; charset=utf-8')
        .send(await groupedAnswer('incidentMetricsTask', request.query, {})),
  );

  app.get<{ Querystring: IncidentMetricsQuery }>(
    '/analytics/noise',
    {
      // Open incidents' figures change as they resolve; periods run to now.
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary:
          'Alert noise and incident quality: alerts, transient, unacknowledged, repeat and reopened incidents, noise share',
        description:
          'For incidents created in [since, until) matching the filters, per group and period, with the settings TRANSIENT_MINUTES and REPEAT_WINDOW_HOURS. Transient incidents are among the unacknowledged resolved ones, so noise_share is total_unacknowledged_resolved over total_incident_count.',
        querystring: INCIDENT_METRICS_QUERY,
        response: { 200: NOISE_METRICS_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request, reply) =>
      reply.type('application/json; charset=utf-8').send(
        await groupedAnswer('noiseMetricsTask', request.query, {
          transient_minutes: analytics.transientMinutes,
          repeat_window_hours: analytics.repeatWindowHours,
        }),
      ),
  );

  app.get<{ Querystring: NoiseRepeatsQuery & PageQuery }>(
    '/analytics/noise/repeats',
    {
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary: 'Repeating alerts per service: the list a team fixes alerts from',
        description:
          'Per service, each incident_key (or, without one, normalised title) with a repeat among the incidents created in [since, until) matching the filters: its incidents, repeats, first and last seen, and its share of the off- and sleep-hour interruptions of the service. Most repeated first.',
        querystring: NOISE_REPEATS_QUERY,
        response: { 200: NOISE_REPEATS_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const answer = await runAnalytics(db, 'noiseRepeatsTask', {
        filter: parseAnalyticsFilter(q),
        page: { limit: q.limit, offset: q.offset },
        config: analytics,
      });
      return {
        data: answer.rows,
        total: answer.total,
        limit: q.limit,
        offset: q.offset,
        repeat_window_hours: analytics.repeatWindowHours,
      };
    },
  );

  app.get<{ Querystring: ResponderMetricsQuery & PageQuery }>(
    '/analytics/responders',
    {
      // On-call time runs to now when until is omitted.
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary:
          'Responder metrics (PagerDuty AnalyticsResponderMetrics): notifications, interruptions by hour class, acknowledgements, on-call time',
        description:
          "One row per user who was on call in [since, until) or had a part in an incident created in it. On-call seconds are the union of /oncalls spans across policies, from the mirror's on-call history; hour classes are placed in each user's own zone.",
        querystring: RESPONDER_METRICS_QUERY,
        response: { 200: RESPONDER_METRICS_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const sort = parseResponderSort(q.sort);
      const answer = await runAnalytics(db, 'responderMetricsTask', {
        filter: parseAnalyticsFilter(q),
        sort,
        page: { limit: q.limit, offset: q.offset },
        now: clock(),
        config: analytics,
      });
      return { ...rangeAndPage(answer, q), sort: `${sort.field}:${sort.direction}` };
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: OnCallLoadQuery;
  }>(
    '/analytics/teams/:id/on-call-load',
    {
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary: "Fairness of a team's on-call: each member's share, and Gini coefficients",
        description:
          "Every member of the team (those never on call too): their on-call seconds and sleep-hour interruptions over [since, until), each as a share of the team's, and the Gini coefficient of each across the members. Shares and Gini are of the scheduled on-call seconds unless basis=all (PagerDuty's total_seconds_on_call, in which a rule's direct target is always on call); direct targets are listed apart.",
        params: idParams(),
        querystring: ON_CALL_LOAD_QUERY,
        response: { 200: ON_CALL_LOAD_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const load = await runAnalytics(db, 'teamOnCallLoadTask', {
        teamId: request.params.id,
        filter: parseAnalyticsFilter(request.query),
        now: clock(),
        config: analytics,
        basis: request.query.basis,
      });
      return { ...load, since: load.since.toISOString(), until: load.until.toISOString() };
    },
  );

  app.get<{ Querystring: HeatmapQuery }>(
    '/analytics/interruptions/heatmap',
    {
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary: 'Interruptions by weekday and hour of the week, in a chosen zone',
        description:
          '168 cells (7 weekdays from Monday, 24 hours): interruptions that started in [since, until), by local weekday and hour in time_zone.',
        querystring: HEATMAP_QUERY,
        response: { 200: HEATMAP_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const timeZone = parseTimeZone(request.query.time_zone, analytics);
      const map = await runAnalytics(db, 'interruptionsHeatmapTask', {
        filter: parseAnalyticsFilter(request.query),
        zone: timeZone,
        now: clock(),
      });
      return {
        data: map.cells,
        time_zone: timeZone,
        since: map.since.toISOString(),
        until: map.until.toISOString(),
      };
    },
  );

  app.get<{ Querystring: OnCallPayQuery & PageQuery }>(
    '/analytics/on-call-pay',
    {
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary: 'On-call pay per person: seconds and interruptions by pay class, and the amount',
        description:
          "One row per user with on-call time or an interruption in [since, until), by name. Pay classes are placed in the user's own zone (UTC when PagerDuty gives none): holiday (HOLIDAYS), weekend (not a BUSINESS_HOURS day), sleep (SLEEP_HOURS), business, off. On-call time is the union of the user's spans, never counted twice; the rates are ONCALL_PAY_RULES. The same rows as CSV: GET /api/v1/reports/on_call_pay.",
        querystring: ON_CALL_PAY_QUERY,
        response: { 200: ON_CALL_PAY_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const answer = await runAnalytics(db, 'onCallPayTask', {
        filter: parseAnalyticsFilter(q),
        page: { limit: q.limit, offset: q.offset },
        now: clock(),
        config: analytics,
      });
      return { ...rangeAndPage(answer, q), currency: answer.currency, count: answer.count };
    },
  );

  app.get<{ Querystring: OnCallPayQuery & PageQuery }>(
    '/analytics/on-call-compliance',
    {
      config: { cache: 'clock' },
      schema: {
        tags: ['analytics'],
        summary: 'Breaches of the on-call working-time limits (ONCALL_LIMITS), one row each',
        description:
          "Rolling windows of 7 local days over scheduled on-call time (max_hours_per_7_days) and sleep-hour interruptions (max_sleep_interruptions_per_7_days), and runs of consecutive local days with scheduled on-call time (max_consecutive_days), in each user's zone. A breach overlapping [since, until) is judged whole; consecutive breaching windows are one breach, shown by its worst window. No limits set: no rows.",
        querystring: ON_CALL_COMPLIANCE_QUERY,
        response: { 200: ON_CALL_COMPLIANCE_RESPONSE, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const answer = await runAnalytics(db, 'onCallComplianceTask', {
        filter: parseAnalyticsFilter(q),
        page: { limit: q.limit, offset: q.offset },
        now: clock(),
        config: analytics,
      });
      return { ...rangeAndPage(answer, q), limits: answer.limits };
    },
  );
};

/** A paged answer's rows, total, page and range, as every paged analytics answer gives them. */
function rangeAndPage<T>(
  answer: { rows: T[]; total: number; since: Date; until: Date },
  q: PageQuery,
) {
  return {
    data: answer.rows,
    total: answer.total,
    limit: q.limit,
    offset: q.offset,
    since: answer.since.toISOString(),
    until: answer.until.toISOString(),
  };
}
