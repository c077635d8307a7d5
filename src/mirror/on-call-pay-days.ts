import crypto from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import type { Database, OnCallPayDaysTable } from '../db/schema.js';
import { chunk, MAX_BIND_PARAMETERS } from '../db/sql-batches.js';
import { inTransaction } from '../db/transaction.js';
import type { AnalyticsConfig } from '../config.js';
import { ClassSplitter, type LocalDaySpan } from '../time/hour-class-split.js';
import { clipSpans, unionSpans, type Span } from '../time/spans.js';
import {
  PAY_CLASSES,
  payClassifier,
  workingHoursKey,
  type PayClass,
} from '../time/working-hours.js';
import { isTimeZone } from '../time/zones.js';
import { historyStart } from './history.js';

// On-call pay by local day, kept for BI tools (the view v_on_call_pay, migration 0014): what
// GET /analytics/on-call-pay computes for any range, here per user, day of their zone and basis,
// so that Metabase can sum months and people without the product's zone arithmetic. The same
// definition: the union of the user's spans (schedules; or with direct targets, "all"), split
// into pay classes in the user's zone (UTC when PagerDuty gives none); interruptions classed by
// their first notification. Every sync rewrites the recent days; all of them when the working
// hours change or after a full sync.

/** Days rewritten by an incremental sync: on-call history and late interruptions land there. */
export const PAY_DAYS_RECENT = 62;
const DAY_MS = 24 * 3600 * 1000;
const SETTINGS_CURSOR = 'on_call_pay_days_key';
/** Bumped when what a row holds changes: every day is written again. */
const PAY_DAYS_VERSION = 1;

/** The zone pay is classed in: the user's own, else UTC. */
export function payZone(zone: string | null | undefined): string {
  return zone && isTimeZone(zone) ? zone : 'UTC';
}

/** A pay-class splitter for these working hours. */
export function paySplitter(hours: AnalyticsConfig['hours']): ClassSplitter<PayClass> {
  return new ClassSplitter(hours, PAY_CLASSES, payClassifier(hours));
}

type DayRow = Omit<Insertable<OnCallPayDaysTable>, 'user_id' | 'basis'>;

/**
 * Per local day of `zone` in [from, to): the seconds of disjoint, ordered `spans` by pay class,
 * and the interruptions at (ordered) `times` by pay class; days with neither are left out.
 */
export function payByLocalDay(
  splitter: ClassSplitter<PayClass>,
  spans: readonly Span[],
  times: readonly number[],
  zone: string,
  range: Span,
): Map<string, DayRow> {
  const out = new Map<string, DayRow>();
  const row = (day: string): DayRow => {
    let r = out.get(day);
    if (!r) {
      r = { day } as DayRow;
      for (const c of PAY_CLASSES) {
        r[`seconds_${c}`] = 0;
        r[`interruptions_${c}`] = 0;
      }
      out.set(day, r);
    }
    return r;
  };
  const days = splitter.days(range.start, range.end, zone);
  let j = 0;
  for (const d of days) {
    while (j < spans.length && (spans[j] as Span).end <= d.start) j += 1;
    for (let k = j; k < spans.length && (spans[k] as Span).start < d.end; k += 1) {
      const s = spans[k] as Span;
      const split = splitter.split(
        Math.max(s.start, d.start, range.start),
        Math.min(s.end, d.end, range.end),
        zone,
      );
      const r = row(d.date);
      for (const c of PAY_CLASSES) r[`seconds_${c}`] = (r[`seconds_${c}`] ?? 0) + split[c];
    }
  }
  let i = 0;
  for (const t of times) {
    if (t < range.start || t >= range.end) continue;
    while (i < days.length && (days[i] as LocalDaySpan).end <= t) i += 1;
    const day = days[i];
    if (!day || t < day.start) continue;
    const r = row(day.date);
    const c = splitter.classAt(t, zone);
    r[`interruptions_${c}`] = (r[`interruptions_${c}`] ?? 0) + 1;
  }
  return out;
}

const toMs = (v: Date | string) => (v instanceof Date ? v.getTime() : Date.parse(v));

/**
 * Rewrites on_call_pay_days: every day when `full` (or when the working hours or the rows'
 * definition changed since the last write), else the days from PAY_DAYS_RECENT days ago to now.
 * Returns the rows written.
 */
export async function refreshOnCallPayDays(
  db: Kysely<Database>,
  config: AnalyticsConfig,
  now: Date,
  full: boolean,
): Promise<number> {
  const settings = workingHoursKey(config.hours, 'UTC');
  const key = `${PAY_DAYS_VERSION}:${crypto.createHash('sha1').update(settings).digest('hex')}`;
  const whole = full || (await findCursor(db, SETTINGS_CURSOR)) !== key;
  const known = await historyStart(db);
  if (!known || known >= now) return 0;
  // An incremental rewrite starts at a UTC midnight and keeps only the days from the next
  // date on: every zone's local day of that date (offsets within ±14 h) starts after it.
  const recent = Math.floor((now.getTime() - PAY_DAYS_RECENT * DAY_MS) / DAY_MS) * DAY_MS;
  const from = whole ? known.getTime() : Math.max(known.getTime(), recent);
  const firstDay = whole ? '' : new Date(from + DAY_MS).toISOString().slice(0, 10);
  const range = { start: from, end: now.getTime() };
  const [oncalls, interruptions, users] = await Promise.all([
    db
      .selectFrom('oncalls')
      .select(['user_id', 'schedule_id', 'start', 'end'])
      .where((eb) =>
        eb.or([
          eb('start', 'is', null),
          eb.and([eb('start', '<', now), eb('end', '>', new Date(from))]),
        ]),
      )
      .execute(),
    db
      .selectFrom('interruptions')
      .select(['user_id', 'started_at'])
      .where('started_at', '>=', new Date(from))
      .where('started_at', '<', now)
      .execute(),
    db.selectFrom('users').select(['id', 'time_zone']).execute(),
  ]);
  const zones = new Map(users.map((u) => [u.id, payZone(u.time_zone)]));
  const spans = new Map<string, { scheduled: Span[]; all: Span[] }>();
  for (const o of oncalls) {
    // A direct target (no start, no end) is on call from the history's start to now.
    const span =
      o.start && o.end
        ? { start: toMs(o.start), end: toMs(o.end) }
        : { start: known.getTime(), end: now.getTime() };
    let s = spans.get(o.user_id);
    if (!s) spans.set(o.user_id, (s = { scheduled: [], all: [] }));
    s.all.push(span);
    if (o.schedule_id) s.scheduled.push(span);
  }
  const times = new Map<string, number[]>();
  for (const i of interruptions) {
    let list = times.get(i.user_id);
    if (!list) times.set(i.user_id, (list = []));
    list.push(toMs(i.started_at));
  }
  const splitter = paySplitter(config.hours);
  const rows: Insertable<OnCallPayDaysTable>[] = [];
  for (const user of new Set([...spans.keys(), ...times.keys()])) {
    const zone = zones.get(user) ?? 'UTC';
    const own = spans.get(user) ?? { scheduled: [], all: [] };
    const at = (times.get(user) ?? []).sort((a, b) => a - b);
    for (const [basis, list] of [
      ['scheduled', own.scheduled],
      ['all', own.all],
    ] as const) {
      const union = unionSpans(clipSpans(list, range));
      for (const day of payByLocalDay(splitter, union, at, zone, range).values())
        if (day.day >= firstDay) rows.push({ user_id: user, basis, ...day });
    }
  }
  await inTransaction(db, async (trx) => {
    let del = trx.deleteFrom('on_call_pay_days');
    if (!whole) del = del.where('day', '>=', firstDay);
    await del.execute();
    const perRow = 3 + 2 * PAY_CLASSES.length;
    for (const batch of chunk(rows, Math.floor(MAX_BIND_PARAMETERS / perRow)))
      await trx.insertInto('on_call_pay_days').values(batch).execute();
    await setCursor(trx, SETTINGS_CURSOR, key, now);
  });
  return rows.length;
}
