import type { Kysely } from 'kysely';
import type { AnalyticsConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { historyStart } from '../mirror/history.js';
import { offsetMinutes } from '../time/zones.js';
import {
  checkResponderFilter,
  responderMetrics,
  type DirectTarget,
  type ResponderFilter,
} from './responder-metrics.js';
import { filterWhere } from './incident-filter.js';
import { INTERRUPTION_COLUMNS } from './on-call-spans.js';
import { utcQuarterHour } from './sql-time.js';

// Who carries a team's pager, and whether that is fair; and when interruptions land in the week.

/**
 * Which on-call seconds the shares and the Gini coefficient are of: `scheduled` (the default)
 * counts what schedules put on people; `all` is PagerDuty's total_seconds_on_call, in which a
 * rule's direct target is on call around the clock.
 */
export const ON_CALL_BASES = ['scheduled', 'all'] as const;
export type OnCallBasis = (typeof ON_CALL_BASES)[number];

export interface MemberLoad {
  responder_id: string;
  responder_name: string;
  total_seconds_on_call: number;
  total_seconds_on_call_scheduled: number;
  /** This member's part of the team's on-call seconds (of the basis), 0..1; null when none. */
  on_call_share: number | null;
  total_sleep_hour_interruptions: number;
  sleep_hour_interruption_share: number | null;
}

export interface TeamOnCallLoad {
  team_id: string;
  team_name: string;
  since: Date;
  until: Date;
  basis: OnCallBasis;
  members: MemberLoad[];
  /** Members a rule targets directly, listed apart: "always on call" there, not by a rotation. */
  direct_targets: (DirectTarget & { responder_id: string; responder_name: string })[];
  /** Gini coefficient of the members' on-call seconds: 0 shared evenly, toward 1 one carries all. */
  gini_seconds_on_call: number | null;
  gini_sleep_hour_interruptions: number | null;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The Gini coefficient of values (mean absolute difference over twice the mean), from sorted
 * values in O(n log n); null for no values or when all are 0.
 */
export function gini(values: readonly number[]): number | null {
  const n = values.length;
  const total = values.reduce((a, b) => a + b, 0);
  if (n === 0 || total <= 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  let weighted = 0;
  sorted.forEach((v, i) => {
    weighted += (2 * (i + 1) - n - 1) * v;
  });
  return round(weighted / (n * total));
}

/**
 * Each member of a team (every member, those never on call too) and their part of its load;
 * from the responders' copy when `kept` holds one (see responderMetrics).
 */
export async function teamOnCallLoad(
  db: Kysely<Database>,
  teamId: string,
  filter: Pick<ResponderFilter, 'since' | 'until'>,
  now: Date,
  config: AnalyticsConfig,
  basis: OnCallBasis = 'scheduled',
  kept: Parameters<typeof responderMetrics>[4] = {},
): Promise<TeamOnCallLoad> {
  const team = await db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!team) throw new NotFoundError(`team ${teamId} not found`);
  const [answer, members] = await Promise.all([
    responderMetrics(db, { ...filter, teamId: [teamId] }, now, config, kept),
    db
      .selectFrom('team_members as m')
      .leftJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.name'])
      .where('m.team_id', '=', teamId)
      .execute(),
  ]);
  const byId = new Map(answer.rows.map((r) => [r.responder_id, r]));
  const field = basis === 'all' ? 'total_seconds_on_call' : 'total_seconds_on_call_scheduled';
  const seconds = members.map((m) => byId.get(m.user_id)?.[field] ?? 0);
  const sleeps = members.map((m) => byId.get(m.user_id)?.total_sleep_hour_interruptions ?? 0);
  const secondsTotal = seconds.reduce((a, b) => a + b, 0);
  const sleepTotal = sleeps.reduce((a, b) => a + b, 0);
  const loads = members.map((m, i) => ({
    responder_id: m.user_id,
    responder_name: m.name ?? m.user_id,
    total_seconds_on_call: byId.get(m.user_id)?.total_seconds_on_call ?? 0,
    total_seconds_on_call_scheduled: byId.get(m.user_id)?.total_seconds_on_call_scheduled ?? 0,
    on_call_share: secondsTotal > 0 ? round((seconds[i] ?? 0) / secondsTotal) : null,
    total_sleep_hour_interruptions: sleeps[i] ?? 0,
    sleep_hour_interruption_share: sleepTotal > 0 ? round((sleeps[i] ?? 0) / sleepTotal) : null,
  }));
  loads.sort((a, b) => b[field] - a[field] || (a.responder_id < b.responder_id ? -1 : 1));
  const direct = loads.flatMap((m) =>
    (byId.get(m.responder_id)?.direct_targets ?? []).map((d) => ({
      responder_id: m.responder_id,
      responder_name: m.responder_name,
      ...d,
    })),
  );
  return {
    team_id: team.id,
    team_name: team.name,
    since: answer.since,
    until: answer.until,
    basis,
    members: loads,
    direct_targets: direct,
    gini_seconds_on_call: gini(seconds),
    gini_sleep_hour_interruptions: gini(sleeps),
  };
}

export interface HeatmapCell {
  /** ISO weekday, 1 Monday .. 7 Sunday, in the map's zone. */
  weekday: number;
  hour: number;
  interruptions: number;
}

const QUARTER_MS = 900_000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Interruptions that started in [since, until) by local weekday and hour in `zone`: counted per
 * UTC quarter hour in SQL (a few tens of thousands of rows a year at most, whatever the number of
 * incidents), placed in the zone here. Quarter hours, because some zones are 30 or 45 minutes off.
 */
export async function interruptionsHeatmap(
  db: Kysely<Database>,
  filter: ResponderFilter,
  zone: string,
  now: Date,
): Promise<{ since: Date; until: Date; cells: HeatmapCell[] }> {
  await checkResponderFilter(db, filter);
  const until = filter.until ?? now;
  const since = filter.since ?? (await historyStart(db)) ?? until;
  const bucket = utcQuarterHour(db, 'i.started_at');
  const rows = await db
    .selectFrom('interruptions as i')
    .select((eb) => [bucket.as('q'), eb.fn.countAll<number>().as('n')])
    .where((eb) => eb.and(filterWhere(eb, { ...filter, since, until }, INTERRUPTION_COLUMNS)))
    .groupBy(bucket)
    .execute();
  const counts = Array.from({ length: 7 * 24 }, () => 0);
  // The zone's offset is looked up once per UTC day, and per quarter hour only on days it changes.
  const dayOffsets = new Map<number, [number, number]>();
  for (const r of rows) {
    const ms = Number(r.q) * QUARTER_MS;
    const day = Math.floor(ms / DAY_MS);
    let offsets = dayOffsets.get(day);
    if (!offsets) {
      offsets = [offsetMinutes(day * DAY_MS, zone), offsetMinutes((day + 1) * DAY_MS - 1, zone)];
      dayOffsets.set(day, offsets);
    }
    const offset = offsets[0] === offsets[1] ? offsets[0] : offsetMinutes(ms, zone);
    const local = new Date(ms + offset * 60_000);
    const weekday = ((local.getUTCDay() + 6) % 7) + 1;
    const index = (weekday - 1) * 24 + local.getUTCHours();
    counts[index] = (counts[index] ?? 0) + Number(r.n);
  }
  return {
    since,
    until,
    cells: counts.map((n, i) => ({
      weekday: Math.floor(i / 24) + 1,
      hour: i % 24,
      interruptions: n,
    })),
  };
}
