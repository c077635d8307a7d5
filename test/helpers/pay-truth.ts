import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { wall, type TruthIncident } from './metrics-truth.js';
import { ALL, onCallQuarters, QUARTER, SCHEDULED } from './oncall-truth.js';

// On-call pay and limit breaches as the simulated account implies them, computed another way
// than the product does: quarter hour by quarter hour (every hand-off, override and class
// boundary of the simulator falls on one), each quarter placed in its local day and class by
// Intl, not by the product's day layouts, span unions or sliding windows.

export type PayClassName = 'business' | 'off' | 'sleep' | 'weekend' | 'holiday';
export const PAY_CLASS_NAMES: readonly PayClassName[] = [
  'business',
  'off',
  'sleep',
  'weekend',
  'holiday',
];

/** With the default hours: business 08-18 Mon-Fri, sleep 22-08. */
export function payClassTruth(
  ms: number,
  zone: string,
  holidays: ReadonlySet<string>,
): PayClassName {
  const w = wall(ms, zone);
  if (holidays.has(w.date)) return 'holiday';
  if (w.weekday === 'Sat' || w.weekday === 'Sun') return 'weekend';
  if (w.minutes >= 22 * 60 || w.minutes < 8 * 60) return 'sleep';
  if (w.minutes >= 8 * 60 && w.minutes < 18 * 60) return 'business';
  return 'off';
}

export interface PayTruth {
  seconds: Record<PayClassName, number>;
  interruptions: Record<PayClassName, number>;
  amount: number;
}

export interface TruthRules {
  hourly: Record<PayClassName, number>;
  perInterruption: Record<PayClassName, number>;
  count: 'scheduled' | 'all';
}

const zero = () =>
  Object.fromEntries(PAY_CLASS_NAMES.map((c) => [c, 0])) as Record<PayClassName, number>;

/** Per user with on-call time or an interruption in [since, until): seconds, interruptions, amount. */
export function payTruth(
  account: SimulatedAccount,
  incidents: readonly TruthIncident[],
  range: { since: number; until: number },
  zoneOf: (userId: string) => string,
  holidays: ReadonlySet<string>,
  rules: TruthRules,
): Map<string, PayTruth> {
  const { marks } = onCallQuarters(account, range);
  const out = new Map<string, PayTruth>();
  const of = (user: string) => {
    let t = out.get(user);
    if (!t) out.set(user, (t = { seconds: zero(), interruptions: zero(), amount: 0 }));
    return t;
  };
  const wanted = rules.count === 'all' ? ALL : SCHEDULED;
  for (const [user, m] of marks) {
    const zone = zoneOf(user);
    m.forEach((bits, q) => {
      if (bits & wanted)
        of(user).seconds[payClassTruth(range.since + q * QUARTER, zone, holidays)] += 900;
    });
  }
  for (const incident of incidents)
    for (const x of incident.interruptions)
      if (x.at >= range.since && x.at < range.until)
        of(x.user).interruptions[payClassTruth(x.at, zoneOf(x.user), holidays)] += 1;
  for (const t of out.values()) {
    let cents = 0;
    for (const c of PAY_CLASS_NAMES)
      cents +=
        (rules.hourly[c] * 100 * t.seconds[c]) / 3600 +
        rules.perInterruption[c] * 100 * t.interruptions[c];
    t.amount = Math.round(cents) / 100;
  }
  return out;
}

export interface TruthBreach {
  user: string;
  rule: string;
  observed: number;
  start: number;
  end: number;
}

/** The local days of [from, to) in `zone` that lie wholly inside it, with their quarters. */
function wholeDays(
  from: number,
  to: number,
  zone: string,
): { date: string; first: number; end: number }[] {
  const days: { date: string; first: number; end: number }[] = [];
  for (let t = from; t < to; t += QUARTER) {
    const date = wall(t, zone).date;
    const last = days.at(-1);
    if (last?.date === date) last.end = t + QUARTER;
    else days.push({ date, first: t, end: t + QUARTER });
  }
  if (days.length && wall(from - QUARTER, zone).date === days[0]?.date) days.shift();
  if (days.length && wall(to, zone).date === days.at(-1)?.date) days.pop();
  return days;
}

/**
 * Breaches of the limits overlapping [since, until), judged on the account over [from, to):
 * 7-day windows of whole local days, runs of breaching windows shown by their worst; runs of
 * consecutive days with scheduled time longer than the limit.
 */
export function complianceTruth(
  account: SimulatedAccount,
  incidents: readonly TruthIncident[],
  range: { since: number; until: number },
  read: { from: number; to: number },
  zoneOf: (userId: string) => string,
  limits: { hours?: number; days?: number; sleeps?: number },
): TruthBreach[] {
  const { marks } = onCallQuarters(account, { since: read.from, until: read.to });
  const sleeps = new Map<string, number[]>();
  for (const incident of incidents)
    for (const x of incident.interruptions) {
      if (x.at < read.from || x.at >= read.to) continue;
      const minutes = wall(x.at, zoneOf(x.user)).minutes;
      if (minutes >= 22 * 60 || minutes < 8 * 60)
        sleeps.set(x.user, [...(sleeps.get(x.user) ?? []), x.at]);
    }
  const users = new Set([
    ...[...marks].filter(([, m]) => m.some((b) => (b & SCHEDULED) !== 0)).map(([u]) => u),
    ...sleeps.keys(),
  ]);
  const out: TruthBreach[] = [];
  for (const user of users) {
    const zone = zoneOf(user);
    const days = wholeDays(read.from, read.to, zone);
    const m = marks.get(user);
    const seconds = days.map((d) => {
      let s = 0;
      for (let t = d.first; t < d.end; t += QUARTER) {
        const q = (t - read.from) / QUARTER;
        if (m && ((m[q] ?? 0) & SCHEDULED) !== 0) s += 900;
      }
      return s;
    });
    const sleepCounts = days.map(
      (d) => (sleeps.get(user) ?? []).filter((t) => t >= d.first && t < d.end).length,
    );
    const windows = (perDay: number[], limit: number, scale: number, rule: string) => {
      let worst: TruthBreach | undefined;
      for (let i = 0; i + 7 <= days.length; i += 1) {
        const start = days[i]?.first ?? 0;
        const end = days[i + 6]?.end ?? 0;
        let sum = 0;
        for (let k = i; k < i + 7; k += 1) sum += perDay[k] ?? 0;
        const observed = sum / scale;
        if (start < range.until && end > range.since && observed > limit) {
          if (!worst || observed > worst.observed) worst = { user, rule, observed, start, end };
        } else if (worst) {
          out.push(worst);
          worst = undefined;
        }
      }
      if (worst) out.push(worst);
    };
    if (limits.hours !== undefined) windows(seconds, limits.hours, 3600, 'max_hours_per_7_days');
    if (limits.sleeps !== undefined)
      windows(sleepCounts, limits.sleeps, 1, 'max_sleep_interruptions_per_7_days');
    if (limits.days !== undefined) {
      let first = -1;
      for (let i = 0; i <= days.length; i += 1) {
        const on = i < days.length && (seconds[i] ?? 0) > 0;
        if (on && first < 0) first = i;
        if (on || first < 0) continue;
        const start = days[first]?.first ?? 0;
        const end = days[i - 1]?.end ?? 0;
        if (i - first > limits.days && start < range.until && end > range.since)
          out.push({ user, rule: 'max_consecutive_days', observed: i - first, start, end });
        first = -1;
      }
    }
  }
  return out;
}
