import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { TruthIncident } from './metrics-truth.js';

// The noise figures as the generator's own state implies them: which alert an incident is comes
// from the simulator's alert identity (its burst, title template and kind of key), not from the
// mirror's normalised titles, and every test here is plain TypeScript over the events.

export interface NoiseTruth extends TruthIncident {
  alerts: number;
  /** The same alert on the same service: its key, or its title template when it has no key. */
  alertId: string;
  source: 'incident_key' | 'title';
  incidentKey: string | null;
  transient: boolean;
  unacknowledgedResolved: boolean;
  repeat: boolean;
  reopened: boolean;
  /** Parity facts. */
  assignments: number;
  mobilizeSeconds: number | null;
  engageSeconds: number | null;
  snoozedSeconds: number;
}

const REOPENING = new Set([
  'trigger_log_entry',
  'acknowledge_log_entry',
  'unacknowledge_log_entry',
  'assign_log_entry',
  'escalate_log_entry',
  'delegate_log_entry',
]);
const ENDING_SNOOZE = new Set([...REOPENING, 'snooze_log_entry', 'resolve_log_entry']);
ENDING_SNOOZE.delete('trigger_log_entry');

/** The noise facts of every incident (in the order of `base`, which is index order). */
export function noiseTruth(
  account: SimulatedAccount,
  base: readonly TruthIncident[],
  settings = { transientMinutes: 5, repeatWindowHours: 24 },
): NoiseTruth[] {
  const store = account.incidents;
  const out: NoiseTruth[] = base.map((b, i) => {
    const lifecycle = store.lifecycle(i);
    const events = store.stateAt(i, account.now, lifecycle).events;
    const resolved = b.resolvedAt !== null;
    const unacked = resolved && b.ackSeconds === null;
    let seenResolve = false;
    let reopened = false;
    let snoozedAt: number | null = null;
    let snoozed = 0;
    for (const e of events) {
      if (seenResolve && REOPENING.has(e.type)) reopened = true;
      if (e.type === 'resolve_log_entry') seenResolve = true;
      if (snoozedAt !== null && ENDING_SNOOZE.has(e.type)) {
        snoozed += Math.round((e.at - snoozedAt) / 1000);
        snoozedAt = null;
      }
      if (e.type === 'snooze_log_entry') snoozedAt = e.at;
    }
    const acks = [...b.responders.values()].flatMap((r) => (r.acked === null ? [] : [r.acked]));
    const several = acks.length >= 2;
    const alert = lifecycle.alert;
    const keyed = lifecycle.incidentKey !== null;
    return {
      ...b,
      alerts: lifecycle.alerts,
      alertId: `${b.serviceId} ${keyed ? `key ${lifecycle.incidentKey}` : `template ${alert.template}`}`,
      source: keyed ? 'incident_key' : 'title',
      incidentKey: lifecycle.incidentKey,
      transient: unacked && (b.resolveSeconds ?? Infinity) <= settings.transientMinutes * 60,
      unacknowledgedResolved: unacked,
      repeat: false,
      reopened,
      assignments: events
        .filter((e) => e.type === 'assign_log_entry' || e.type === 'escalate_log_entry')
        .reduce((n, e) => n + (e.assignees?.length ?? 0), 0),
      mobilizeSeconds: several ? Math.round((Math.max(...acks) - b.created) / 1000) : null,
      engageSeconds: several ? Math.round((Math.max(...acks) - Math.min(...acks)) / 1000) : null,
      snoozedSeconds: snoozed,
    };
  });
  // A repeat: another incident of the same alert created within the window before it (at the
  // same instant, the one with the smaller id is first).
  const window = settings.repeatWindowHours * 3600_000;
  const byAlert = new Map<string, NoiseTruth[]>();
  for (const t of out) byAlert.set(t.alertId, [...(byAlert.get(t.alertId) ?? []), t]);
  for (const list of byAlert.values())
    for (const t of list)
      t.repeat = list.some(
        (o) =>
          o !== t &&
          o.created >= t.created - window &&
          (o.created < t.created || (o.created === t.created && o.id < t.id)),
      );
  return out;
}
