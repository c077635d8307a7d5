import { scheduleUserAt } from '../../src/simulator/schedule-model.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { hourClass, type TruthIncident } from './metrics-truth.js';

// Who was on call when, and what it cost them, as the simulated account implies it: computed
// here quarter hour by quarter hour (every hand-off, override and hour-class boundary of the
// simulator falls on a UTC quarter hour), from who each schedule names at each instant, not
// through /oncalls, the mirror, its SQL or the union code under test.

export const QUARTER = 15 * 60_000;
export const ALL = 1;
const LEVEL_1 = 2;
const LEVEL_2_PLUS = 4;
/** Named by a schedule then (not only as a rule's direct target). */
export const SCHEDULED = 8;

export interface ResponderTruth {
  seconds: number;
  /** Of seconds, those a schedule put the user on call (direct rule targets left out). */
  scheduled: number;
  /** "policyId/level" of each rule that targets the user directly (level from 1). */
  directTargets: string[];
  level1: number;
  level2Plus: number;
  business: number;
  off: number;
  sleep: number;
  incidents: number;
  notifications: number;
  interruptions: Record<'business' | 'off' | 'sleep', number>;
  acknowledged: number;
  ttaSum: number;
  ttaN: number;
  engaged: number;
  /** Incidents handed off from and to the user, by kind ("reassigned_from"...). */
  handoffs: Record<string, number>;
}

function empty(): ResponderTruth {
  return {
    seconds: 0,
    scheduled: 0,
    directTargets: [],
    level1: 0,
    level2Plus: 0,
    business: 0,
    off: 0,
    sleep: 0,
    incidents: 0,
    notifications: 0,
    interruptions: { business: 0, off: 0, sleep: 0 },
    acknowledged: 0,
    ttaSum: 0,
    ttaN: 0,
    engaged: 0,
    handoffs: {},
  };
}

/**
 * Per user, a mark per quarter hour of [since, until): on call (ALL), at level 1 or 2+, named by
 * a schedule (SCHEDULED); and the rules that target each user directly.
 */
export function onCallQuarters(
  account: SimulatedAccount,
  range: { since: number; until: number },
  only: { policyIds?: ReadonlySet<string> } = {},
): { marks: Map<string, Uint8Array>; direct: Map<string, string[]> } {
  const quarters = (range.until - range.since) / QUARTER;
  const marks = new Map<string, Uint8Array>();
  const mark = (user: string, q: number, bits: number) => {
    let m = marks.get(user);
    if (!m) marks.set(user, (m = new Uint8Array(quarters)));
    m[q] = (m[q] ?? 0) | bits;
  };
  const schedules = new Map(account.entities.schedules.map((s) => [s.id, s]));
  const direct = new Map<string, string[]>();
  for (const policy of account.entities.policies) {
    if (only.policyIds && !only.policyIds.has(policy.id)) continue;
    policy.rules.forEach((rule, level) => {
      const bits = ALL | (level === 0 ? LEVEL_1 : LEVEL_2_PLUS);
      for (const target of rule.targets) {
        if (target.type === 'user_reference') {
          for (let q = 0; q < quarters; q += 1) mark(target.id, q, bits);
          direct.set(target.id, [...(direct.get(target.id) ?? []), `${policy.id}/${level + 1}`]);
          continue;
        }
        const schedule = schedules.get(target.id);
        if (!schedule) continue;
        for (let q = 0; q < quarters; q += 1) {
          const user = scheduleUserAt(schedule, range.since + q * QUARTER);
          if (user) mark(user, q, bits | SCHEDULED);
        }
      }
    });
  }
  return { marks, direct };
}

/** Per user, on-call seconds over [since, until) (quarter-hour aligned) and incident figures. */
export function responderTruth(
  account: SimulatedAccount,
  incidents: readonly TruthIncident[],
  range: { since: number; until: number },
  zoneOf: (userId: string) => string,
  only: { policyIds?: ReadonlySet<string>; userIds?: ReadonlySet<string> } = {},
): Map<string, ResponderTruth> {
  const { marks, direct } = onCallQuarters(account, range, only);
  const classes = new Map<string, ('business' | 'off' | 'sleep')[]>();
  const classOf = (zone: string, q: number) => {
    let list = classes.get(zone);
    if (!list) classes.set(zone, (list = []));
    return (list[q] ??= hourClass(range.since + q * QUARTER, zone));
  };
  const out = new Map<string, ResponderTruth>();
  const of = (user: string) => {
    let t = out.get(user);
    if (!t) out.set(user, (t = empty()));
    return t;
  };
  const q15 = QUARTER / 1000;
  for (const [user, m] of marks) {
    if (only.userIds && !only.userIds.has(user)) continue;
    const t = of(user);
    const zone = zoneOf(user);
    t.directTargets = [...new Set(direct.get(user) ?? [])].sort();
    m.forEach((bits, q) => {
      if (!(bits & ALL)) return;
      t.seconds += q15;
      if (bits & SCHEDULED) t.scheduled += q15;
      if (bits & LEVEL_1) t.level1 += q15;
      if (bits & LEVEL_2_PLUS) t.level2Plus += q15;
      t[classOf(zone, q)] += q15;
    });
  }
  for (const incident of incidents) {
    if (incident.created < range.since || incident.created >= range.until) continue;
    for (const [user, r] of incident.responders) {
      if (only.userIds && !only.userIds.has(user)) continue;
      const t = of(user);
      t.incidents += 1;
      t.notifications += r.notified;
      for (const [side, kinds] of [
        ['from', r.from],
        ['to', r.to],
      ] as const)
        for (const k of kinds) t.handoffs[`${k}_${side}`] = (t.handoffs[`${k}_${side}`] ?? 0) + 1;
      if (r.acked !== null) {
        t.acknowledged += 1;
        if (incident.resolvedAt !== null)
          t.engaged += Math.max(0, Math.round((incident.resolvedAt - r.acked) / 1000));
        if (r.assigned !== null) {
          t.ttaSum += Math.round((r.acked - r.assigned) / 1000);
          t.ttaN += 1;
        }
      }
    }
    for (const x of incident.interruptions)
      if (!only.userIds || only.userIds.has(x.user)) of(x.user).interruptions[x.kind] += 1;
  }
  return out;
}

/** The Gini coefficient by its definition: the mean absolute difference over twice the mean. */
export function giniByDefinition(values: readonly number[]): number | null {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 0 || mean === 0) return null;
  let diff = 0;
  for (const a of values) for (const b of values) diff += Math.abs(a - b);
  return diff / (n * n) / (2 * mean);
}
