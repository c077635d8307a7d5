// The DuckDB anchor of the responder metrics (issue 27): incident_responders, oncalls and the
// users' zones copied into the anchor's in-memory DuckDB, and the responders' answer computed
// there in DuckDB's own terms (a GROUP BY for the incident side, window functions for the unions
// of on-call spans), not by reusing the project's SQL or its copy. One part is shared code: the
// split of each user's on-call union into business, off and sleep hours in their own zone runs
// the project's HourClassSplitter on DuckDB's unions, because DuckDB's zone support (ICU) cannot
// be downloaded here; it is timed within DuckDB's answer, and printed apart.
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { DuckDBTimestampValue } from '@duckdb/node-api';
import { permanentSpan } from '../src/analytics/on-call-spans.js';
import { RESPONDER_METRICS, roundMetric } from '../src/analytics/metric-catalog.js';
import type { AnalyticsConfig } from '../src/config.js';
import type { Db } from '../src/db/connection.js';
import { emptyHourClassSeconds, type HourClassSplitter } from '../src/time/hour-class-split.js';
import { isTimeZone } from '../src/time/zones.js';

const PAGE = 10_000;
const WEEK_SECONDS = 7 * 24 * 3600;

/** What the copy took. */
export interface RespondersCopy {
  parts: number;
  spans: number;
  ms: number;
}

const COUNTS = [
  'notification_count',
  'interruption_count',
  'business_hour_interruptions',
  'off_hour_interruptions',
  'sleep_hour_interruptions',
  'engaged_seconds',
  'reassigned_from',
  'reassigned_to',
  'manual_escalated_from',
  'manual_escalated_to',
  'timeout_escalated_from',
  'timeout_escalated_to',
] as const;

function appendTime(appender: DuckDBAppender, value: unknown): void {
  if (value === null || value === undefined) appender.appendNull();
  else
    appender.appendTimestamp(
      new DuckDBTimestampValue(BigInt(new Date(value as string | Date).getTime()) * 1000n),
    );
}

function appendText(appender: DuckDBAppender, value: unknown): void {
  if (value === null || value === undefined) appender.appendNull();
  else appender.appendVarchar(String(value));
}

/** Copies incident_responders, oncalls and users (id, name, zone) into tables of the same names. */
export async function copyRespondersToDuckDB(
  handle: Pick<Db, 'read'>,
  duck: DuckDBConnection,
): Promise<RespondersCopy> {
  const started = performance.now();
  await duck.run(
    `create table incident_responders (incident_id varchar, user_id varchar, incident_created_at timestamp, first_assigned_at timestamp, first_acknowledged_at timestamp, ${COUNTS.map((c) => `${c} double`).join(', ')})`,
  );
  await duck.run(
    'create table oncalls (id varchar, user_id varchar, escalation_policy_id varchar, escalation_level integer, schedule_id varchar, "start" timestamp, "end" timestamp)',
  );
  await duck.run('create table users (id varchar, name varchar, time_zone varchar)');

  let parts = 0;
  const responders = await duck.createAppender('incident_responders');
  for (let after: { incident_id: string; user_id: string } | undefined; ;) {
    const from = after;
    const page = await handle.read
      .selectFrom('incident_responders')
      .select([
        'incident_id',
        'user_id',
        'incident_created_at',
        'first_assigned_at',
        'first_acknowledged_at',
        ...COUNTS,
      ])
      .$if(from !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb('incident_id', '>', from?.incident_id ?? ''),
            eb.and([
              eb('incident_id', '=', from?.incident_id ?? ''),
              eb('user_id', '>', from?.user_id ?? ''),
            ]),
          ]),
        ),
      )
      .orderBy('incident_id')
      .orderBy('user_id')
      .limit(PAGE)
      .execute();
    for (const row of page) {
      responders.appendVarchar(row.incident_id);
      responders.appendVarchar(row.user_id);
      appendTime(responders, row.incident_created_at);
      appendTime(responders, row.first_assigned_at);
      appendTime(responders, row.first_acknowledged_at);
      for (const c of COUNTS) responders.appendDouble(Number(row[c]));
      responders.endRow();
    }
    parts += page.length;
    after = page.at(-1);
    if (page.length < PAGE) break;
  }
  responders.closeSync();

  const oncalls = await duck.createAppender('oncalls');
  let spans = 0;
  for (let after: string | undefined; ;) {
    const from = after;
    const page = await handle.read
      .selectFrom('oncalls')
      .select([
        'id',
        'user_id',
        'escalation_policy_id',
        'escalation_level',
        'schedule_id',
        'start',
        'end',
      ])
      .$if(from !== undefined, (q) => q.where('id', '>', from ?? ''))
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const row of page) {
      oncalls.appendVarchar(row.id);
      oncalls.appendVarchar(row.user_id);
      oncalls.appendVarchar(row.escalation_policy_id);
      oncalls.appendInteger(Number(row.escalation_level));
      appendText(oncalls, row.schedule_id);
      appendTime(oncalls, row.start);
      appendTime(oncalls, row.end);
      oncalls.endRow();
    }
    spans += page.length;
    after = page.at(-1)?.id;
    if (page.length < PAGE) break;
  }
  oncalls.closeSync();

  const users = await duck.createAppender('users');
  const userRows = await handle.read
    .selectFrom('users')
    .select(['id', 'name', 'time_zone'])
    .execute();
  for (const row of userRows) {
    users.appendVarchar(row.id);
    appendText(users, row.name);
    appendText(users, row.time_zone);
    users.endRow();
  }
  users.closeSync();
  return { parts, spans, ms: performance.now() - started };
}

/** A range, in epoch ms: what the on-call anchors answer of most URLs. */
export type Range = { since: number; until: number };

/** The range a URL of `path` asks about, or undefined when it asks more than since and until. */
export function rangeQuestion(url: string, path: string): Range | undefined {
  const parsed = new URL(url, 'http://anchor.invalid');
  if (parsed.pathname !== path) return undefined;
  const params = parsed.searchParams;
  if ([...params.keys()].some((k) => !['since', 'until', 'limit'].includes(k))) return undefined;
  const since = params.get('since');
  const until = params.get('until');
  if (!since || !until) return undefined;
  return { since: Date.parse(since), until: Date.parse(until) };
}

/** The question of a responders URL: its range (the anchor answers since and until only). */
export const respondersQuestion = (url: string) => rangeQuestion(url, '/analytics/responders');

/**
 * The on-call spans a query reads (spansCte): those that meet `only` (a condition on oncalls'
 * columns: a team's members, schedules), clipped to [since, until); one without a start (a
 * rule's direct target) is [pStart, pEnd).
 */
export interface SpanWindow {
  since: number;
  until: number;
  pStart: number;
  pEnd: number;
  only?: string;
}

/**
 * The spans of the range, every one: a rule's direct target is on call for the project's
 * permanent span (history start to now) within the range. `known` is the history start.
 */
export function spanWindow(range: Range, known: Date | undefined, now: number): SpanWindow {
  const { since, until } = range;
  const permanent = permanentSpan(new Date(since), new Date(until), known, new Date(now));
  return {
    since,
    until,
    pStart: Math.max(permanent.start, since),
    pEnd: Math.min(permanent.end, until),
  };
}

/** What an on-call anchor is handed beside its question: `splitter` classes the hours. */
export interface OnCallContext<S> {
  /** The mirror's history start (the permanent span's start). */
  known: Date | undefined;
  now: number;
  config: AnalyticsConfig;
  splitter: S;
}

/** The SQL of the incident side: per user, the sums and the means of their incident parts. */
function incidentSql(since: number, until: number): string {
  return `select user_id,
      count(*)::double as total_incident_count,
      sum(notification_count) as total_notifications,
      sum(interruption_count) as total_interruptions,
      sum(business_hour_interruptions) as total_business_hour_interruptions,
      sum(off_hour_interruptions) as total_off_hour_interruptions,
      sum(sleep_hour_interruptions) as total_sleep_hour_interruptions,
      count(first_acknowledged_at)::double as total_incidents_acknowledged,
      -- Whole seconds per incident (rounded half away from zero), then their mean.
      avg(round((epoch_ms(first_acknowledged_at) - epoch_ms(first_assigned_at)) / 1000.0)) as mean_time_to_acknowledge_seconds,
      sum(engaged_seconds) as total_engaged_seconds,
      sum(engaged_seconds) / count(*) as mean_engaged_seconds,
      sum(manual_escalated_from) as total_incidents_manual_escalated_from,
      sum(manual_escalated_to) as total_incidents_manual_escalated_to,
      sum(reassigned_from) as total_incidents_reassigned_from,
      sum(reassigned_to) as total_incidents_reassigned_to,
      sum(timeout_escalated_from) as total_incidents_timeout_escalated_from,
      sum(timeout_escalated_to) as total_incidents_timeout_escalated_to
    from incident_responders
    where incident_created_at >= epoch_ms(${since}) and incident_created_at < epoch_ms(${until})
    group by user_id`;
}

/** The spans of a window (SpanWindow), as a CTE. */
export function spansCte({ since, until, pStart, pEnd, only = 'true' }: SpanWindow): string {
  return `spans as (
      select * from (
        select user_id, escalation_policy_id, escalation_level, coalesce(schedule_id, '') <> '' as scheduled,
          case when "start" is null then ${pStart} else greatest(epoch_ms("start"), ${since}) end as s,
          case when "start" is null then ${pEnd} else least(epoch_ms("end"), ${until}) end as e
        from oncalls
        where (${only}) and ("start" is null or ("start" < epoch_ms(${until}) and "end" > epoch_ms(${since})))
      ) where e > s
    )`;
}

/**
 * The SQL of the on-call totals: per user and kind (all, scheduled, level 1, levels 2+), the
 * length of the union of their spans, as each span's part past the latest end of those before
 * it (in order of start): one window, whatever the order of spans that tie. Of the spans that
 * meet `only` (spansCte).
 */
export function onCallTotalsSql(window: SpanWindow) {
  return `with ${spansCte(window)},
    kinds as (
      select user_id, 'all' as kind, s, e from spans
      union all select user_id, 'scheduled', s, e from spans where scheduled
      union all select user_id, 'level1', s, e from spans where escalation_level <= 1
      union all select user_id, 'level2', s, e from spans where escalation_level > 1
    )
    select user_id, kind, sum(greatest(0, e - greatest(s, coalesce(before, s))))::double as ms from (
      select user_id, kind, s, e,
        max(e) over (partition by user_id, kind order by s, e rows between unbounded preceding and 1 preceding) as before
      from kinds
    ) group by user_id, kind`;
}

/**
 * The SQL of each user's union of all their spans, as disjoint spans (gaps and islands): a span
 * starts an island when it starts after every earlier one ended (touching spans merge). Both
 * windows follow one row number: ordered by (s, e) alone, two windows could place tied spans
 * differently, and an island then took in a span of the next (seen as 1 to 4 days too many).
 * Of the spans that meet `only` (spansCte).
 */
export function islandsSql(window: SpanWindow): string {
  return `with ${spansCte(window)},
    numbered as (
      select user_id, s, e, row_number() over (partition by user_id order by s, e) as n from spans
    ),
    marked as (
      select user_id, s, e, n,
        coalesce(s > max(e) over (partition by user_id order by n rows between unbounded preceding and 1 preceding), true) as starts
      from numbered
    )
    select user_id, min(s)::double as s, max(e)::double as e from (
      select *, sum(starts::int) over (partition by user_id order by n rows between unbounded preceding and current row) as island
      from marked
    ) group by user_id, island
    order by user_id, s`;
}

type Row = Record<string, unknown>;

/** DuckDB's rows, and milliseconds: its two queries, and JS (the shared split, the rows). */
export interface RespondersTiming {
  rows: Row[];
  incidentMs: number;
  onCallMs: number;
  jsMs: number;
}

/**
 * DuckDB's responder rows over [since, until): every metric of the catalog by name, with the
 * on-call hour classes from the shared splitter (`splitter`, kept warm as the project keeps its
 * own). `known` is the mirror's history start (the permanent span's start).
 */
export async function duckdbResponders(
  duck: DuckDBConnection,
  question: Range,
  context: OnCallContext<HourClassSplitter>,
): Promise<RespondersTiming> {
  const { since, until } = question;
  const window = spanWindow(question, context.known, context.now);
  // One after another: a DuckDB connection runs one query at a time.
  const t0 = performance.now();
  const incident = await duck.runAndReadAll(incidentSql(since, until));
  const t1 = performance.now();
  const totals = await duck.runAndReadAll(onCallTotalsSql(window));
  const islands = await duck.runAndReadAll(islandsSql(window));
  const t2 = performance.now();
  const zones = await duck.runAndReadAll('select id, time_zone from users');
  const started = performance.now();
  const zoneOf = new Map(
    zones.getRowObjectsJS().map((r) => [String(r['id']), r['time_zone'] as string | null]),
  );
  const rows = new Map<string, Row>();
  for (const r of incident.getRowObjectsJS()) rows.set(String(r['user_id']), { ...r });
  const onCall = new Map<string, Record<string, number>>();
  for (const r of totals.getRowObjectsJS()) {
    const user = String(r['user_id']);
    const sums = onCall.get(user) ?? {};
    onCall.set(user, sums);
    sums[String(r['kind'])] = Number(r['ms']);
  }
  const splits = new Map<string, ReturnType<typeof emptyHourClassSeconds>>();
  for (const r of islands.getRowObjectsJS()) {
    const user = String(r['user_id']);
    const zone = zoneOf.get(user);
    let split = splits.get(user);
    if (!split) splits.set(user, (split = emptyHourClassSeconds()));
    context.splitter.split(
      Number(r['s']),
      Number(r['e']),
      zone && isTimeZone(zone) ? zone : context.config.timeZone,
      split,
    );
  }
  for (const [user, sums] of onCall) {
    const row = rows.get(user) ?? { user_id: user };
    rows.set(user, row);
    const split = splits.get(user) ?? emptyHourClassSeconds();
    Object.assign(row, {
      total_seconds_on_call: (sums['all'] ?? 0) / 1000,
      total_seconds_on_call_scheduled: (sums['scheduled'] ?? 0) / 1000,
      total_seconds_on_call_level_1: (sums['level1'] ?? 0) / 1000,
      total_seconds_on_call_level_2_plus: (sums['level2'] ?? 0) / 1000,
      total_business_hour_seconds_on_call: split.business,
      total_off_hour_seconds_on_call: split.off,
      total_sleep_hour_seconds_on_call: split.sleep,
    });
  }
  // Users with incidents but never on call, and the reverse: their other side is empty.
  for (const row of rows.values()) {
    for (const metric of RESPONDER_METRICS)
      if (!(metric.name in row)) row[metric.name] = metric.nullable ? null : 0;
    const seconds = Number(row['total_seconds_on_call']);
    row['sleep_hour_interruptions_per_7_days_on_call'] =
      seconds > 0 ? (Number(row['total_sleep_hour_interruptions']) * WEEK_SECONDS) / seconds : null;
  }
  return {
    rows: [...rows.values()],
    incidentMs: t1 - t0,
    onCallMs: t2 - t1,
    jsMs: performance.now() - started,
  };
}

/** The project's rows against DuckDB's, by responder, each metric rounded as the catalog says. */
export function compareResponders(project: readonly Row[], duck: readonly Row[]) {
  const ours = new Map(project.map((r) => [String(r['responder_id']), r]));
  const theirs = new Map(duck.map((r) => [String(r['user_id']), r]));
  const out = { rows: ours.size, values: 0, agreed: 0, disagreements: [] as string[] };
  for (const id of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(id);
    const b = theirs.get(id);
    for (const metric of RESPONDER_METRICS) {
      out.values += 1;
      const raw = b?.[metric.name];
      const expected = raw === null || raw === undefined ? null : roundMetric(metric, Number(raw));
      const actual = a?.[metric.name];
      if (a && b && actual === expected) out.agreed += 1;
      else
        out.disagreements.push(
          `responder_id=${id} ${metric.name}: project ${a ? String(actual) : '(no row)'}, duckdb ${b ? String(expected) : '(no row)'}`,
        );
    }
  }
  return out;
}
