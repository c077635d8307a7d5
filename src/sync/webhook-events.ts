import type { Kysely } from 'kysely';
import { markDeleted, replaceOwnedRows } from '../db/repositories/table-writer.js';
import {
  isWebhookDelivered,
  recordWebhookDelivery,
} from '../db/repositories/webhook-deliveries-repository.js';
import type { Database } from '../db/schema.js';
import type { PdIncident, PdReference } from '../pagerduty/pagerduty-types.js';
import {
  addPendingIncident,
  findIncidentIdByNumber,
  incidentExists,
  moveFirstAcknowledgementEarlier,
  updateIncidentIfNewer,
  upsertIncidents,
} from '../db/repositories/incidents-repository.js';
import { writeMirror, type MirrorWriter } from '../mirror/mirror-writer.js';
import { incidentRefColumns, parsePdTime, refIds } from './pd-mappers.js';

/**
 * A PagerDuty v3 webhook event as the mirror reads it. When `data` is an incident (data_type
 * `incident`), it holds the incident's fields, with `number` and `assignees` where REST says
 * incident_number and assignments; for any other data only its id.
 */
export interface PdWebhookEvent {
  event: {
    id: string;
    event_type: string;
    resource_type: string;
    occurred_at: string;
    /** PagerDuty's data.type: incident, incident_note, incident_responder, service... */
    data_type: string | null;
    /** The incident the event is about: data itself, or the incident a sub-resource names. */
    incident_id: string | null;
    data: Partial<
      Pick<
        PdIncident,
        | 'id'
        | 'title'
        | 'status'
        | 'urgency'
        | 'created_at'
        | 'html_url'
        | 'incident_key'
        | 'service'
        | 'escalation_policy'
        | 'teams'
        | 'priority'
      >
    > & { number?: number; assignees?: PdReference[] | null };
  };
}

/**
 * applied: written; duplicate: this event id was applied before (a retry or a replay);
 * ignored: not an event the mirror keeps; stale: older than WEBHOOK_MAX_AGE_MS (see SECURITY.md);
 * superseded: the mirror already holds a newer state of the incident (events arrive out of
 * order); pending: names an incident the mirror lacks and cannot create from the event; the next
 * sync reads it.
 */
export const WEBHOOK_OUTCOMES = [
  'applied',
  'duplicate',
  'ignored',
  'stale',
  'superseded',
  'pending',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/**
 * Events that occurred longer ago than this are not applied. PagerDuty retries a failed delivery
 * within minutes; anything older is a replay (or a delivery so late that the next sync, which
 * reconciles every incident that changed, has it anyway).
 */
export const WEBHOOK_MAX_AGE_MS = 60 * 60 * 1000;

const STATUS_EVENTS = new Set([
  'incident.triggered',
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.resolved',
  'incident.reopened',
]);

/**
 * Applies one verified and parsed webhook event: events whose data is an incident update it (or
 * insert it when new); events about a sub-resource of an incident (a note, a status update, a
 * responder, a conference bridge, a workflow...) carry no incident state, so the next sync reads
 * that incident again (pending); service.deleted marks the service deleted; the rest (service
 * changes, pagey.ping, types the mirror does not know) are ignored, the next sync reconciling
 * them. Deduplicated on the event's own id, which the signature covers (the X-Webhook-Id header
 * does not). PagerDuty does not promise delivery order: an event changes the incident only when
 * it occurred after the state stored (its updated_at), and the first acknowledgement only ever
 * moves earlier.
 */
export async function applyWebhookEvent(
  writer: MirrorWriter,
  payload: PdWebhookEvent,
  now: Date,
): Promise<WebhookOutcome> {
  const { event } = payload;
  const at = parsePdTime(event.occurred_at) ?? now;
  if (now.getTime() - at.getTime() > WEBHOOK_MAX_AGE_MS) return 'stale';
  const isIncident = event.data_type === 'incident';
  return writeMirror(
    writer,
    now,
    async (trx) => {
      if (await isWebhookDelivered(trx, event.id)) return 'duplicate';
      await recordWebhookDelivery(trx, {
        id: event.id,
        event_type: event.event_type,
        received_at: now,
      });
      if (event.event_type === 'service.deleted' && event.data.id) {
        await markDeleted(trx, 'services', [event.data.id], at);
        return 'applied';
      }
      if (isIncident && event.incident_id)
        return applyIncidentEvent(trx, event, event.incident_id, at, now);
      if (event.incident_id) {
        await addPendingIncident(trx, {
          incident_id: event.incident_id,
          event_id: event.id,
          occurred_at: at,
        });
        return 'pending';
      }
      return 'ignored';
    },
    { incidentIds: isIncident && event.incident_id ? [event.incident_id] : [] },
  );
}

async function applyIncidentEvent(
  trx: Kysely<Database>,
  event: PdWebhookEvent['event'],
  id: string,
  at: Date,
  now: Date,
): Promise<WebhookOutcome> {
  const data = event.data;
  const acknowledged = event.event_type === 'incident.acknowledged';
  let applied: boolean;
  if (await incidentExists(trx, id)) {
    const statusChange = STATUS_EVENTS.has(event.event_type);
    applied = await updateIncidentIfNewer(trx, id, at, {
      ...(data.title !== undefined ? { title: data.title } : {}),
      ...(data.status ? { status: data.status } : {}),
      ...(data.urgency !== undefined ? { urgency: data.urgency } : {}),
      ...(data.priority !== undefined ? { priority_id: data.priority?.id ?? null } : {}),
      ...(data.service !== undefined ? { service_id: data.service?.id ?? null } : {}),
      ...(data.escalation_policy !== undefined
        ? { escalation_policy_id: data.escalation_policy?.id ?? null }
        : {}),
      ...(statusChange
        ? { last_status_change_at: at, resolved_at: data.status === 'resolved' ? at : null }
        : {}),
      synced_at: now,
    });
  } else {
    const created = parsePdTime(data.created_at);
    if (
      !created ||
      data.number === undefined ||
      !data.status ||
      // Another incident of the mirror has this number (numbers are unique per account): the
      // stored one is stale or of another account. Inserting would fail; the sync settles it.
      (await findIncidentIdByNumber(trx, data.number)) !== undefined
    ) {
      // Not enough to create the row: remember the id; the next sync reads the incident.
      await addPendingIncident(trx, { incident_id: id, event_id: event.id, occurred_at: at });
      return 'pending';
    }
    const written = await upsertIncidents(trx, [
      {
        id,
        incident_number: data.number,
        title: data.title ?? null,
        status: data.status,
        urgency: data.urgency ?? null,
        ...incidentRefColumns(data),
        created_at: created,
        updated_at: at,
        last_status_change_at: at,
        resolved_at: data.status === 'resolved' ? at : null,
        alert_count_all: null,
        alert_count_triggered: null,
        alert_count_resolved: null,
        resolve_reason: null,
        incident_key: data.incident_key ?? null,
        html_url: data.html_url ?? null,
        synced_at: now,
        deleted_at: null,
      },
    ]);
    applied = written.length > 0;
  }
  // An acknowledgement, however late it arrives, may be the first one.
  if (acknowledged) await moveFirstAcknowledgementEarlier(trx, id, at);
  if (!applied) return acknowledged ? 'applied' : 'superseded';
  if (data.teams)
    await replaceOwnedRows(
      trx,
      'incident_teams',
      'incident_id',
      [id],
      refIds(data.teams).map((t) => ({ incident_id: id, team_id: t })),
    );
  if (data.assignees) {
    // Assignments are emptied once resolved, as the REST API shows them.
    const assignees = data.status === 'resolved' ? [] : refIds(data.assignees);
    await replaceOwnedRows(
      trx,
      'incident_assignments',
      'incident_id',
      [id],
      assignees.map((u) => ({ incident_id: id, user_id: u, at })),
    );
  }
  return 'applied';
}
