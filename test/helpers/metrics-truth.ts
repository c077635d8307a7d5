import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { incidentId } from '../../src/simulator/simulated-account.js';

// The response and interruption figures as the generator's own state implies them, computed
// here in TypeScript from the simulated events: not through the mirror, not through its SQL, and
// not through src/mirror (the code under test). Times and zones through Intl directly.

export interface TruthIncident {
  id: string;
  created: number;
  status: string;
  urgency: string;
  serviceId: string;
  policyId: string;
  priorityId: string | null;
  teamIds: string[];
  resolvedAt: number | null;
  ackSeconds: number | null;
  resolveSeconds: number | null;
  autoResolved: boolean;
  reassigned: boolean;
  manualEscalated: boolean;
  timeoutEscalated: boolean;
  escalations: number;
  notifications: number;
  interruptions: { user: string; at: number; kind: 'business' | 'off' | 'sleep' }[];
  engagedSeconds: number;
  engagedUsers: number;
  /** Per user: first assignment and first acknowledgement, and the handoffs from and to them. */
  responders: Map<string, TruthResponder>;
}

export type Handoff = 'reassigned' | 'manual_escalated' | 'timeout_escalated';
export interface TruthResponder {
  assigned: number | null;
  acked: number | null;
  notified: number;
  from: Set<Handoff>;
  to: Set<Handoff>;
}

const parts = new Map<string, Intl.DateTimeFormat>();
export function wall(ms: number, zone: string) {
  let f = parts.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    parts.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return {
    date: `${p['year']}-${p['month']}-${p['day']}`,
    minutes: Number(p['hour']) * 60 + Number(p['minute']),
    weekday: String(p['weekday']),
  };
}

/** PagerDuty's hour classes with the default hours: sleep 22-08 every day, business 08-18 Mon-Fri. */
export function hourClass(ms: number, zone: string, holidays: ReadonlySet<string> = new Set()) {
  const w = wall(ms, zone);
  if (w.minutes >= 22 * 60 || w.minutes < 8 * 60) return 'sleep' as const;
  const weekday = !['Sat', 'Sun'].includes(w.weekday);
  if (weekday && !holidays.has(w.date) && w.minutes < 18 * 60) return 'business' as const;
  return 'off' as const;
}

/**
 * Every incident's facts at the account's now. `zoneOf` gives the zone the mirror knows for a
 * user: their own, or the default for users PagerDuty never listed (deleted before the sync).
 */
export function metricsTruth(
  account: SimulatedAccount,
  zoneOf: (userId: string) => string,
): TruthIncident[] {
  const store = account.incidents;
  const e = account.entities;
  const out: TruthIncident[] = [];
  for (let i = 0; i < store.count; i += 1) {
    const lifecycle = store.lifecycle(i);
    const state = store.stateAt(i, account.now, lifecycle);
    const created = store.createdAt[i] ?? 0;
    const service = e.services[store.serviceIndex[i] ?? 0];
    const priority =
      lifecycle.priorityIndex >= 0 ? e.priorities[lifecycle.priorityIndex] : undefined;
    const events = state.events;
    const resolved = state.status === 'resolved' ? state.resolvedAt : null;
    const lastResolve = [...events].reverse().find((ev) => ev.type === 'resolve_log_entry');
    const responders = new Map<string, TruthResponder>();
    const who = (u: string) => {
      let r = responders.get(u);
      if (!r)
        responders.set(
          u,
          (r = { assigned: null, acked: null, notified: 0, from: new Set(), to: new Set() }),
        );
      return r;
    };
    // Who is assigned: the last assignment's users, nobody once resolved.
    let current = new Set<string>();
    const notifiedFirst = new Map<string, number>();
    const pushes = new Map<string, number[]>();
    for (const ev of events) {
      if (ev.type === 'notify_log_entry' && ev.userId) {
        who(ev.userId).notified += 1;
        if (!notifiedFirst.has(ev.userId)) notifiedFirst.set(ev.userId, ev.at);
        if (['sms', 'phone', 'push_notification'].includes(ev.channel))
          pushes.set(ev.userId, [...(pushes.get(ev.userId) ?? []), ev.at]);
      }
      if (ev.type === 'acknowledge_log_entry' && ev.agent.type === 'user_reference') {
        const r = who(ev.agent.id);
        if (r.acked === null) r.acked = ev.at;
      }
      if (ev.type === 'resolve_log_entry') current = new Set();
      if (['assign_log_entry', 'escalate_log_entry'].includes(ev.type)) {
        const next = new Set(ev.assignees ?? []);
        const handoff: Handoff | null =
          ev.type === 'escalate_log_entry'
            ? ev.channel === 'timeout'
              ? 'timeout_escalated'
              : 'manual_escalated'
            : ev.agent.type === 'user_reference'
              ? 'reassigned'
              : null;
        if (handoff) {
          for (const u of current)
            if (!next.has(u) && (handoff !== 'manual_escalated' || who(u).acked === null))
              who(u).from.add(handoff);
          for (const u of next) if (!current.has(u)) who(u).to.add(handoff);
        }
        current = next;
        for (const u of ev.assignees ?? []) {
          const r = who(u);
          if (r.assigned === null) r.assigned = ev.at;
        }
      }
    }
    for (const [u, r] of responders)
      if (r.assigned === null) r.assigned = notifiedFirst.get(u) ?? null;
    const interruptions: TruthIncident['interruptions'] = [];
    for (const [user, times] of pushes) {
      let start = -Infinity;
      for (const t of [...times].sort((a, b) => a - b)) {
        if (t - start < 60_000) continue;
        start = t;
        interruptions.push({ user, at: t, kind: hourClass(t, zoneOf(user)) });
      }
    }
    const ackers = [...responders.values()].filter((r) => r.acked !== null);
    out.push({
      id: incidentId(i),
      created,
      status: state.status,
      urgency: lifecycle.urgency,
      serviceId: service?.id ?? '',
      policyId: service?.policyId ?? '',
      priorityId: priority?.id ?? null,
      teamIds: [...(service?.teamIds ?? [])],
      resolvedAt: resolved,
      ackSeconds:
        state.firstAcknowledgedAt === null
          ? null
          : Math.round((state.firstAcknowledgedAt - created) / 1000),
      resolveSeconds: resolved === null ? null : Math.round((resolved - created) / 1000),
      autoResolved: resolved !== null && lastResolve?.agent.type === 'service_reference',
      reassigned: events.some(
        (ev) => ev.type === 'assign_log_entry' && ev.agent.type === 'user_reference',
      ),
      manualEscalated: events.some(
        (ev) => ev.type === 'escalate_log_entry' && ev.channel !== 'timeout',
      ),
      timeoutEscalated: events.some(
        (ev) => ev.type === 'escalate_log_entry' && ev.channel === 'timeout',
      ),
      escalations: events.filter((ev) => ev.type === 'escalate_log_entry').length,
      notifications: events.filter((ev) => ev.type === 'notify_log_entry').length,
      interruptions,
      engagedSeconds:
        resolved === null
          ? 0
          : ackers.reduce(
              (n, r) => n + Math.max(0, Math.round((resolved - (r.acked ?? 0)) / 1000)),
              0,
            ),
      engagedUsers: ackers.length,
      responders,
    });
  }
  return out;
}

/** percentile_cont: linear interpolation between the closest ranks. */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? 0;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? a;
  return a + (h - lo) * (b - a);
}

/** The first instant of the local date of `ms`'s period (day, week from Monday, month) in `zone`, as PagerDuty writes it. */
export function periodStartText(ms: number, unit: 'day' | 'week' | 'month', zone: string): string {
  const w = wall(ms, zone);
  const [y, m, d] = w.date.split('-').map(Number) as [number, number, number];
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(w.weekday);
  const day = new Date(
    unit === 'month'
      ? Date.UTC(y, m - 1, 1)
      : Date.UTC(y, m - 1, d - (unit === 'week' ? weekday : 0)),
  );
  const target = day.toISOString().slice(0, 10);
  // The first minute whose local date is the target, searched from 15 hours before UTC midnight.
  let t = day.getTime() - 15 * 3600_000;
  while (wall(t, zone).date !== target) t += 15 * 60_000;
  while (wall(t - 60_000, zone).date === target) t -= 60_000;
  const offsetName =
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(t))
      .find((x) => x.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = offsetName === 'GMT' ? '+00:00' : offsetName.slice(3);
  const local = wall(t, zone);
  const hh = String(Math.floor(local.minutes / 60)).padStart(2, '0');
  const mm = String(local.minutes % 60).padStart(2, '0');
  return `${local.date}T${hh}:${mm}:00${offset}`;
}
