import type { AnalyticsConfig } from '../config.js';
import { ValidationError } from '../errors.js';
import { DateInputError, parseOptionalInstant } from '../time/dates.js';
import { isTimeZone } from '../time/zones.js';
import type { AnalyticsFilter, IncidentStatus, URGENCIES } from './incident-filter.js';

// The one parser of an analytics request, whichever route or report it comes from: the range,
// the filter, the grouping, the unit and the zone, each checked once, a bad one a 400 naming its
// query parameter. The routes' schemas (src/api/schemas/) check the shapes first, and their
// TypeScript types, derived from those schemas, fit AnalyticsQuery.

/** How the incident metrics may be grouped: one row for all, or per one of these. */
export const METRIC_GROUPS = [
  'none',
  'service',
  'team',
  'escalation_policy',
  'urgency',
  'priority',
] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];
/** The periods a request may ask rows for (weeks from Monday), in its zone. */
export const AGGREGATE_UNITS = ['day', 'week', 'month'] as const;
export type AggregateUnit = (typeof AGGREGATE_UNITS)[number];

/** An analytics request's query parameters, as the routes' schemas let them through. */
export interface AnalyticsQuery {
  since?: string | undefined;
  until?: string | undefined;
  service_id?: readonly string[] | undefined;
  team_id?: readonly string[] | undefined;
  urgency?: readonly (typeof URGENCIES)[number][] | undefined;
  status?: readonly IncidentStatus[] | undefined;
  priority_id?: string | undefined;
  user_id?: string | undefined;
  group_by?: string | undefined;
  aggregate_unit?: string | undefined;
  time_zone?: string | undefined;
}

/** An analytics request, checked: what every query of src/analytics/ takes. */
export interface AnalyticsRequest {
  filter: AnalyticsFilter;
  groupBy: MetricGroup;
  unit: AggregateUnit | undefined;
  /** The IANA zone of the periods and of the answer's local times. */
  zone: string;
}

const invalid = (name: string, reason: string) =>
  new ValidationError(`invalid querystring parameter '${name}': ${reason}`, name);

function queryDate(raw: string | undefined, name: string): Date | undefined {
  try {
    return parseOptionalInstant(raw, name);
  } catch (error) {
    if (!(error instanceof DateInputError)) throw error;
    throw invalid(name, error.reason);
  }
}

/** A request's since and until; malformed, or until not after since, is a 400 naming it. */
export function parseRange(query: { since?: string | undefined; until?: string | undefined }): {
  since: Date | undefined;
  until: Date | undefined;
} {
  const since = queryDate(query.since, 'since');
  const until = queryDate(query.until, 'until');
  if (since && until && since >= until) throw invalid('until', 'must be after since');
  return { since, until };
}

const distinct = <T>(list: readonly T[] | undefined): T[] | undefined =>
  list?.length ? [...new Set(list)] : undefined;

/** The filter of a request: the range, and each list "any of", repeated values once. */
export function parseAnalyticsFilter(query: AnalyticsQuery): AnalyticsFilter {
  const { since, until } = parseRange(query);
  const filter: AnalyticsFilter = {};
  if (since) filter.since = since;
  if (until) filter.until = until;
  const serviceId = distinct(query.service_id);
  if (serviceId) filter.serviceId = serviceId;
  const teamId = distinct(query.team_id);
  if (teamId) filter.teamId = teamId;
  const urgency = distinct(query.urgency);
  if (urgency) filter.urgency = urgency;
  const status = distinct(query.status);
  if (status) filter.status = status;
  if (query.priority_id) filter.priorityId = query.priority_id;
  if (query.user_id) filter.userId = query.user_id;
  return filter;
}

/** The zone of a request's periods: `time_zone`, else ANALYTICS_TIME_ZONE. */
export function parseTimeZone(raw: string | undefined, config: AnalyticsConfig): string {
  const zone = raw || config.timeZone;
  if (!isTimeZone(zone))
    throw invalid('time_zone', 'must be an IANA time zone such as America/New_York');
  return zone;
}

/** The whole request: filter, grouping, unit and zone. */
export function parseAnalyticsRequest(
  query: AnalyticsQuery,
  config: AnalyticsConfig,
): AnalyticsRequest {
  const groupBy = query.group_by ?? 'none';
  if (!(METRIC_GROUPS as readonly string[]).includes(groupBy))
    throw invalid('group_by', `must be one of ${METRIC_GROUPS.join(', ')}`);
  const unit = query.aggregate_unit;
  if (unit !== undefined && unit !== '' && !(AGGREGATE_UNITS as readonly string[]).includes(unit))
    throw invalid('aggregate_unit', `must be one of ${AGGREGATE_UNITS.join(', ')}`);
  const zone = parseTimeZone(query.time_zone, config);
  return {
    filter: parseAnalyticsFilter(query),
    groupBy: groupBy as MetricGroup,
    unit: unit ? (unit as AggregateUnit) : undefined,
    zone,
  };
}
