import type { Kysely } from 'kysely';
import type {
  EvidenceEntry,
  EvidenceIncident,
  IncidentFacts,
  Interruption,
  ResponderFacts,
} from './incident-facts.js';
import { chunk, MAX_IN_LIST } from '../db/sql-batches.js';
import type { Database } from '../db/schema.js';
import { upsertRows } from '../db/repositories/table-writer.js';

function ms(value: Date | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** What the facts of these incidents are computed from: the incidents and their log entries. */
export async function loadIncidentEvidence(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<{ incident: EvidenceIncident; entries: EvidenceEntry[] }[]> {
  const out: { incident: EvidenceIncident; entries: EvidenceEntry[] }[] = [];
  for (const part of chunk([...new Set(ids)], MAX_IN_LIST)) {
    const [incidents, entries] = await Promise.all([
      db
        .selectFrom('incidents')
        .select([
          'id',
          'created_at',
          'resolved_at',
          'status',
          'urgency',
          'service_id',
          'escalation_policy_id',
          'priority_id',
          'first_acknowledged_at',
          'title',
          'incident_key',
          'alert_count_all',
        ])
        .where('id', 'in', part)
        .execute(),
      db
        .selectFrom('log_entries')
        .select([
          'id',
          'incident_id',
          'type',
          'created_at',
          'agent_id',
          'agent_type',
          'channel_type',
          'notification_type',
          'user_id',
          'assignee_ids',
        ])
        .where('incident_id', 'in', part)
        .execute(),
    ]);
    const byIncident = new Map<string, EvidenceEntry[]>();
    for (const e of entries) {
      if (!e.incident_id) continue;
      const list = byIncident.get(e.incident_id) ?? [];
      list.push({
        id: e.id,
        type: e.type,
        created_at: ms(e.created_at) ?? 0,
        agent_id: e.agent_id,
        agent_type: e.agent_type,
        channel_type: e.channel_type,
        notification_type: e.notification_type,
        user_id: e.user_id,
        assignee_ids: e.assignee_ids ? e.assignee_ids.split(',') : [],
      });
      byIncident.set(e.incident_id, list);
    }
    for (const i of incidents)
      out.push({
        incident: {
          id: i.id,
          created_at: ms(i.created_at) ?? 0,
          resolved_at: ms(i.resolved_at),
          status: i.status,
          urgency: i.urgency,
          service_id: i.service_id,
          escalation_policy_id: i.escalation_policy_id,
          priority_id: i.priority_id,
          first_acknowledged_at: ms(i.first_acknowledged_at),
          title: i.title,
          incident_key: i.incident_key,
          alert_count: i.alert_count_all,
        },
        entries: byIncident.get(i.id) ?? [],
      });
  }
  return out;
}

/** Makes the stored facts of these incidents exactly the ones given (none for an id without facts). */
export async function replaceIncidentFacts(
  db: Kysely<Database>,
  ids: readonly string[],
  facts: readonly IncidentFacts[],
  responders: readonly ResponderFacts[],
  interruptions: readonly Interruption[],
): Promise<void> {
  for (const part of chunk([...new Set(ids)], MAX_IN_LIST)) {
    await db.deleteFrom('incident_metrics').where('incident_id', 'in', part).execute();
    await db.deleteFrom('incident_responders').where('incident_id', 'in', part).execute();
    await db.deleteFrom('interruptions').where('incident_id', 'in', part).execute();
  }
  const date = (t: number | null) => (t === null ? null : new Date(t));
  const flag = (b: boolean) => (b ? 1 : 0);
  await upsertRows(
    db,
    'incident_metrics',
    facts.map((f) => ({
      ...f,
      created_at: new Date(f.created_at),
      resolved_at: date(f.resolved_at),
      auto_resolved: flag(f.auto_resolved),
      reassigned: flag(f.reassigned),
      manual_escalated: flag(f.manual_escalated),
      timeout_escalated: flag(f.timeout_escalated),
      reopened: flag(f.reopened),
    })),
  );
  await upsertRows(
    db,
    'incident_responders',
    responders.map((r) => ({
      ...r,
      incident_created_at: new Date(r.incident_created_at),
      first_assigned_at: date(r.first_assigned_at),
      first_acknowledged_at: date(r.first_acknowledged_at),
    })),
  );
  await upsertRows(
    db,
    'interruptions',
    interruptions.map((i) => ({
      ...i,
      started_at: new Date(i.started_at),
      incident_created_at: new Date(i.incident_created_at),
    })),
  );
}

/** Ids of incidents, `size` at a time, in id order: for recomputing every incident's facts. */
export async function* iterIncidentIds(
  db: Kysely<Database>,
  size: number,
): AsyncGenerator<string[], void, undefined> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('incidents')
      .select('id')
      .where('id', '>', after)
      .orderBy('id')
      .limit(size)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((r) => r.id);
    after = rows[rows.length - 1]?.id ?? after;
  }
}

/** Ids of incidents in which these users were notified (their figures depend on the users' zones). */
export async function listIncidentIdsInterrupting(
  db: Kysely<Database>,
  userIds: readonly string[],
): Promise<string[]> {
  const ids = new Set<string>();
  for (const part of chunk(userIds, MAX_IN_LIST))
    for (const r of await db
      .selectFrom('interruptions')
      .select('incident_id')
      .distinct()
      .where('user_id', 'in', part)
      .execute())
      ids.add(r.incident_id);
  return [...ids];
}
