import type { InterruptionColumns } from '../db/schema.js';
import { repeatKeyOf } from './repeat-key.js';
import { classifyInstant, type HourClass, type WorkingHours } from '../time/working-hours.js';

// The per-incident facts behind PagerDuty's AnalyticsIncidentMetrics and
// AnalyticsResponderMetrics, computed from the incident and its log entries whenever either
// changes, and stored (incident_metrics, incident_responders, interruptions). Each field is
// defined here once, in PagerDuty's words.

/** Notifications that interrupt: SMS, phone calls and push notifications (e-mail does not). */
export const INTERRUPTING_CHANNELS = new Set(['sms', 'phone', 'push_notification']);

/**
 * A notify entry's medium, in one spelling. PagerDuty writes it in `channel.notification.type`:
 * `sms`, `phone`, `email`, `push_notification` in log entries, `sms_notification`,
 * `phone_notification`, `email_notification` in its /notifications list (and its spec). Entries
 * stored from `channel.type` (mirrors of the simulator before migration 0013) carry it there.
 */
export function notificationMedium(entry: {
  notification_type: string | null;
  channel_type: string | null;
}): string | null {
  const raw = entry.notification_type ?? entry.channel_type;
  if (!raw) return null;
  return raw === 'push_notification' ? raw : raw.replace(/_notification$/, '');
}

/**
 * An escalation by timeout: nobody acknowledged in time. The spec says `channel.type: "timeout"`;
 * real entries also come as `channel.type: "auto"` with the service as agent ("Escalated to
 * Level 2 by timeout"). A user's escalation is by hand, whatever its channel.
 */
export function isTimeoutEscalation(entry: {
  channel_type: string | null;
  agent_type: string | null;
}): boolean {
  if (entry.channel_type === 'timeout') return true;
  return entry.channel_type === 'auto' && entry.agent_type !== null && entry.agent_type !== 'user';
}
/** Notifications of one incident to one user less than this after the first of an interruption belong to it. */
export const INTERRUPTION_MERGE_MS = 60_000;

/** What an incident is, as its facts carry it on: the keys the metrics group and filter by. */
export interface IncidentAttributes {
  created_at: number;
  resolved_at: number | null;
  status: string;
  urgency: string | null;
  service_id: string | null;
  escalation_policy_id: string | null;
  priority_id: string | null;
}

export interface EvidenceIncident extends IncidentAttributes {
  id: string;
  /** The first acknowledgement (the earliest acknowledge_log_entry, or a webhook's when earlier). */
  first_acknowledged_at: number | null;
  title: string | null;
  incident_key: string | null;
  /** alert_counts.all; null when PagerDuty gave none. */
  alert_count: number | null;
}

export interface EvidenceEntry {
  id: string;
  type: string;
  created_at: number;
  agent_id: string | null;
  /** user, service, integration... */
  agent_type: string | null;
  channel_type: string | null;
  /** notify_log_entry: the medium as PagerDuty wrote it (see notificationMedium). */
  notification_type: string | null;
  /** notify_log_entry: who was notified. */
  user_id: string | null;
  /** assign, escalate and delegate entries: who was assigned. */
  assignee_ids: readonly string[];
}

/**
 * How much an incident interrupted people (InterruptionColumns: notifications, interruptions by
 * hour class, engaged seconds), per incident in IncidentFacts and per incident and user in
 * ResponderFacts. Engaged seconds: for each user who acknowledged, from their first
 * acknowledgement to the resolve, summed; 0 while the incident is open. Notifications: every
 * notify_log_entry, any channel.
 */
export interface IncidentFacts extends IncidentAttributes, InterruptionColumns {
  incident_id: string;
  /** seconds_to_first_ack: the first acknowledgement minus created_at; null when never acknowledged. */
  seconds_to_first_ack: number | null;
  /** seconds_to_resolve: resolved_at (the last resolve) minus created_at; null unless resolved. */
  seconds_to_resolve: number | null;
  /** Resolved by a service or an integration (auto-resolve, an API or e-mail integration) rather than a user. */
  auto_resolved: boolean;
  /** A user reassigned it (assign_log_entry by a user) or delegated it to another policy. */
  reassigned: boolean;
  /** Escalated by hand: an escalate_log_entry that is not by timeout. */
  manual_escalated: boolean;
  /** Escalated because nobody acknowledged in time: an escalate_log_entry by timeout (isTimeoutEscalation). */
  timeout_escalated: boolean;
  /** Every escalate_log_entry. */
  escalation_count: number;
  /** Users who acknowledged. */
  engaged_user_count: number;
  /** alert_counts.all: the alerts grouped into the incident; null when PagerDuty gave none. */
  alert_count: number | null;
  /** What makes it the same alert as another of its service (see repeat-key.ts); null with neither key nor title. */
  repeat_key: string | null;
  /** Resolved, then triggered again: an entry that reopens it (REOPENING) after a resolve_log_entry. */
  reopened: boolean;
  /**
   * Users assigned, counted once per assign, escalate or delegate entry naming them (PagerDuty's
   * assignment count; an accepted responder request shows in the log as an assignment).
   */
  assignment_count: number;
  /** With two or more users engaged: the last user's first acknowledgement minus created_at. */
  seconds_to_mobilize: number | null;
  /** With two or more users engaged: the last user's first acknowledgement minus the first's. */
  seconds_to_engage: number | null;
  /**
   * From each snooze_log_entry to what ends the snooze (REST log entries carry no snooze length):
   * the next unacknowledge, acknowledge, snooze, assignment or resolve; a snooze still running
   * counts once its end is logged.
   */
  snoozed_seconds: number;
}

export interface ResponderFacts extends InterruptionColumns {
  incident_id: string;
  user_id: string;
  incident_created_at: number;
  /** The user's first assignment (assign, escalate or delegate entry naming them; else their first notification). */
  first_assigned_at: number | null;
  /** The user's first acknowledge_log_entry. */
  first_acknowledged_at: number | null;
  /** Handoffs (1 or 0, see HANDOFF_COLUMNS): the user was taken off the incident, or put on it. */
  reassigned_from: number;
  reassigned_to: number;
  manual_escalated_from: number;
  manual_escalated_to: number;
  timeout_escalated_from: number;
  timeout_escalated_to: number;
}

/**
 * What an assign, escalate or delegate entry does to the users assigned, in PagerDuty's terms:
 * a user's reassignment (assign_log_entry by a user, or a delegation), a manual or a timeout
 * escalation; the policy's own first assignment is none. "From": assigned before, not after
 * (for a manual escalation, only users who had not acknowledged); "to": assigned after, not
 * before. Who is assigned is the last such entry's assignees, nobody once resolved.
 */
function handoffOf(
  entry: EvidenceEntry,
): 'reassigned' | 'manual_escalated' | 'timeout_escalated' | null {
  if (entry.type === 'delegate_log_entry') return 'reassigned';
  if (entry.type === 'assign_log_entry') return entry.agent_type === 'user' ? 'reassigned' : null;
  if (entry.type === 'escalate_log_entry')
    return isTimeoutEscalation(entry) ? 'timeout_escalated' : 'manual_escalated';
  return null;
}

export interface Interruption {
  incident_id: string;
  user_id: string;
  /** Its first notification: what places it in business, off or sleep hours. */
  started_at: number;
  hour_class: HourClass;
  incident_created_at: number;
}

export interface FactsContext {
  hours: WorkingHours;
  /** The user's own zone, or ANALYTICS_TIME_ZONE when PagerDuty never gave one. */
  zoneOf: (userId: string) => string;
}

const ASSIGNING = new Set(['assign_log_entry', 'escalate_log_entry', 'delegate_log_entry']);
/** Entries after a resolve that mean the incident was triggered again (notifications and notes do not). */
const REOPENING = new Set([
  'trigger_log_entry',
  'acknowledge_log_entry',
  'unacknowledge_log_entry',
  ...ASSIGNING,
]);
/** Entries that end a snooze. */
const ENDING_SNOOZE = new Set([
  'unacknowledge_log_entry',
  'acknowledge_log_entry',
  'snooze_log_entry',
  'resolve_log_entry',
  ...ASSIGNING,
]);

function seconds(from: number, to: number): number {
  return Math.round((to - from) / 1000);
}

/** Notifications merged into interruptions, one list per user, in time order. */
export function interruptionsOf(
  incident: EvidenceIncident,
  entries: readonly EvidenceEntry[],
  context: FactsContext,
): Interruption[] {
  const byUser = new Map<string, number[]>();
  for (const e of entries)
    if (
      e.type === 'notify_log_entry' &&
      e.user_id &&
      INTERRUPTING_CHANNELS.has(notificationMedium(e) ?? '')
    )
      byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e.created_at]);
  const out: Interruption[] = [];
  for (const [userId, times] of byUser) {
    times.sort((a, b) => a - b);
    let start: number | undefined;
    for (const t of times) {
      if (start !== undefined && t - start < INTERRUPTION_MERGE_MS) continue;
      start = t;
      out.push({
        incident_id: incident.id,
        user_id: userId,
        started_at: t,
        hour_class: classifyInstant(t, context.zoneOf(userId), context.hours),
        incident_created_at: incident.created_at,
      });
    }
  }
  return out;
}

/** Every fact of one incident, from the incident and its log entries. */
export function computeIncidentFacts(
  incident: EvidenceIncident,
  entries: readonly EvidenceEntry[],
  context: FactsContext,
): { facts: IncidentFacts; responders: ResponderFacts[]; interruptions: Interruption[] } {
  const sorted = [...entries].sort(
    (a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id),
  );
  // resolved_at when PagerDuty gave it, else the last resolve_log_entry (CONTRACT.md: an incident
  // object may lack the field); the mirror fills the incident's column the same way.
  const resolvedAt =
    incident.status === 'resolved'
      ? (incident.resolved_at ??
        sorted.findLast((e) => e.type === 'resolve_log_entry')?.created_at ??
        null)
      : null;
  const resolved = resolvedAt !== null;
  const interruptions = interruptionsOf(incident, sorted, context);
  const responders = new Map<string, ResponderFacts>();
  const responder = (userId: string) => {
    let r = responders.get(userId);
    if (!r) {
      r = {
        incident_id: incident.id,
        user_id: userId,
        incident_created_at: incident.created_at,
        first_assigned_at: null,
        first_acknowledged_at: null,
        reassigned_from: 0,
        reassigned_to: 0,
        manual_escalated_from: 0,
        manual_escalated_to: 0,
        timeout_escalated_from: 0,
        timeout_escalated_to: 0,
        notification_count: 0,
        interruption_count: 0,
        business_hour_interruptions: 0,
        off_hour_interruptions: 0,
        sleep_hour_interruptions: 0,
        engaged_seconds: 0,
      };
      responders.set(userId, r);
    }
    return r;
  };
  let escalations = 0;
  let notifications = 0;
  let reassigned = false;
  let manual = false;
  let timeout = false;
  let lastResolveAgent: string | null | undefined;
  let resolvedOnce = false;
  let reopened = false;
  let assignments = 0;
  let snoozedSince: number | null = null;
  let snoozedSeconds = 0;
  let assigned = new Set<string>();
  const firstNotified = new Map<string, number>();
  for (const e of sorted) {
    if (resolvedOnce && REOPENING.has(e.type)) reopened = true;
    if (snoozedSince !== null && ENDING_SNOOZE.has(e.type)) {
      snoozedSeconds += Math.max(0, seconds(snoozedSince, e.created_at));
      snoozedSince = null;
    }
    switch (e.type) {
      case 'notify_log_entry':
        notifications += 1;
        if (e.user_id) {
          responder(e.user_id).notification_count += 1;
          if (!firstNotified.has(e.user_id)) firstNotified.set(e.user_id, e.created_at);
        }
        break;
      case 'escalate_log_entry':
        escalations += 1;
        if (isTimeoutEscalation(e)) timeout = true;
        else manual = true;
        break;
      case 'acknowledge_log_entry':
        if (e.agent_id && (e.agent_type ?? 'user') === 'user') {
          const r = responder(e.agent_id);
          r.first_acknowledged_at ??= e.created_at;
        }
        break;
      case 'resolve_log_entry':
        lastResolveAgent = e.agent_type;
        resolvedOnce = true;
        assigned = new Set();
        break;
      case 'snooze_log_entry':
        snoozedSince = e.created_at;
        break;
      default:
        break;
    }
    if (ASSIGNING.has(e.type)) {
      if (
        (e.type === 'assign_log_entry' && e.agent_type === 'user') ||
        e.type === 'delegate_log_entry'
      )
        reassigned = true;
      assignments += e.assignee_ids.length;
      const handoff = handoffOf(e);
      const next = new Set(e.assignee_ids);
      if (handoff) {
        for (const userId of assigned) {
          const r = responder(userId);
          if (next.has(userId)) continue;
          if (handoff === 'manual_escalated' && r.first_acknowledged_at !== null) continue;
          r[`${handoff}_from`] = 1;
        }
        for (const userId of next)
          if (!assigned.has(userId)) responder(userId)[`${handoff}_to`] = 1;
      }
      assigned = next;
      for (const userId of e.assignee_ids) responder(userId).first_assigned_at ??= e.created_at;
    }
  }
  for (const i of interruptions) {
    const r = responder(i.user_id);
    r.interruption_count += 1;
    if (i.hour_class === 'business') r.business_hour_interruptions += 1;
    else if (i.hour_class === 'off') r.off_hour_interruptions += 1;
    else r.sleep_hour_interruptions += 1;
  }
  let engagedSeconds = 0;
  let engagedUsers = 0;
  for (const r of responders.values()) {
    // Without an assignment entry (older data), the first notification is when they were asked.
    r.first_assigned_at ??= firstNotified.get(r.user_id) ?? null;
    if (r.first_acknowledged_at === null) continue;
    engagedUsers += 1;
    if (resolvedAt !== null)
      r.engaged_seconds = Math.max(0, seconds(r.first_acknowledged_at, resolvedAt));
    engagedSeconds += r.engaged_seconds;
  }
  const count = (c: HourClass) => interruptions.filter((i) => i.hour_class === c).length;
  const engagedAt = [...responders.values()].flatMap((r) =>
    r.first_acknowledged_at === null ? [] : [r.first_acknowledged_at],
  );
  const several = engagedAt.length >= 2;
  return {
    facts: {
      incident_id: incident.id,
      created_at: incident.created_at,
      resolved_at: resolvedAt,
      status: incident.status,
      urgency: incident.urgency,
      service_id: incident.service_id,
      escalation_policy_id: incident.escalation_policy_id,
      priority_id: incident.priority_id,
      seconds_to_first_ack:
        incident.first_acknowledged_at === null
          ? null
          : seconds(incident.created_at, incident.first_acknowledged_at),
      seconds_to_resolve: resolvedAt !== null ? seconds(incident.created_at, resolvedAt) : null,
      auto_resolved: resolved && lastResolveAgent !== undefined && lastResolveAgent !== 'user',
      reassigned,
      manual_escalated: manual,
      timeout_escalated: timeout,
      escalation_count: escalations,
      notification_count: notifications,
      interruption_count: interruptions.length,
      business_hour_interruptions: count('business'),
      off_hour_interruptions: count('off'),
      sleep_hour_interruptions: count('sleep'),
      engaged_seconds: engagedSeconds,
      engaged_user_count: engagedUsers,
      alert_count: incident.alert_count,
      repeat_key: repeatKeyOf(incident),
      reopened,
      assignment_count: assignments,
      seconds_to_mobilize: several ? seconds(incident.created_at, Math.max(...engagedAt)) : null,
      seconds_to_engage: several ? seconds(Math.min(...engagedAt), Math.max(...engagedAt)) : null,
      snoozed_seconds: snoozedSeconds,
    },
    responders: [...responders.values()],
    interruptions,
  };
}
