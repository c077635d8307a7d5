import crypto from 'node:crypto';
import type { Insertable } from 'kysely';
import type {
  EscalationRuleTargetsTable,
  EscalationTargetType,
  IncidentAcknowledgementsTable,
  IncidentAssignmentsTable,
  IncidentsTable,
  LogEntriesTable,
  OncallsTable,
  ScheduleEntriesTable,
} from '../db/schema.js';
import type {
  PdIncident,
  PdLogEntry,
  PdOncall,
  PdReference,
  PdScheduleEntry,
} from '../pagerduty/pagerduty-types.js';

/**
 * Parses a PagerDuty timestamp. Accounts answer with their own offset (`-05:00`) unless asked
 * for UTC, so the offset is honoured rather than assumed to be Z. Unparseable or missing gives null.
 */
export function parsePdTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * The columns of a directory object listed in full (user, team, escalation policy, service,
 * schedule, priority): its id, its name (a reference may carry only `summary`), its own
 * `fields`, and the listing's time with deleted_at null, so that an object listed again after
 * being marked deleted is revived.
 */
export function listedRow<F extends object>(
  object: { id: string; name?: string | null; summary?: string | null },
  listedAt: Date,
  fields: F,
) {
  return {
    id: object.id,
    name: object.name ?? object.summary ?? object.id,
    ...fields,
    synced_at: listedAt,
    deleted_at: null,
  };
}

/** `user_reference` and `user` (an included full object) both name a user. */
export function referenceKind(ref: PdReference | null | undefined): string | null {
  if (!ref?.type) return null;
  return ref.type.replace(/_reference$/, '');
}

/** Ids of a list of references; null lists and null entries are skipped. */
export function refIds(
  refs: readonly (PdReference | null | undefined)[] | null | undefined,
): string[] {
  return [...new Set((refs ?? []).flatMap((r) => (r?.id ? [r.id] : [])))];
}

export function ruleTargetType(ref: PdReference): EscalationTargetType | null {
  const kind = referenceKind(ref);
  if (kind === 'user') return 'user';
  if (kind === 'schedule') return 'schedule';
  if (kind === 'schedule_v3') return 'schedule_v3';
  return null;
}

export function ruleTargetRows(
  ruleId: string,
  targets: readonly PdReference[] | null | undefined,
): Insertable<EscalationRuleTargetsTable>[] {
  const rows: Insertable<EscalationRuleTargetsTable>[] = [];
  const seen = new Set<string>();
  (targets ?? []).forEach((target, position) => {
    const type = target ? ruleTargetType(target) : null;
    if (!type || !target.id || seen.has(`${type}:${target.id}`)) return;
    seen.add(`${type}:${target.id}`);
    rows.push({ escalation_rule_id: ruleId, target_type: type, target_id: target.id, position });
  });
  return rows;
}

/**
 * The columns an incident's references give, read alike from a REST incident and from a
 * webhook's incident data: a missing or null reference is a null column.
 */
export function incidentRefColumns(incident: {
  priority?: PdReference | null;
  service?: PdReference | null;
  escalation_policy?: PdReference | null;
}) {
  return {
    priority_id: incident.priority?.id ?? null,
    service_id: incident.service?.id ?? null,
    escalation_policy_id: incident.escalation_policy?.id ?? null,
  };
}

/**
 * The incident's own columns. first_acknowledged_at is left out on purpose: it comes from log
 * entries (acknowledgements[] is emptied after the fact), and an upsert must not erase it.
 */
export function incidentRow(incident: PdIncident, syncedAt: Date): Insertable<IncidentsTable> {
  const created = parsePdTime(incident.created_at);
  if (!created) throw new Error(`incident ${incident.id} has no valid created_at`);
  return {
    id: incident.id,
    incident_number: incident.incident_number,
    title: incident.title ?? incident.summary ?? null,
    status: incident.status,
    urgency: incident.urgency ?? null,
    ...incidentRefColumns(incident),
    created_at: created,
    updated_at: parsePdTime(incident.updated_at),
    last_status_change_at: parsePdTime(incident.last_status_change_at),
    // resolved_at is the last resolve where an incident was reopened; null unless resolved.
    resolved_at: incident.status === 'resolved' ? parsePdTime(incident.resolved_at) : null,
    alert_count_all: incident.alert_counts?.all ?? null,
    alert_count_triggered: incident.alert_counts?.triggered ?? null,
    alert_count_resolved: incident.alert_counts?.resolved ?? null,
    resolve_reason: incident.resolve_reason?.type ?? null,
    incident_key: incident.incident_key ?? null,
    html_url: incident.html_url ?? null,
    synced_at: syncedAt,
    deleted_at: null,
  };
}

/**
 * The rows made of `items` (null where an item makes none), the first of each key only: an
 * incident's lists may name an assignee or an acknowledgement twice, and a row is written once.
 */
function firstOfEachKey<T, R>(
  items: readonly T[] | null | undefined,
  toRow: (item: T) => R | null,
  key: (row: R) => string,
): R[] {
  const rows = new Map<string, R>();
  for (const item of items ?? []) {
    const row = toRow(item);
    if (row !== null && !rows.has(key(row))) rows.set(key(row), row);
  }
  return [...rows.values()];
}

export function incidentAssignmentRows(
  incident: PdIncident,
): Insertable<IncidentAssignmentsTable>[] {
  return firstOfEachKey(
    incident.assignments,
    (a) =>
      a?.assignee?.id
        ? { incident_id: incident.id, user_id: a.assignee.id, at: parsePdTime(a.at) }
        : null,
    (row) => row.user_id,
  );
}

export function incidentAcknowledgementRows(
  incident: PdIncident,
): Insertable<IncidentAcknowledgementsTable>[] {
  return firstOfEachKey(
    incident.acknowledgements,
    (a) => {
      const id = a?.acknowledger?.id;
      const at = parsePdTime(a?.at);
      if (!id || !at) return null;
      // The acknowledger may be a service (some integrations acknowledge).
      return {
        incident_id: incident.id,
        acknowledger_id: id,
        acknowledger_type: referenceKind(a.acknowledger) ?? 'user',
        at,
      };
    },
    (row) => `${row.acknowledger_id}@${row.at.getTime()}`,
  );
}

export function logEntryRow(entry: PdLogEntry, syncedAt: Date): Insertable<LogEntriesTable> | null {
  const created = parsePdTime(entry.created_at);
  if (!created || !entry.id) return null;
  return {
    id: entry.id,
    type: entry.type,
    created_at: created,
    incident_id: entry.incident?.id ?? null,
    service_id: entry.service?.id ?? null,
    agent_id: entry.agent?.id ?? null,
    agent_type: referenceKind(entry.agent),
    channel_type: entry.channel?.type ?? null,
    // A notification's medium: channel.type of a notify entry is `auto` (CONTRACT.md).
    notification_type: entry.channel?.notification?.type ?? null,
    user_id: entry.user?.id ?? null,
    assignee_ids: entry.assignees?.length ? refIds(entry.assignees).join(',') : null,
    synced_at: syncedAt,
  };
}

export function scheduleEntryRows(
  scheduleId: string,
  entries: readonly PdScheduleEntry[] | null | undefined,
  syncedAt: Date,
  from?: Date,
): Insertable<ScheduleEntriesTable>[] {
  const seen = new Set<string>();
  return (entries ?? []).flatMap((e) => {
    let start = parsePdTime(e.start);
    const end = parsePdTime(e.end);
    const userId = e.user?.id;
    // Stored from `from` on, like on-call spans (see oncallRow).
    if (from && start && end && start < from) start = end > from ? from : null;
    if (!start || !end || !userId || seen.has(`${start.getTime()}:${userId}`)) return [];
    seen.add(`${start.getTime()}:${userId}`);
    return [{ schedule_id: scheduleId, user_id: userId, start, end, synced_at: syncedAt }];
  });
}

/**
 * /oncalls spans have no id: one is derived from the fields that make a span distinct. A span is
 * stored from `from` on (the part before it is history already kept), so the id is derived after
 * clipping; a span that ends by `from` is not stored. Permanent spans (no start, no end) stay whole.
 */
export function oncallRow(
  oncall: PdOncall,
  syncedAt: Date,
  from?: Date,
): Insertable<OncallsTable> | null {
  if (!oncall.user?.id || !oncall.escalation_policy?.id) return null;
  let start = parsePdTime(oncall.start);
  const end = parsePdTime(oncall.end);
  if (from && end && end <= from) return null;
  if (from && start && start < from) start = from;
  const key = [
    oncall.user.id,
    oncall.schedule?.id ?? '',
    oncall.escalation_policy.id,
    oncall.escalation_level,
    start?.toISOString() ?? '',
    end?.toISOString() ?? '',
  ].join('|');
  return {
    id: crypto.createHash('sha1').update(key).digest('hex'),
    user_id: oncall.user.id,
    schedule_id: oncall.schedule?.id ?? null,
    escalation_policy_id: oncall.escalation_policy.id,
    escalation_level: oncall.escalation_level,
    start,
    end,
    synced_at: syncedAt,
  };
}
