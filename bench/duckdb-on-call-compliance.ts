// The DuckDB anchor of on-call compliance (issue 27): GET /analytics/on-call-compliance answered
// in DuckDB's SQL from the responders' tables and the interruptions: each person's scheduled
// union (the responders' gaps and islands) cut into their local days, rolling 7-day sums by
// window function, runs of breaching windows and of on-call days by gaps and islands, each run's
// worst window. Shared code, as in the pay anchor: the local days of each zone (start and end,
// DST included) and whether an interruption fell in sleep hours come from the project's
// HourClassSplitter, because DuckDB's zone support (ICU) cannot be downloaded here; they are
// handed to DuckDB as tables, timed within its answer and printed apart.
import type { DuckDBConnection } from '@duckdb/node-api';
import { CONSECUTIVE_DAYS_REACH } from '../src/analytics/on-call-pay.js';
import type { AnalyticsConfig } from '../src/config.js';
import { payZone } from '../src/mirror/on-call-pay-days.js';
import type { HourClassSplitter } from '../src/time/hour-class-split.js';
import { tally } from './duckdb-anchor-lines.js';
import { islandsSql, rangeQuestion, spansCte, type Range } from './duckdb-responders.js';

const DAY_MS = 24 * 3600 * 1000;
const SCHEDULED = "coalesce(schedule_id, '') <> ''";

/** The question of a compliance URL: its range (the anchor answers since and until only). */
export const complianceQuestion = (url: string) =>
  rangeQuestion(url, '/analytics/on-call-compliance');

/** The limits set, by the rule names of the answer. */
function limitsOf(config: AnalyticsConfig): Record<string, number> {
  const { maxHoursPer7Days, maxConsecutiveDays, maxSleepInterruptionsPer7Days } = config.limits;
  const limits: Record<string, number> = {};
  if (maxHoursPer7Days !== undefined) limits['max_hours_per_7_days'] = maxHoursPer7Days;
  if (maxConsecutiveDays !== undefined) limits['max_consecutive_days'] = maxConsecutiveDays;
  if (maxSleepInterruptionsPer7Days !== undefined)
    limits['max_sleep_interruptions_per_7_days'] = maxSleepInterruptionsPer7Days;
  return limits;
}

/**
 * The SQL of the breaches, from user_zones (user_id, zone), zone_days (zone, i, s, e: the whole
 * local days of [from, to) in order) and sleep_times (user_id, t). A 7-day window is the day i
 * and the six before it; it counts when it overlaps [since, until), and a run of breaching
 * windows (consecutive i) is one breach, at its worst window, the first of equals.
 */
function breachesSql(
  range: Range,
  from: number,
  to: number,
  limits: Record<string, number>,
): string {
  const { since, until } = range;
  const overlaps = (start: string, end: string) => `${start} < ${until} and ${end} > ${since}`;
  const sevenDay = (rule: string, value: string) =>
    limits[rule] === undefined
      ? []
      : [
          `select user_id, '${rule}' as rule, ${limits[rule]} as lim, i, ${value} as observed, ws, we
          from windows where len = 7 and ${overlaps('ws', 'we')} and ${value} > ${limits[rule]}`,
        ];
  const seven = [
    ...sevenDay('max_hours_per_7_days', 'hours'),
    ...sevenDay('max_sleep_interruptions_per_7_days', 'sleeps'),
  ];
  const streak = limits['max_consecutive_days'];
  const parts = [
    ...(seven.length > 0
      ? [
          `select user_id, rule, lim, observed, ws, we from (
            select *, row_number() over (partition by user_id, rule, run order by observed desc, i) as k
            from (select *, i - row_number() over (partition by user_id, rule order by i) as run from seven)
          ) where k = 1`,
        ]
      : []),
    ...(streak === undefined
      ? []
      : [
          `select user_id, 'max_consecutive_days' as rule, ${streak} as lim, count(*)::double as observed, min(s) as ws, max(e) as we
          from (select *, i - row_number() over (partition by user_id order by i) as run from daily where secs > 0)
          group by user_id, run
          having count(*) > ${streak} and ${overlaps('min(s)', 'max(e)')}`,
        ]),
  ];
  return `with islands as (${islandsSql({ since: from, until: to, pStart: 0, pEnd: 0, only: SCHEDULED })}),
    days as (select z.user_id, d.i, d.s, d.e from user_zones z join zone_days d on d.zone = z.zone),
    daily as (
      select d.user_id, d.i, d.s, d.e,
        -- least and greatest skip nulls: a day no island meets would count whole without the filter.
        coalesce(sum(least(x.e, d.e) - greatest(x.s, d.s)) filter (where x.user_id is not null), 0) / 1000 as secs,
        (select count(*) from sleep_times t where t.user_id = d.user_id and t.t >= d.s and t.t < d.e) as n
      from days d left join islands x on x.user_id = d.user_id and x.s < d.e and x.e > d.s
      group by d.user_id, d.i, d.s, d.e
    ),
    windows as (
      select user_id, i, sum(secs) over w / 3600 as hours, (sum(n) over w)::double as sleeps,
        min(s) over w as ws, e as we, count(*) over w as len
      from daily
      window w as (partition by user_id order by i rows between 6 preceding and current row)
    )${seven.length > 0 ? `, seven as (${seven.join(' union all ')})` : ''}
    select b.user_id, coalesce(u.name, b.user_id) as user_name, b.rule, b.lim as "limit",
      round(b.observed, 4) as observed, b.ws::double as ws, b.we::double as we
    from (${parts.join(' union all ')}) b left join users u on u.id = b.user_id`;
}

type Row = Record<string, unknown>;

/** DuckDB's breaches, and milliseconds: its queries, and JS (the shared days and classes). */
export interface ComplianceTiming {
  rows: Row[];
  sqlMs: number;
  jsMs: number;
}

/** Replaces `table` with `rows`, through the appender. */
async function replaceTable(
  duck: DuckDBConnection,
  table: string,
  columns: string,
  rows: readonly (readonly (string | number)[])[],
): Promise<void> {
  await duck.run(`create or replace table ${table} (${columns})`);
  const appender = await duck.createAppender(table);
  for (const row of rows) {
    for (const value of row)
      if (typeof value === 'string') appender.appendVarchar(value);
      else appender.appendDouble(value);
    appender.endRow();
  }
  appender.closeSync();
}

/** DuckDB's breaches of the limits over [since, until), with the fields of the project's rows. */
export async function duckdbCompliance(
  duck: DuckDBConnection,
  range: Range,
  context: { now: number; config: AnalyticsConfig; splitter: HourClassSplitter },
): Promise<ComplianceTiming> {
  const { since, until } = range;
  const limits = limitsOf(context.config);
  if (since >= until || Object.keys(limits).length === 0) return { rows: [], sqlMs: 0, jsMs: 0 };
  const reach =
    (limits['max_consecutive_days'] === undefined ? 8 : CONSECUTIVE_DAYS_REACH) * DAY_MS;
  const from = since - reach;
  // What has happened only, as the project judges it.
  const to = Math.min(until + reach, context.now);
  const sleepRule = limits['max_sleep_interruptions_per_7_days'] !== undefined;
  // Interruptions count in 7-day windows only: a week and a day each way.
  const interrupted = `interruptions where started_at >= epoch_ms(${since - 8 * DAY_MS}) and started_at < epoch_ms(${until + 8 * DAY_MS})`;
  const t0 = performance.now();
  const people = await duck.runAndReadAll(
    `with ${spansCte({ since: from, until: to, pStart: 0, pEnd: 0, only: SCHEDULED })}
    select c.user_id, u.time_zone from (
      select user_id from spans ${sleepRule ? `union select user_id from ${interrupted}` : ''}
    ) c left join users u on u.id = c.user_id`,
  );
  const times = sleepRule
    ? (
        await duck.runAndReadAll(
          `select user_id, epoch_ms(started_at)::double as t from ${interrupted}`,
        )
      ).getRowObjectsJS()
    : [];
  const t1 = performance.now();
  const zoneOf = new Map(
    people
      .getRowObjectsJS()
      .map((r) => [String(r['user_id']), payZone(r['time_zone'] as string | null)]),
  );
  const zoneDays: (string | number)[][] = [];
  for (const zone of new Set(zoneOf.values())) {
    // Whole local days only: a window is never judged on a part of a day.
    const days = context.splitter
      .days(from, to, zone)
      .filter((d) => d.start >= from && d.end <= to);
    days.forEach((d, i) => zoneDays.push([zone, i, d.start, d.end]));
  }
  const sleeps = times.flatMap((r) => {
    const user = String(r['user_id']);
    const t = Number(r['t']);
    const zone = zoneOf.get(user) ?? 'UTC';
    return context.splitter.classAt(t, zone) === 'sleep' ? [[user, t]] : [];
  });
  await replaceTable(duck, 'user_zones', 'user_id varchar, zone varchar', [...zoneOf]);
  await replaceTable(duck, 'zone_days', 'zone varchar, i double, s double, e double', zoneDays);
  await replaceTable(duck, 'sleep_times', 'user_id varchar, t double', sleeps);
  const t2 = performance.now();
  const rows = (await duck.runAndReadAll(breachesSql(range, from, to, limits))).getRowObjectsJS();
  const t3 = performance.now();
  return {
    rows: rows.map((r) => ({
      user_id: r['user_id'],
      user_name: r['user_name'],
      rule: r['rule'],
      limit: r['limit'],
      observed: r['observed'],
      window_start: new Date(Number(r['ws'])).toISOString(),
      window_end: new Date(Number(r['we'])).toISOString(),
    })),
    sqlMs: t1 - t0 + (t3 - t2),
    jsMs: t2 - t1 + (performance.now() - t3),
  };
}

const BREACH_FIELDS = ['user_name', 'limit', 'observed', 'window_end'] as const;

/**
 * The project's answer against DuckDB's: the range, the limits and the total, then every field of
 * every breach, by user, rule and window start. Their order (by start, then name with
 * localeCompare, ICU's collation) is not compared: DuckDB has no such collation here.
 */
export function compareCompliance(
  project: Row,
  duck: ComplianceTiming,
  range: Range,
  config: AnalyticsConfig,
) {
  const rows = (project['data'] ?? []) as Row[];
  const { result, check, checkRows } = tally(rows.length);
  check('since', project['since'], new Date(range.since).toISOString());
  check('until', project['until'], new Date(range.until).toISOString());
  const limits = limitsOf(config);
  const projectLimits = (project['limits'] ?? {}) as Row;
  for (const rule of new Set([...Object.keys(limits), ...Object.keys(projectLimits)]))
    check(`limits.${rule}`, projectLimits[rule], limits[rule]);
  check('total', project['total'], duck.rows.length);
  const key = (r: Row) =>
    `user_id=${String(r['user_id'])} ${String(r['rule'])} from ${String(r['window_start'])}`;
  checkRows(rows, duck.rows, key, BREACH_FIELDS);
  return result;
}
