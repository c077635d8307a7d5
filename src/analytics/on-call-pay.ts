import type { Kysely } from 'kysely';
import type { AnalyticsConfig, OnCallLimits, PayRules } from '../config.js';
import type { Database } from '../db/schema.js';
import { historyStart } from '../mirror/history.js';
import { HourClassSplitter } from '../time/hour-class-split.js';
import { paySplitter, payZone } from '../mirror/on-call-pay-days.js';
import { PAY_CLASSES, type PayClass } from '../time/working-hours.js';
import { filterWhere, type AnalyticsFilter } from './incident-filter.js';
import {
  INTERRUPTION_COLUMNS,
  emptySpans,
  oncallSpans,
  permanentSpan,
  usersOf,
} from './on-call-spans.js';
import { checkResponderFilter, RESPONDER_QUERY_PROPERTIES } from './responder-metrics.js';
import { unionSpans, type Span } from '../time/spans.js';

// On-call pay and working-time compliance, per person, from the mirror's exact on-call history.
// A person's on-call time is the union of their spans (two policies, two levels or a layer and
// an override at once are paid once), split into pay classes in their own zone; interruptions
// are the interruptions table's (SMS, phone and push merged per incident and user within 60 s),
// each classed by its first notification, paid whether or not the person was on call.
// PagerDuty's own pay report is an estimate: its shift data carry no escalation level and it
// counts overlapping schedules twice.

/** Who pay and compliance are for: a team means its members; a user, one person. */
export type PayFilter = Pick<AnalyticsFilter, 'since' | 'until' | 'teamId' | 'userId'>;

/** Who and when (JSON Schema properties), for the endpoints and the report: a team is its members. */
export const PAY_QUERY_PROPERTIES = {
  since: RESPONDER_QUERY_PROPERTIES.since,
  until: RESPONDER_QUERY_PROPERTIES.until,
  team_id: RESPONDER_QUERY_PROPERTIES.team_id,
  user_id: RESPONDER_QUERY_PROPERTIES.user_id,
} as const;

export interface PayRow {
  user_id: string;
  user_name: string;
  currency: string | null;
  seconds_on_call: number;
  seconds_business: number;
  seconds_off: number;
  seconds_sleep: number;
  seconds_weekend: number;
  seconds_holiday: number;
  interruptions_business: number;
  interruptions_off: number;
  interruptions_sleep: number;
  interruptions_weekend: number;
  interruptions_holiday: number;
  amount: number;
}

/** The fields of a pay row, in the order the answer and the payroll file give them. */
export const PAY_ROW_FIELDS = [
  'user_id',
  'user_name',
  'currency',
  'seconds_on_call',
  ...PAY_CLASSES.map((c) => `seconds_${c}` as const),
  ...PAY_CLASSES.map((c) => `interruptions_${c}` as const),
  'amount',
] as const satisfies readonly (keyof PayRow)[];

const CLASS_MEANING: Record<PayClass, string> = {
  business: 'business hours (BUSINESS_HOURS, default Mon-Fri 08:00-18:00) of a business day',
  off: 'off hours of a business day: neither business nor sleep hours',
  sleep: 'sleep hours (SLEEP_HOURS, default 22:00-08:00) of a business day',
  weekend: 'a day that is not a business day (default Saturday and Sunday), all of it',
  holiday: 'a date in HOLIDAYS, all of it',
};

/** What each field of a pay row means: the OpenAPI descriptions and the report's, once. */
export const PAY_FIELD_DESCRIPTIONS: Record<(typeof PAY_ROW_FIELDS)[number], string> = {
  user_id: 'The PagerDuty user',
  user_name: 'Their name; their id when the mirror never knew them',
  currency: "ONCALL_PAY_RULES' currency; null when it sets none",
  seconds_on_call:
    'On-call seconds in [since, until): the union of the spans from schedules (and of direct escalation-rule targets under "count":"all"), never counted twice across policies, levels or overlapping schedules',
  ...(Object.fromEntries(
    PAY_CLASSES.map((c) => [
      `seconds_${c}`,
      `Of seconds_on_call, those in ${CLASS_MEANING[c]}, in the user's own zone (UTC when PagerDuty gives none)`,
    ]),
  ) as Record<`seconds_${PayClass}`, string>),
  ...(Object.fromEntries(
    PAY_CLASSES.map((c) => [
      `interruptions_${c}`,
      `Interruptions (SMS, phone and push notifications merged per incident and user within 60 s) whose first notification fell in ${CLASS_MEANING[c]}, on call or not`,
    ]),
  ) as Record<`interruptions_${PayClass}`, string>),
  amount:
    'Σ hourly[class]·seconds_class/3600 + Σ per_interruption[class]·interruptions_class, by ONCALL_PAY_RULES, rounded to cents',
};

export interface PayAnswer {
  since: Date;
  until: Date;
  currency: string | null;
  count: PayRules['count'];
  rows: PayRow[];
}

/** Half a cent and up rounds up; the tiny nudge keeps 0.125 * 36 from landing on 4.4999... */
export function roundToCents(amount: number): number {
  return Math.round(amount * 100 + Math.sign(amount) * 1e-7) / 100;
}

/** Σ hourly[c]·seconds_c/3600 + Σ per_interruption[c]·interruptions_c, in cents. */
export function payAmount(
  rules: PayRules,
  seconds: Record<PayClass, number>,
  interruptions: Record<PayClass, number>,
): number {
  let amount = 0;
  for (const c of PAY_CLASSES)
    amount += (rules.hourly[c] * seconds[c]) / 3600 + rules.perInterruption[c] * interruptions[c];
  return roundToCents(amount);
}

/** The range asked for, defaulting as every on-call figure does: the mirror's history to now. */
async function rangeOf(db: Kysely<Database>, filter: PayFilter, now: Date) {
  const until = filter.until ?? now;
  const known = await historyStart(db);
  return { since: filter.since ?? known ?? until, until, known };
}

/** Interruptions that started in [from, to), per user, as start instants. */
async function interruptionTimes(
  db: Kysely<Database>,
  filter: PayFilter,
  from: Date,
  to: Date,
): Promise<Map<string, number[]>> {
  const rows = await db
    .selectFrom('interruptions as i')
    .select(['i.user_id', 'i.started_at'])
    .where((eb) =>
      eb.and(filterWhere(eb, { ...filter, since: from, until: to }, INTERRUPTION_COLUMNS)),
    )
    .execute();
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const t = r.started_at instanceof Date ? r.started_at.getTime() : Date.parse(r.started_at);
    let list = out.get(r.user_id);
    if (!list) out.set(r.user_id, (list = []));
    list.push(t);
  }
  return out;
}

/**
 * Each person's pay over [since, until): everyone with on-call time or an interruption in it,
 * users PagerDuty no longer lists too (classed in UTC, named by id, when the mirror never knew
 * them). By name, then id.
 */
export async function onCallPay(
  db: Kysely<Database>,
  filter: PayFilter,
  now: Date,
  config: AnalyticsConfig,
): Promise<PayAnswer> {
  await checkResponderFilter(db, filter);
  const rules = config.pay;
  const { since, until, known } = await rangeOf(db, filter, now);
  const answer = { since, until, currency: rules.currency, count: rules.count };
  if (since >= until) return { ...answer, rows: [] };
  const [spans, interruptions] = await Promise.all([
    oncallSpans(db, filter, since, until, permanentSpan(since, until, known, now)),
    interruptionTimes(db, filter, since, until),
  ]);
  const ids = [...new Set([...spans.keys(), ...interruptions.keys()])];
  const users = await usersOf(db, ids);
  const splitter = paySplitter(config.hours);
  const rows: PayRow[] = [];
  for (const id of ids) {
    const user = users.get(id);
    const zone = payZone(user?.time_zone);
    const own = spans.get(id) ?? emptySpans();
    const seconds = splitter.empty();
    for (const s of unionSpans(rules.count === 'all' ? own.all : own.scheduled))
      splitter.split(s.start, s.end, zone, seconds);
    const counts = splitter.empty();
    for (const t of interruptions.get(id) ?? []) counts[splitter.classAt(t, zone)] += 1;
    const onCall = PAY_CLASSES.reduce((sum, c) => sum + seconds[c], 0);
    if (onCall === 0 && PAY_CLASSES.every((c) => counts[c] === 0)) continue;
    rows.push({
      user_id: id,
      user_name: user?.name ?? id,
      currency: rules.currency,
      seconds_on_call: onCall,
      seconds_business: seconds.business,
      seconds_off: seconds.off,
      seconds_sleep: seconds.sleep,
      seconds_weekend: seconds.weekend,
      seconds_holiday: seconds.holiday,
      interruptions_business: counts.business,
      interruptions_off: counts.off,
      interruptions_sleep: counts.sleep,
      interruptions_weekend: counts.weekend,
      interruptions_holiday: counts.holiday,
      amount: payAmount(rules, seconds, counts),
    });
  }
  rows.sort(
    (a, b) =>
      a.user_name.localeCompare(b.user_name) ||
      (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0),
  );
  return { ...answer, rows };
}

export const COMPLIANCE_RULES = [
  'max_hours_per_7_days',
  'max_consecutive_days',
  'max_sleep_interruptions_per_7_days',
] as const;
export type ComplianceRule = (typeof COMPLIANCE_RULES)[number];

export interface Breach {
  user_id: string;
  user_name: string;
  rule: ComplianceRule;
  limit: number;
  /** Hours on call, days in a row, or sleep-hour interruptions: more than the limit. */
  observed: number;
  window_start: string;
  window_end: string;
}

const DAY_MS = 24 * 3600 * 1000;
/** How far past the range a run of on-call days is followed, each way. */
export const CONSECUTIVE_DAYS_REACH = 62;

/** The limits as rules, the ones set. */
function rulesOf(limits: OnCallLimits): [ComplianceRule, number][] {
  const out: [ComplianceRule, number][] = [];
  if (limits.maxHoursPer7Days !== undefined)
    out.push(['max_hours_per_7_days', limits.maxHoursPer7Days]);
  if (limits.maxConsecutiveDays !== undefined)
    out.push(['max_consecutive_days', limits.maxConsecutiveDays]);
  if (limits.maxSleepInterruptionsPer7Days !== undefined)
    out.push(['max_sleep_interruptions_per_7_days', limits.maxSleepInterruptionsPer7Days]);
  return out;
}

interface Day {
  start: number;
  end: number;
}

/** Per local day, the seconds of disjoint, ordered spans in it. */
function secondsPerDay(days: readonly Day[], spans: readonly Span[]): number[] {
  const out = days.map(() => 0);
  let j = 0;
  days.forEach((day, i) => {
    while (j < spans.length && (spans[j] as Span).end <= day.start) j += 1;
    for (let k = j; k < spans.length && (spans[k] as Span).start < day.end; k += 1) {
      const s = spans[k] as Span;
      out[i] = (out[i] ?? 0) + (Math.min(s.end, day.end) - Math.max(s.start, day.start)) / 1000;
    }
  });
  return out;
}

/** Per local day, how many of the (ordered) instants fall in it. */
function countPerDay(days: readonly Day[], times: readonly number[]): number[] {
  const out = days.map(() => 0);
  let i = 0;
  for (const t of times) {
    while (i < days.length && (days[i] as Day).end <= t) i += 1;
    if (i < days.length && t >= (days[i] as Day).start) out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

/**
 * Rolling windows of 7 local days (one starting at each local midnight) that overlap the range
 * and exceed `limit`: each run of consecutive breaching windows is one breach, shown by its worst
 * window (the first of equals), so a three-week stretch is one finding, not fifteen.
 */
function sevenDayBreaches(
  days: readonly Day[],
  perDay: readonly number[],
  limit: number,
  range: Day,
  scale: number,
): { observed: number; start: number; end: number }[] {
  const out: { observed: number; start: number; end: number }[] = [];
  let worst: { observed: number; start: number; end: number } | undefined;
  let sum = 0;
  for (let i = 0; i < days.length; i += 1) {
    sum += perDay[i] ?? 0;
    if (i >= 7) sum -= perDay[i - 7] ?? 0;
    if (i < 6) continue;
    const start = (days[i - 6] as Day).start;
    const end = (days[i] as Day).end;
    const observed = sum / scale;
    const overlaps = start < range.end && end > range.start;
    if (overlaps && observed > limit) {
      if (!worst || observed > worst.observed) worst = { observed, start, end };
    } else if (worst) {
      out.push(worst);
      worst = undefined;
    }
  }
  if (worst) out.push(worst);
  return out;
}

/** Runs of local days with on-call time, longer than `limit` days, that overlap the range. */
function consecutiveDayBreaches(
  days: readonly Day[],
  perDay: readonly number[],
  limit: number,
  range: Day,
): { observed: number; start: number; end: number }[] {
  const out: { observed: number; start: number; end: number }[] = [];
  let first = -1;
  for (let i = 0; i <= days.length; i += 1) {
    const on = i < days.length && (perDay[i] ?? 0) > 0;
    if (on && first < 0) first = i;
    if (on || first < 0) continue;
    const start = (days[first] as Day).start;
    const end = (days[i - 1] as Day).end;
    if (i - first > limit && start < range.end && end > range.start)
      out.push({ observed: i - first, start, end });
    first = -1;
  }
  return out;
}

export interface ComplianceAnswer {
  since: Date;
  until: Date;
  limits: Partial<Record<ComplianceRule, number>>;
  rows: Breach[];
}

/**
 * Breaches of ONCALL_LIMITS that overlap [since, until), per person, on scheduled on-call time
 * (a rule's direct target is "always on call" by PagerDuty's reckoning, not by a rota) and on
 * sleep-hour interruptions (SLEEP_HOURS, every day), days in the person's zone. A window or run
 * that overlaps the range is judged whole, time outside the range included: a week that straddles
 * the first of the month is the same week whichever month is asked about; nothing after now
 * counts (the schedules' future is a plan, not working time). By start, then name.
 */
export async function onCallCompliance(
  db: Kysely<Database>,
  filter: PayFilter,
  now: Date,
  config: AnalyticsConfig,
): Promise<ComplianceAnswer> {
  await checkResponderFilter(db, filter);
  const { since, until } = await rangeOf(db, filter, now);
  const rules = rulesOf(config.limits);
  const answer = { since, until, limits: Object.fromEntries(rules) };
  if (since >= until || rules.length === 0) return { ...answer, rows: [] };
  const reach =
    (rules.some(([r]) => r === 'max_consecutive_days') ? CONSECUTIVE_DAYS_REACH : 8) * DAY_MS;
  const from = new Date(since.getTime() - reach);
  // What has happened only: a run of days does not go on into the schedules' future.
  const to = new Date(Math.min(until.getTime() + reach, now.getTime()));
  const [spans, interruptions] = await Promise.all([
    oncallSpans(db, filter, from, to, { start: 0, end: 0 }),
    rules.some(([r]) => r === 'max_sleep_interruptions_per_7_days')
      ? // Interruptions count in 7-day windows only: a week each way is enough.
        interruptionTimes(
          db,
          filter,
          new Date(since.getTime() - 8 * DAY_MS),
          new Date(until.getTime() + 8 * DAY_MS),
        )
      : new Map<string, number[]>(),
  ]);
  const ids = [
    ...new Set([
      ...[...spans].filter(([, s]) => s.scheduled.length > 0).map(([id]) => id),
      ...interruptions.keys(),
    ]),
  ];
  const users = await usersOf(db, ids);
  const hours = new HourClassSplitter(config.hours);
  const range = { start: since.getTime(), end: until.getTime() };
  const rows: Breach[] = [];
  for (const id of ids) {
    const user = users.get(id);
    const zone = payZone(user?.time_zone);
    // Whole local days only: a window must not be judged on a part of a day.
    const days = hours
      .days(from.getTime(), to.getTime(), zone)
      .filter((d) => d.start >= from.getTime() && d.end <= to.getTime());
    const onCall = secondsPerDay(days, unionSpans((spans.get(id) ?? emptySpans()).scheduled));
    const found: [ComplianceRule, number, { observed: number; start: number; end: number }[]][] =
      [];
    for (const [rule, limit] of rules) {
      if (rule === 'max_hours_per_7_days')
        found.push([rule, limit, sevenDayBreaches(days, onCall, limit, range, 3600)]);
      else if (rule === 'max_consecutive_days')
        found.push([rule, limit, consecutiveDayBreaches(days, onCall, limit, range)]);
      else {
        const sleeps = (interruptions.get(id) ?? [])
          .filter((t) => hours.classAt(t, zone) === 'sleep')
          .sort((a, b) => a - b);
        found.push([
          rule,
          limit,
          sevenDayBreaches(days, countPerDay(days, sleeps), limit, range, 1),
        ]);
      }
    }
    for (const [rule, limit, breaches] of found)
      for (const b of breaches)
        rows.push({
          user_id: id,
          user_name: user?.name ?? id,
          rule,
          limit,
          observed: Math.round(b.observed * 10_000) / 10_000,
          window_start: new Date(b.start).toISOString(),
          window_end: new Date(b.end).toISOString(),
        });
  }
  rows.sort(
    (a, b) =>
      a.window_start.localeCompare(b.window_start) ||
      a.user_name.localeCompare(b.user_name) ||
      a.user_id.localeCompare(b.user_id) ||
      COMPLIANCE_RULES.indexOf(a.rule) - COMPLIANCE_RULES.indexOf(b.rule),
  );
  return { ...answer, rows };
}
