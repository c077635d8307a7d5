import type { IncidentMetricsTable } from '../db/schema.js';

// The metric catalog: every metric of PagerDuty's AnalyticsIncidentMetrics and
// AnalyticsResponderMetrics defined once, by its PagerDuty field name, what it means, its unit,
// its rounding and how it is computed from the stored facts (src/mirror/incident-facts.ts). The
// queries' select lists, empty rows and answers, the response schemas, the CSV columns and the
// field order all derive from these lists, so that adding a metric is a fact, a migration and
// one entry here (a metric spelled again elsewhere drifted from its definition).

/** What a metric's value counts; a share is a fraction, 0..1. */
export type MetricUnit = 'count' | 'seconds' | 'percent' | 'share';

/** What every metric says about itself. */
export interface MetricDefinition<Name extends string = string> {
  /** PagerDuty's field name, used as is in the API, the CSV and the docs. */
  name: Name;
  /** Its definition, in PagerDuty's words; it is the API's description of the field. */
  description: string;
  unit: MetricUnit;
  /** Decimal places kept; absent, the value is an integer as aggregated. */
  digits?: number;
  /** Null when there is nothing to measure (no incident acknowledged, never on call…). */
  nullable: boolean;
}

/** The percentiles reported, in percent. */
export const PERCENTILES = [50, 75, 90, 95] as const;
export type Percentile = (typeof PERCENTILES)[number];

/** A per-incident fact: a numeric column of incident_metrics. */
export type IncidentFact = {
  [K in keyof IncidentMetricsTable]: IncidentMetricsTable[K] extends number | null ? K : never;
}[keyof IncidentMetricsTable];

/**
 * A test of an incident's facts that depends on the settings (TRANSIENT_MINUTES,
 * REPEAT_WINDOW_HOURS) or on other incidents, so it is made when the figures are read, never
 * stored: see incident-conditions.ts for each one's SQL.
 */
export type IncidentCondition =
  /** Resolved within TRANSIENT_MINUTES of creation, never acknowledged. */
  | 'transient'
  /** Resolved without any acknowledgement. */
  | 'unacknowledged_resolved'
  /** Transient or resolved unacknowledged: the unactionable candidates. */
  | 'noise'
  /** Another incident of its service with its repeat key created within REPEAT_WINDOW_HOURS before it. */
  | 'repeat';

/** How an incident metric is aggregated from the facts of the incidents of its row. */
export type IncidentAggregation =
  /** The incidents that pass a condition. */
  | { kind: 'count_if'; condition: IncidentCondition }
  /** The share (0..1) of the incidents that pass a condition; null when there are no incidents. */
  | { kind: 'share'; condition: IncidentCondition }
  /** The sum of one fact over the sum of another; null when the second sums to 0. */
  | { kind: 'ratio'; numerator: IncidentFact; denominator: IncidentFact }
  /** The incidents; with `where`, those whose fact is known (not null). */
  | { kind: 'count'; where?: IncidentFact }
  /** The sum of a fact (a 0/1 flag sums to the incidents that have it). */
  | { kind: 'sum'; fact: IncidentFact }
  /** The mean of a fact over the incidents where it is known; null when none. */
  | { kind: 'mean'; fact: IncidentFact }
  /** Exact: linear interpolation between the closest ranks (percentile_cont); null when none. */
  | { kind: 'percentile'; fact: IncidentFact; percentile: Percentile }
  /** The share of the period not covered by an open major incident of the group. */
  | { kind: 'up_time' }
  /** What the REST API cannot tell (null, always): the description says why. */
  | { kind: 'unavailable' };

export interface IncidentMetricDefinition<
  Name extends string = string,
> extends MetricDefinition<Name> {
  aggregate: IncidentAggregation;
}

const MEAN_DIGITS = 3;

/** The incidents of the row; with `where`, those whose fact is known. */
const counted = <Name extends string>(
  name: Name,
  description: string,
  where?: IncidentFact,
): IncidentMetricDefinition<Name> => ({
  name,
  description,
  unit: 'count',
  nullable: false,
  aggregate: where ? { kind: 'count', where } : { kind: 'count' },
});
/** The sum of a fact over the incidents of the row. */
const summed = <Name extends string>(
  name: Name,
  description: string,
  fact: IncidentFact,
  unit: MetricUnit = 'count',
): IncidentMetricDefinition<Name> => ({
  name,
  description,
  unit,
  nullable: false,
  aggregate: { kind: 'sum', fact },
});

/** The mean and the percentiles of a duration fact, named as PagerDuty names them. */
function durations<Fact extends 'seconds_to_first_ack' | 'seconds_to_resolve'>(
  fact: Fact,
  over: string,
): IncidentMetricDefinition<`mean_${Fact}` | `p${Percentile}_${Fact}`>[] {
  const seconds = { unit: 'seconds', digits: MEAN_DIGITS, nullable: true } as const;
  return [
    {
      name: `mean_${fact}`,
      description: `The mean, ${over}; null when none`,
      ...seconds,
      aggregate: { kind: 'mean', fact },
    },
    ...PERCENTILES.map((percentile) => ({
      name: `p${percentile}_${fact}` as const,
      description: `The ${percentile}th percentile, ${over}: exact, by linear interpolation between the closest ranks (PostgreSQL's percentile_cont); null when none`,
      ...seconds,
      aggregate: { kind: 'percentile', fact, percentile } as const,
    })),
  ];
}

const INTERRUPTIONS =
  'Interruptions: notifications by SMS, phone or push (not e-mail); those of one incident to one user less than 60 s after the first of the current interruption belong to it';

/** PagerDuty's AnalyticsIncidentMetrics, in the order the answers give them. */
export const INCIDENT_METRICS = [
  counted('total_incident_count', 'Incidents created in the range that match the filters'),
  counted(
    'total_incidents_acknowledged',
    'Incidents with at least one acknowledge_log_entry',
    'seconds_to_first_ack',
  ),
  summed(
    'total_incidents_auto_resolved',
    'Incidents resolved by a service or an integration rather than a user',
    'auto_resolved',
  ),
  summed(
    'total_incidents_reassigned',
    'Incidents a user reassigned (assign_log_entry by a user) or delegated to another policy',
    'reassigned',
  ),
  summed(
    'total_incidents_manual_escalated',
    'Incidents escalated by hand: an escalate_log_entry whose channel is not timeout',
    'manual_escalated',
  ),
  summed(
    'total_incidents_timeout_escalated',
    'Incidents escalated because nobody acknowledged in time: an escalate_log_entry whose channel is timeout',
    'timeout_escalated',
  ),
  summed('total_escalation_count', 'Every escalate_log_entry', 'escalation_count'),
  ...durations(
    'seconds_to_first_ack',
    'over incidents with an acknowledgement, the first acknowledge_log_entry minus created_at',
  ),
  ...durations(
    'seconds_to_resolve',
    'over resolved incidents, resolved_at (the last resolve) minus created_at',
  ),
  summed('total_notifications', 'Every notify_log_entry, any channel', 'notification_count'),
  summed('total_interruptions', INTERRUPTIONS, 'interruption_count'),
  summed(
    'total_business_hour_interruptions',
    "Interruptions whose first notification fell in business hours (BUSINESS_HOURS, default Mon-Fri 08:00-18:00, not on HOLIDAYS) in the notified user's zone, outside sleep hours",
    'business_hour_interruptions',
  ),
  summed(
    'total_off_hour_interruptions',
    'Interruptions neither in business nor in sleep hours (evenings, weekends, holidays)',
    'off_hour_interruptions',
  ),
  summed(
    'total_sleep_hour_interruptions',
    "Interruptions in sleep hours (SLEEP_HOURS, default 22:00-08:00 every day) in the notified user's zone",
    'sleep_hour_interruptions',
  ),
  summed(
    'total_engaged_seconds',
    'For each user who acknowledged, from their first acknowledgement to the resolve, summed (0 while open)',
    'engaged_seconds',
    'seconds',
  ),
  {
    name: 'mean_engaged_user_count',
    description: 'Users who acknowledged, per incident; null when there are no incidents',
    unit: 'count',
    digits: MEAN_DIGITS,
    nullable: true,
    // engaged_user_count is never null: its mean is over every incident.
    aggregate: { kind: 'mean', fact: 'engaged_user_count' },
  },
  {
    name: 'mean_engaged_seconds',
    description:
      'Engaged time per engaged user: total_engaged_seconds over the users who acknowledged, summed over the incidents; null when nobody acknowledged',
    unit: 'seconds',
    digits: MEAN_DIGITS,
    nullable: true,
    aggregate: { kind: 'ratio', numerator: 'engaged_seconds', denominator: 'engaged_user_count' },
  },
  {
    name: 'mean_seconds_to_mobilize',
    description:
      "From created_at to the last engaged user's first acknowledgement, over incidents with two or more users who acknowledged; null when none",
    unit: 'seconds',
    digits: MEAN_DIGITS,
    nullable: true,
    aggregate: { kind: 'mean', fact: 'seconds_to_mobilize' },
  },
  {
    name: 'mean_seconds_to_engage',
    description:
      "From the first engaged user's first acknowledgement to the last one's, over incidents with two or more users who acknowledged; null when none",
    unit: 'seconds',
    digits: MEAN_DIGITS,
    nullable: true,
    aggregate: { kind: 'mean', fact: 'seconds_to_engage' },
  },
  {
    name: 'mean_assignment_count',
    description:
      'Users assigned per incident, once per assign, escalate or delegate log entry naming them (an accepted responder request is logged as an assignment); null when there are no incidents',
    unit: 'count',
    digits: MEAN_DIGITS,
    nullable: true,
    // assignment_count is never null: its mean is over every incident.
    aggregate: { kind: 'mean', fact: 'assignment_count' },
  },
  summed(
    'total_snoozed_seconds',
    'From each snooze_log_entry to the entry that ends the snooze (unacknowledge, acknowledge, another snooze, an assignment or the resolve), summed; log entries carry no snooze length, so a snooze still running counts once its end is logged',
    'snoozed_seconds',
    'seconds',
  ),
  {
    name: 'mean_user_defined_engaged_seconds',
    description:
      "Always null: PagerDuty's user-defined response effort is edited in its web app and the REST API never returns it",
    unit: 'seconds',
    nullable: true,
    aggregate: { kind: 'unavailable' },
  },
  {
    name: 'total_user_defined_engaged_seconds',
    description:
      "Always null: PagerDuty's user-defined response effort is edited in its web app and the REST API never returns it",
    unit: 'seconds',
    nullable: true,
    aggregate: { kind: 'unavailable' },
  },
  {
    name: 'up_time_pct',
    description:
      'Groups none, service, team and escalation_policy: the percentage of the period not covered by an open major incident of the group (a priority in MAJOR_PRIORITIES, by default the two highest; open incidents cover until now). Null for the other groupings',
    unit: 'percent',
    digits: 4,
    nullable: true,
    aggregate: { kind: 'up_time' },
  },
] as const satisfies readonly IncidentMetricDefinition[];

/** An incident metric's name. */
export type IncidentMetric = (typeof INCIDENT_METRICS)[number]['name'];

/** The count of the incidents of a row that pass a condition. */
const passing = <Name extends string>(
  name: Name,
  description: string,
  condition: IncidentCondition,
): IncidentMetricDefinition<Name> => ({
  name,
  description,
  unit: 'count',
  nullable: false,
  aggregate: { kind: 'count_if', condition },
});

/** Alert noise and incident quality (GET /analytics/noise), aggregated as the incident metrics are. */
export const NOISE_METRICS = [
  counted('total_incident_count', 'Incidents created in the range that match the filters'),
  summed(
    'total_alert_count',
    "The incidents' alerts: each incident's alert_counts.all, summed (incidents PagerDuty gave none for count 0)",
    'alert_count',
  ),
  {
    name: 'mean_alerts_per_incident',
    description:
      'total_alert_count per incident, over the incidents with an alert count; null when none',
    unit: 'count',
    digits: MEAN_DIGITS,
    nullable: true,
    aggregate: { kind: 'mean', fact: 'alert_count' },
  },
  passing(
    'total_transient_incidents',
    'Incidents resolved within TRANSIENT_MINUTES (default 5) of their creation and never acknowledged',
    'transient',
  ),
  summed(
    'total_incidents_auto_resolved',
    'Incidents resolved by a service or an integration rather than a user',
    'auto_resolved',
  ),
  passing(
    'total_unacknowledged_resolved',
    'Resolved incidents nobody acknowledged: the unactionable candidates (transient incidents are among them)',
    'unacknowledged_resolved',
  ),
  passing(
    'total_repeat_incidents',
    'Incidents with another incident of the same service and the same incident_key (without one, the same title with numbers, hex ids, UUIDs, IP addresses and times masked) created within REPEAT_WINDOW_HOURS (default 24) before them; that other incident need not match the filters',
    'repeat',
  ),
  summed(
    'total_reopened_incidents',
    'Incidents resolved, then triggered again (assigned, acknowledged or triggered after a resolve)',
    'reopened',
  ),
  {
    name: 'noise_share',
    description:
      'The share (0..1) of the incidents that are transient or resolved unacknowledged; null when there are no incidents',
    unit: 'share',
    digits: 4,
    nullable: true,
    aggregate: { kind: 'share', condition: 'noise' },
  },
] as const satisfies readonly IncidentMetricDefinition[];

/** A noise metric's name. */
export type NoiseMetric = (typeof NOISE_METRICS)[number]['name'];

/** A responder's facts: the sums over their incident parts and the lengths of their on-call time. */
export interface ResponderFacts {
  /** Incidents created in the range the user was assigned, notified of or acknowledged. */
  incidents: number;
  notifications: number;
  interruptions: number;
  businessInterruptions: number;
  offInterruptions: number;
  sleepInterruptions: number;
  acknowledged: number;
  /** Seconds from first assignment to first acknowledgement, summed, and how many were summed. */
  ttaSum: number;
  ttaN: number;
  engagedSeconds: number;
  /** Incidents handed off from or to the user (see the handoffs in src/mirror/incident-facts.ts). */
  reassignedFrom: number;
  reassignedTo: number;
  manualEscalatedFrom: number;
  manualEscalatedTo: number;
  timeoutEscalatedFrom: number;
  timeoutEscalatedTo: number;
  /** The union of the user's on-call spans, and of those of schedules, level 1, levels 2+. */
  onCallSeconds: number;
  scheduledSeconds: number;
  level1Seconds: number;
  level2Seconds: number;
  /** The on-call union split into hour classes in the user's zone. */
  businessSeconds: number;
  offSeconds: number;
  sleepSeconds: number;
}

/** The facts of a user with no part in any incident and never on call. */
export const NO_RESPONDER_FACTS: Readonly<ResponderFacts> = {
  incidents: 0,
  notifications: 0,
  interruptions: 0,
  businessInterruptions: 0,
  offInterruptions: 0,
  sleepInterruptions: 0,
  acknowledged: 0,
  ttaSum: 0,
  ttaN: 0,
  engagedSeconds: 0,
  reassignedFrom: 0,
  reassignedTo: 0,
  manualEscalatedFrom: 0,
  manualEscalatedTo: 0,
  timeoutEscalatedFrom: 0,
  timeoutEscalatedTo: 0,
  onCallSeconds: 0,
  scheduledSeconds: 0,
  level1Seconds: 0,
  level2Seconds: 0,
  businessSeconds: 0,
  offSeconds: 0,
  sleepSeconds: 0,
};

export interface ResponderMetricDefinition<
  Name extends string = string,
  Nullable extends boolean = boolean,
> extends MetricDefinition<Name> {
  nullable: Nullable;
  /** The value from the responder's facts, before rounding to `digits`. */
  value: (facts: ResponderFacts) => Nullable extends true ? number | null : number;
}

const WEEK_SECONDS = 7 * 24 * 3600;
const PER_USER_ZONE =
  "in the user's own zone (their PagerDuty time_zone, else ANALYTICS_TIME_ZONE) with BUSINESS_HOURS, SLEEP_HOURS and HOLIDAYS";

/** A metric that is one of the responder's facts as it stands. */
const fact = <Name extends string>(
  name: Name,
  description: string,
  key: keyof ResponderFacts,
  rounding: Pick<MetricDefinition, 'unit' | 'digits'> = { unit: 'count' },
): ResponderMetricDefinition<Name, false> => ({
  name,
  description,
  ...rounding,
  nullable: false,
  value: (f) => f[key],
});
/** On-call seconds, to the millisecond. */
const ON_CALL = { unit: 'seconds', digits: MEAN_DIGITS } as const;
/** A ratio of the responder's facts, null where its denominator is 0. */
const ratio = <Name extends string>(
  name: Name,
  description: string,
  unit: MetricUnit,
  value: (facts: ResponderFacts) => number | null,
): ResponderMetricDefinition<Name, true> => ({
  name,
  description,
  unit,
  digits: MEAN_DIGITS,
  nullable: true,
  value,
});

/** PagerDuty's AnalyticsResponderMetrics, in the order the answers give them. */
export const RESPONDER_METRICS = [
  fact(
    'total_incident_count',
    'Incidents created in [since, until) this user was assigned, notified of or acknowledged',
    'incidents',
  ),
  fact(
    'total_notifications',
    'notify_log_entry records for this user, any channel',
    'notifications',
  ),
  fact('total_interruptions', INTERRUPTIONS, 'interruptions'),
  fact(
    'total_business_hour_interruptions',
    `Interruptions in business hours, ${PER_USER_ZONE}`,
    'businessInterruptions',
  ),
  fact(
    'total_off_hour_interruptions',
    `Interruptions in off hours, ${PER_USER_ZONE}`,
    'offInterruptions',
  ),
  fact(
    'total_sleep_hour_interruptions',
    `Interruptions in sleep hours, ${PER_USER_ZONE}`,
    'sleepInterruptions',
  ),
  fact('total_incidents_acknowledged', 'Incidents this user acknowledged', 'acknowledged'),
  ratio(
    'mean_time_to_acknowledge_seconds',
    "From the user's first assignment to an incident to their first acknowledgement of it, over the incidents they acknowledged after being assigned; null when none",
    'seconds',
    (f) => (f.ttaN > 0 ? f.ttaSum / f.ttaN : null),
  ),
  fact(
    'total_engaged_seconds',
    "From the user's first acknowledgement of each incident to its resolve (0 while open), summed",
    'engagedSeconds',
    { unit: 'seconds' },
  ),
  ratio(
    'mean_engaged_seconds',
    'total_engaged_seconds per incident of total_incident_count',
    'seconds',
    (f) => (f.incidents > 0 ? f.engagedSeconds / f.incidents : null),
  ),
  fact(
    'total_incidents_manual_escalated_from',
    "The user's assigned incidents escalated by hand away from them before they acknowledged",
    'manualEscalatedFrom',
  ),
  fact(
    'total_incidents_manual_escalated_to',
    'Incidents escalated by hand to the user',
    'manualEscalatedTo',
  ),
  fact(
    'total_incidents_reassigned_from',
    "The user's assigned incidents a user reassigned (or delegated) away from them",
    'reassignedFrom',
  ),
  fact('total_incidents_reassigned_to', 'Incidents a user reassigned to the user', 'reassignedTo'),
  fact(
    'total_incidents_timeout_escalated_from',
    "The user's assigned incidents escalated away from them because nobody acknowledged in time",
    'timeoutEscalatedFrom',
  ),
  fact(
    'total_incidents_timeout_escalated_to',
    'Incidents escalated to the user because nobody acknowledged in time',
    'timeoutEscalatedTo',
  ),
  fact(
    'total_seconds_on_call',
    "PagerDuty's total_seconds_on_call: the union of the on-call spans (/oncalls, every escalation policy and level; overlapping shifts count once) within [since, until), in which a user targeted directly by an escalation rule is on call all the time (see direct_targets)",
    'onCallSeconds',
    ON_CALL,
  ),
  fact(
    'total_seconds_on_call_scheduled',
    'The union of the on-call spans that come from schedules (rotations, overrides) within [since, until): total_seconds_on_call without the direct escalation-rule targets',
    'scheduledSeconds',
    ON_CALL,
  ),
  fact(
    'total_seconds_on_call_level_1',
    'The same, of the spans at escalation level 1',
    'level1Seconds',
    ON_CALL,
  ),
  fact(
    'total_seconds_on_call_level_2_plus',
    'The same, of the spans at levels 2 and beyond (time on level 1 and level 2 at once counts in both)',
    'level2Seconds',
    ON_CALL,
  ),
  fact(
    'total_business_hour_seconds_on_call',
    `Of total_seconds_on_call, in business hours, ${PER_USER_ZONE}`,
    'businessSeconds',
    ON_CALL,
  ),
  fact(
    'total_off_hour_seconds_on_call',
    'Of total_seconds_on_call, in off hours',
    'offSeconds',
    ON_CALL,
  ),
  fact(
    'total_sleep_hour_seconds_on_call',
    'Of total_seconds_on_call, in sleep hours',
    'sleepSeconds',
    ON_CALL,
  ),
  ratio(
    'sleep_hour_interruptions_per_7_days_on_call',
    'total_sleep_hour_interruptions per 604,800 seconds of total_seconds_on_call; null when never on call',
    'count',
    (f) => (f.onCallSeconds > 0 ? (f.sleepInterruptions * WEEK_SECONDS) / f.onCallSeconds : null),
  ),
] as const satisfies readonly ResponderMetricDefinition[];

/** A responder metric's name. */
export type ResponderMetric = (typeof RESPONDER_METRICS)[number]['name'];

/** A responder's metrics, typed as the catalog defines them (null only where it may be). */
export type ResponderMetricValues = {
  [M in (typeof RESPONDER_METRICS)[number] as M['name']]: M['nullable'] extends true
    ? number | null
    : number;
};

/** Rounds to a metric's digits (means to 3 decimals, up_time_pct to 4); integers stay as they are. */
export function roundMetric(definition: MetricDefinition, value: number): number {
  if (definition.digits === undefined) return value;
  const scale = 10 ** definition.digits;
  return Math.round(value * scale) / scale;
}

/** A responder's metrics from their facts, in catalog order, rounded. */
export function responderMetricValues(facts: ResponderFacts): ResponderMetricValues {
  const values: Record<string, number | null> = {};
  for (const metric of RESPONDER_METRICS) {
    const value = metric.value(facts);
    values[metric.name] = value === null ? null : roundMetric(metric, value);
  }
  return values as ResponderMetricValues;
}
