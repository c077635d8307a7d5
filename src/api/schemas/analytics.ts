import type { FromSchema } from 'json-schema-to-ts';
import { AGGREGATE_UNITS, METRIC_GROUPS } from '../../analytics/analytics-request.js';
import { METRICS_QUERY_PROPERTIES } from '../../analytics/incident-metrics.js';
import { NOISE_REPEATS_QUERY_PROPERTIES } from '../../analytics/noise-repeats.js';
import {
  RESPONDER_METRIC_FIELDS,
  RESPONDER_QUERY_PROPERTIES,
} from '../../analytics/responder-metrics.js';
import {
  INCIDENT_METRICS,
  NOISE_METRICS,
  RESPONDER_METRICS,
  type MetricDefinition,
} from '../../analytics/metric-catalog.js';
import { ON_CALL_BASES } from '../../analytics/on-call-load.js';
import {
  arr,
  FILTER_QUERY,
  int,
  nullableStr,
  PAGINATION_QUERY,
  querySchema,
  str,
} from './common.js';

type MetricProperty = { type: 'integer' | 'number' | ['number', 'null']; description: string };

/**
 * The response properties of a catalog's metrics, in its order: an integer as aggregated, a
 * number where rounded, and null allowed where the catalog says the metric may be.
 */
function metricProperties<Name extends string>(
  catalog: readonly MetricDefinition<Name>[],
): Record<Name, MetricProperty> {
  return Object.fromEntries(
    catalog.map((m) => [
      m.name,
      {
        type: m.nullable ? ['number', 'null'] : m.digits === undefined ? 'integer' : 'number',
        description: m.description,
      },
    ]),
  ) as Record<Name, MetricProperty>;
}

/** The metrics of a row, with PagerDuty's names (AnalyticsIncidentMetrics) and their definitions. */
export const INCIDENT_METRICS_FIELDS = metricProperties(INCIDENT_METRICS);

const GROUP_FIELDS = {
  range_start: str(
    'With aggregate_unit: the start of the period, local midnight in time_zone, with its offset',
  ),
  service_id: { type: ['string', 'null'] },
  service_name: { type: ['string', 'null'] },
  team_id: { type: ['string', 'null'], description: 'An incident of several teams counts in each' },
  team_name: { type: ['string', 'null'] },
  escalation_policy_id: { type: ['string', 'null'] },
  escalation_policy_name: { type: ['string', 'null'] },
  urgency: { type: ['string', 'null'] },
  priority_id: { type: ['string', 'null'] },
  priority_name: { type: ['string', 'null'] },
} as const;

export const INCIDENT_METRICS_QUERY = querySchema({
  ...FILTER_QUERY,
  ...METRICS_QUERY_PROPERTIES,
});

/** The answer of a catalog's metrics per group and period: rows, and how they were asked for. */
const metricsResponse = <Fields extends Record<string, MetricProperty>, Extra extends object>(
  fields: Fields,
  extra: Extra,
) =>
  ({
    type: 'object',
    required: ['data', 'group_by', 'aggregate_unit', 'time_zone', ...Object.keys(extra)],
    properties: {
      data: arr({
        type: 'object',
        required: Object.keys(fields),
        properties: { ...GROUP_FIELDS, ...fields },
      }),
      group_by: { type: 'string', enum: [...METRIC_GROUPS] },
      aggregate_unit: { type: ['string', 'null'], enum: [...AGGREGATE_UNITS, null] },
      time_zone: str(),
      notes: {
        ...arr(str()),
        description:
          'How to read the rows, when it is not obvious: with group_by=team, an incident of a service with several teams counts once per team',
      },
      ...extra,
    },
  }) as const;

export const INCIDENT_METRICS_RESPONSE = metricsResponse(INCIDENT_METRICS_FIELDS, {});

/** The noise figures of a row (GET /analytics/noise), with their definitions. */
export const NOISE_METRICS_FIELDS = metricProperties(NOISE_METRICS);

export const NOISE_METRICS_RESPONSE = metricsResponse(NOISE_METRICS_FIELDS, {
  transient_minutes: int('TRANSIENT_MINUTES: the settings the figures were computed with'),
  repeat_window_hours: int('REPEAT_WINDOW_HOURS'),
});

export const NOISE_REPEATS_QUERY = querySchema({
  ...FILTER_QUERY,
  ...NOISE_REPEATS_QUERY_PROPERTIES,
  ...PAGINATION_QUERY,
});

export const NOISE_REPEATS_RESPONSE = {
  type: 'object',
  required: ['data', 'total', 'limit', 'offset', 'repeat_window_hours'],
  properties: {
    data: arr({
      type: 'object',
      required: [
        'service_id',
        'service_name',
        'repeat_key',
        'repeat_key_source',
        'incident_count',
        'repeat_incident_count',
        'first_seen_at',
        'last_seen_at',
        'off_hour_interruptions',
        'sleep_hour_interruptions',
        'off_hour_interruption_share',
        'sleep_hour_interruption_share',
      ],
      properties: {
        service_id: str(),
        service_name: nullableStr,
        repeat_key: str(
          'The incident_key, or the title with numbers, hex ids, UUIDs, IP addresses and times masked',
        ),
        repeat_key_source: { type: 'string', enum: ['incident_key', 'title'] },
        incident_count: int('Incidents created in the range with this key'),
        repeat_incident_count: int(
          'Of those, the repeats: another incident of the service with the key was created within REPEAT_WINDOW_HOURS before',
        ),
        first_seen_at: { type: ['string', 'null'], description: 'The first of those incidents' },
        last_seen_at: { type: ['string', 'null'], description: 'The last of those incidents' },
        off_hour_interruptions: int('Off-hour interruptions these incidents caused'),
        sleep_hour_interruptions: int('Sleep-hour interruptions these incidents caused'),
        off_hour_interruption_share: {
          type: ['number', 'null'],
          description:
            "Their part (0..1) of the service's off-hour interruptions by the incidents matched; null when it has none",
        },
        sleep_hour_interruption_share: {
          type: ['number', 'null'],
          description: "The same, of the service's sleep-hour interruptions",
        },
      },
    }),
    total: int('Repeating alerts in all pages'),
    limit: int(),
    offset: int(),
    repeat_window_hours: int('REPEAT_WINDOW_HOURS'),
  },
} as const;

/** A responder's figures, with PagerDuty's names (AnalyticsResponderMetrics) and their definitions. */
export const RESPONDER_METRICS_FIELDS = metricProperties(RESPONDER_METRICS);

export const RESPONDER_METRICS_QUERY = querySchema({
  ...RESPONDER_QUERY_PROPERTIES,
  ...PAGINATION_QUERY,
});

const DIRECT_TARGET = {
  type: 'object',
  required: ['escalation_policy_id', 'escalation_policy_name', 'escalation_level'],
  properties: {
    escalation_policy_id: str(),
    escalation_policy_name: nullableStr,
    escalation_level: int('1 for the first rule'),
  },
} as const;

const DIRECT_TARGETS = {
  ...arr(DIRECT_TARGET),
  description:
    'The escalation rules that target this user directly, not through a schedule: PagerDuty counts the user on call there all the time',
} as const;

export const RESPONDER_ROW = {
  type: 'object',
  required: [
    'responder_id',
    'responder_name',
    'time_zone',
    'team_ids',
    ...RESPONDER_METRIC_FIELDS,
    'direct_targets',
  ],
  properties: {
    responder_id: str(),
    responder_name: str(),
    time_zone: str('The zone the hour classes were placed in'),
    team_ids: arr(str()),
    ...RESPONDER_METRICS_FIELDS,
    direct_targets: DIRECT_TARGETS,
  },
} as const;

export const RESPONDER_METRICS_RESPONSE = {
  type: 'object',
  required: ['data', 'total', 'limit', 'offset', 'since', 'until', 'sort'],
  properties: {
    data: arr(RESPONDER_ROW),
    total: int('Responders in all pages'),
    limit: int(),
    offset: int(),
    since: str('The range the figures cover'),
    until: str(),
    sort: str(),
  },
} as const;

export const ON_CALL_LOAD_QUERY = querySchema({
  since: RESPONDER_QUERY_PROPERTIES.since,
  until: RESPONDER_QUERY_PROPERTIES.until,
  basis: {
    type: 'string',
    enum: [...ON_CALL_BASES],
    default: 'scheduled',
    description:
      "The on-call seconds shares and Gini are of: scheduled (from schedules), or all (PagerDuty's total_seconds_on_call, direct targets always on call)",
  },
});

const giniField = (of: string) =>
  ({
    type: ['number', 'null'],
    description: `Gini coefficient of the members' ${of}: 0 when shared evenly, toward 1 when one member carries it all; null when there is none`,
  }) as const;

const share = (of: string) =>
  ({
    type: ['number', 'null'],
    description: `This member's part of the team's ${of}, 0..1; null when the team has none`,
  }) as const;

export const ON_CALL_LOAD_RESPONSE = {
  type: 'object',
  required: [
    'team_id',
    'team_name',
    'since',
    'until',
    'basis',
    'members',
    'direct_targets',
    'gini_seconds_on_call',
    'gini_sleep_hour_interruptions',
  ],
  properties: {
    team_id: str(),
    team_name: str(),
    since: str(),
    until: str(),
    members: arr({
      type: 'object',
      required: [
        'responder_id',
        'responder_name',
        'total_seconds_on_call',
        'total_seconds_on_call_scheduled',
        'on_call_share',
        'total_sleep_hour_interruptions',
        'sleep_hour_interruption_share',
      ],
      properties: {
        responder_id: str(),
        responder_name: str(),
        total_seconds_on_call: RESPONDER_METRICS_FIELDS.total_seconds_on_call,
        total_seconds_on_call_scheduled: RESPONDER_METRICS_FIELDS.total_seconds_on_call_scheduled,
        on_call_share: share('on-call seconds (of the basis)'),
        total_sleep_hour_interruptions: RESPONDER_METRICS_FIELDS.total_sleep_hour_interruptions,
        sleep_hour_interruption_share: share('sleep-hour interruptions'),
      },
    }),
    basis: { type: 'string', enum: [...ON_CALL_BASES] },
    direct_targets: {
      ...arr({
        type: 'object',
        required: ['responder_id', 'responder_name', ...DIRECT_TARGET.required],
        properties: { responder_id: str(), responder_name: str(), ...DIRECT_TARGET.properties },
      }),
      description:
        'Members an escalation rule targets directly: always on call as a direct target of that policy, at that level; their scheduled seconds leave it out',
    },
    gini_seconds_on_call: giniField('on-call seconds (of the basis)'),
    gini_sleep_hour_interruptions: giniField('sleep-hour interruptions'),
  },
} as const;

const { sort: _sort, ...RESPONDER_FILTER_QUERY } = RESPONDER_QUERY_PROPERTIES;
export const HEATMAP_QUERY = querySchema({
  ...RESPONDER_FILTER_QUERY,
  time_zone: METRICS_QUERY_PROPERTIES.time_zone,
});

export const HEATMAP_RESPONSE = {
  type: 'object',
  required: ['data', 'time_zone', 'since', 'until'],
  properties: {
    data: arr({
      type: 'object',
      required: ['weekday', 'hour', 'interruptions'],
      properties: {
        weekday: int('ISO weekday in time_zone: 1 Monday .. 7 Sunday'),
        hour: int('Local hour, 0..23'),
        interruptions: int(
          'Interruptions that started in this hour of the week, in [since, until)',
        ),
      },
    }),
    time_zone: str(),
    since: str(),
    until: str(),
  },
} as const;

// The query types the routes take, derived from the schemas above: what ajv lets through
// (defaults applied) is what the handler is typed to get.
export type IncidentMetricsQuery = FromSchema<typeof INCIDENT_METRICS_QUERY>;
export type NoiseRepeatsQuery = FromSchema<typeof NOISE_REPEATS_QUERY>;
export type ResponderMetricsQuery = FromSchema<typeof RESPONDER_METRICS_QUERY>;
export type OnCallLoadQuery = FromSchema<typeof ON_CALL_LOAD_QUERY>;
export type HeatmapQuery = FromSchema<typeof HEATMAP_QUERY>;
