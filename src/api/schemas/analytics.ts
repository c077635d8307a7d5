import {
  AGGREGATE_UNITS,
  METRIC_GROUPS,
  METRICS_QUERY_PROPERTIES,
} from '../../analytics/incident-metrics.js';
import {
  RESPONDER_METRIC_FIELDS,
  RESPONDER_QUERY_PROPERTIES,
} from '../../analytics/responder-metrics.js';
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

const count = (description: string) => ({ type: 'integer', description }) as const;
const seconds = (description: string) => ({ type: ['number', 'null'], description }) as const;
const ack =
  'over incidents with an acknowledgement, the first acknowledge_log_entry minus created_at';
const resolve = 'over resolved incidents, resolved_at (the last resolve) minus created_at';
const percentile = (p: number, of: string) =>
  seconds(
    `The ${p}th percentile, ${of}: exact, by linear interpolation between the closest ranks (PostgreSQL's percentile_cont); null when none`,
  );

/** The metrics of a row, with PagerDuty's names (AnalyticsIncidentMetrics) and their definitions. */
export const INCIDENT_METRICS_FIELDS = {
  total_incident_count: count('Incidents created in the range that match the filters'),
  total_incidents_acknowledged: count('Incidents with at least one acknowledge_log_entry'),
  total_incidents_auto_resolved: count(
    'Incidents resolved by a service or an integration rather than a user',
  ),
  total_incidents_reassigned: count(
    'Incidents a user reassigned (assign_log_entry by a user) or delegated to another policy',
  ),
  total_incidents_manual_escalated: count(
    'Incidents escalated by hand: an escalate_log_entry whose channel is not timeout',
  ),
  total_incidents_timeout_escalated: count(
    'Incidents escalated because nobody acknowledged in time: an escalate_log_entry whose channel is timeout',
  ),
  total_escalation_count: count('Every escalate_log_entry'),
  mean_seconds_to_first_ack: seconds(`The mean, ${ack}; null when none`),
  p50_seconds_to_first_ack: percentile(50, ack),
  p75_seconds_to_first_ack: percentile(75, ack),
  p90_seconds_to_first_ack: percentile(90, ack),
  p95_seconds_to_first_ack: percentile(95, ack),
  mean_seconds_to_resolve: seconds(`The mean, ${resolve}; null when none`),
  p50_seconds_to_resolve: percentile(50, resolve),
  p75_seconds_to_resolve: percentile(75, resolve),
  p90_seconds_to_resolve: percentile(90, resolve),
  p95_seconds_to_resolve: percentile(95, resolve),
  total_notifications: count('Every notify_log_entry, any channel'),
  total_interruptions: count(
    'Interruptions: notifications by SMS, phone or push (not e-mail); those of one incident to one user less than 60 s after the first of the current interruption belong to it',
  ),
  total_business_hour_interruptions: count(
    "Interruptions whose first notification fell in business hours (BUSINESS_HOURS, default Mon-Fri 08:00-18:00, not on HOLIDAYS) in the notified user's zone, outside sleep hours",
  ),
  total_off_hour_interruptions: count(
    'Interruptions neither in business nor in sleep hours (evenings, weekends, holidays)',
  ),
  total_sleep_hour_interruptions: count(
    "Interruptions in sleep hours (SLEEP_HOURS, default 22:00-08:00 every day) in the notified user's zone",
  ),
  total_engaged_seconds: {
    type: 'integer',
    description:
      'For each user who acknowledged, from their first acknowledgement to the resolve, summed (0 while open)',
  },
  mean_engaged_user_count: seconds(
    'Users who acknowledged, per incident; null when there are no incidents',
  ),
  up_time_pct: {
    type: ['number', 'null'],
    description:
      'Groups none, service, team and escalation_policy: the percentage of the period not covered by an open major incident of the group (a priority in MAJOR_PRIORITIES, by default the two highest; open incidents cover until now). Null for the other groupings',
  },
} as const;

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

export const INCIDENT_METRICS_RESPONSE = {
  type: 'object',
  required: ['data', 'group_by', 'aggregate_unit', 'time_zone'],
  properties: {
    data: arr({
      type: 'object',
      required: Object.keys(INCIDENT_METRICS_FIELDS),
      properties: { ...GROUP_FIELDS, ...INCIDENT_METRICS_FIELDS },
    }),
    group_by: { type: 'string', enum: [...METRIC_GROUPS] },
    aggregate_unit: { type: ['string', 'null'], enum: [...AGGREGATE_UNITS, null] },
    time_zone: str(),
    notes: {
      ...arr(str()),
      description:
        'How to read the rows, when it is not obvious: with group_by=team, an incident of a service with several teams counts once per team',
    },
  },
} as const;

const secs = (description: string) => ({ type: 'number', description }) as const;
const perUserTz =
  "in the user's own zone (their PagerDuty time_zone, else ANALYTICS_TIME_ZONE) with BUSINESS_HOURS, SLEEP_HOURS and HOLIDAYS";

/** A responder's figures, with PagerDuty's names (AnalyticsResponderMetrics) and their definitions. */
export const RESPONDER_METRICS_FIELDS = {
  total_incident_count: count(
    'Incidents created in [since, until) this user was assigned, notified of or acknowledged',
  ),
  total_notifications: count('notify_log_entry records for this user, any channel'),
  total_interruptions: INCIDENT_METRICS_FIELDS.total_interruptions,
  total_business_hour_interruptions: count(`Interruptions in business hours, ${perUserTz}`),
  total_off_hour_interruptions: count(`Interruptions in off hours, ${perUserTz}`),
  total_sleep_hour_interruptions: count(`Interruptions in sleep hours, ${perUserTz}`),
  total_incidents_acknowledged: count('Incidents this user acknowledged'),
  mean_time_to_acknowledge_seconds: seconds(
    "From the user's first assignment to an incident to their first acknowledgement of it, over the incidents they acknowledged after being assigned; null when none",
  ),
  total_engaged_seconds: count(
    "From the user's first acknowledgement of each incident to its resolve (0 while open), summed",
  ),
  mean_engaged_seconds: seconds('total_engaged_seconds per incident of total_incident_count'),
  total_seconds_on_call: secs(
    "PagerDuty's total_seconds_on_call: the union of the on-call spans (/oncalls, every escalation policy and level; overlapping shifts count once) within [since, until), in which a user targeted directly by an escalation rule is on call all the time (see direct_targets)",
  ),
  total_seconds_on_call_scheduled: secs(
    'The union of the on-call spans that come from schedules (rotations, overrides) within [since, until): total_seconds_on_call without the direct escalation-rule targets',
  ),
  total_seconds_on_call_level_1: secs('The same, of the spans at escalation level 1'),
  total_seconds_on_call_level_2_plus: secs(
    'The same, of the spans at levels 2 and beyond (time on level 1 and level 2 at once counts in both)',
  ),
  total_business_hour_seconds_on_call: secs(
    `Of total_seconds_on_call, in business hours, ${perUserTz}`,
  ),
  total_off_hour_seconds_on_call: secs(`Of total_seconds_on_call, in off hours`),
  total_sleep_hour_seconds_on_call: secs(`Of total_seconds_on_call, in sleep hours`),
  sleep_hour_interruptions_per_7_days_on_call: seconds(
    'total_sleep_hour_interruptions per 604,800 seconds of total_seconds_on_call; null when never on call',
  ),
} as const;

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

const share = (of: string) =>
  ({
    type: ['number', 'null'],
    description: `This member's part of the team's ${of}, 0..1; null when the team has none`,
  }) as const;
const giniField = (of: string) =>
  ({
    type: ['number', 'null'],
    description: `Gini coefficient of the members' ${of}: 0 when shared evenly, toward 1 when one member carries it all; null when there is none`,
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
