import type { Kysely } from 'kysely';
import { replaceOwnedRows, upsertRows } from '../db/repositories/table-writer.js';
import { inTransaction } from '../db/transaction.js';
import type { Database } from '../db/schema.js';
import type { PdReference } from '../pagerduty/pagerduty-types.js';
import { parsePdTime, refIds } from './pd-mappers.js';

/** A PagerDuty v3 webhook event; `data` uses `number` and `assignees` where REST says incident_number and assignments. */
export interface PdWebhookEvent {
  event: {
    id: string;
    event_type: string;
    resource_type: string;
    occurred_at: string;
    agent?: PdReference | null;
    data: {
      id: string;
      type?: string;
      number?: number;
      title?: string | null;
      status?: 'triggered' | 'acknowledged' | 'resolved';
      urgency?: 'high' | 'low' | null;
      created_at?: string;
      html_url?: string | null;
      incident_key?: string | null;
      service?: PdReference | null;
      escalation_policy?: PdReference | null;
      teams?: PdReference[] | null;
      priority?: PdReference | null;
      assignees?: PdReference[] | null;
      name?: string;
      summary?: string;
      description?: string | null;
    };
  };
}

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

const STATUS_EVENTS = new Set([
  'incident.triggered',
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.resolved',
  'incident.reopened',
]);

/**
 * Applies one verified webhook event at once: incident events update the incident (and insert it
 * when new), service.deleted marks the service deleted. The next sync reconciles the rest
 * (alert counts, log entries). Deliveries are deduplicated on `deliveryId`.
 */
export async function applyWebhookEvent(
  db: Kysely<Database>,
  payload: PdWebhookEvent,
  deliveryId: string,
  now: Date,
): Promise<WebhookOutcome> {
  const { event } = payload;
  return inTransaction(db, async (trx) => {
    const seen = await trx
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    if (seen) return 'duplicate';
    await upsertRows(
      trx,
      'webhook_deliveries',
      [{ id: deliveryId, event_type: event.event_type, received_at: now }],
      { keepExisting: true },
    );
    const at = parsePdTime(event.occurred_at) ?? now;

    if (event.event_type === 'service.deleted') {
      await trx
        .updateTable('services')
        .set({ deleted_at: at })
        .where('id', '=', event.data.id)
        .where('deleted_at', 'is', null)
        .execute();
      return 'applied';
    }
    if (event.resource_type !== 'incident' || !event.event_type.startsWith('incident.'))
      return 'ignored';

    const data = event.data;
    const existing = await trx
      .selectFrom('incidents')
      .select(['id', 'first_acknowledged_at'])
      .where('id', '=', data.id)
      .executeTakeFirst();
    const statusChange = STATUS_EVENTS.has(event.event_type);
    const fields = {
      ...(data.title !== undefined ? { title: data.title } : {}),
      ...(data.status ? { status: data.status } : {}),
      ...(data.urgency !== undefined ? { urgency: data.urgency } : {}),
      ...(data.priority !== undefined ? { priority_id: data.priority?.id ?? null } : {}),
      ...(data.service !== undefined ? { service_id: data.service?.id ?? null } : {}),
      ...(data.escalation_policy !== undefined
        ? { escalation_policy_id: data.escalation_policy?.id ?? null }
        : {}),
      updated_at: at,
      ...(statusChange
        ? { last_status_change_at: at, resolved_at: data.status === 'resolved' ? at : null }
        : {}),
      ...(event.event_type === 'incident.acknowledged' && !existing?.first_acknowledged_at
        ? { first_acknowledged_at: at }
        : {}),
      synced_at: now,
    };
    if (existing) {
      await trx.updateTable('incidents').set(fields).where('id', '=', data.id).execute();
    } else {
      const created = parsePdTime(data.created_at);
      if (!created || data.number === undefined || !data.status) return 'ignored';
      await upsertRows(trx, 'incidents', [
        {
          id: data.id,
          incident_number: data.number,
          title: data.title ?? null,
          status: data.status,
          urgency: data.urgency ?? null,
          priority_id: data.priority?.id ?? null,
          service_id: data.service?.id ?? null,
          escalation_policy_id: data.escalation_policy?.id ?? null,
          created_at: created,
          updated_at: at,
          last_status_change_at: at,
          resolved_at: data.status === 'resolved' ? at : null,
          first_acknowledged_at: event.event_type === 'incident.acknowledged' ? at : null,
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
    }
    if (data.teams)
      await replaceOwnedRows(
        trx,
        'incident_teams',
        'incident_id',
        [data.id],
        refIds(data.teams).map((t) => ({ incident_id: data.id, team_id: t })),
      );
    if (data.assignees) {
      // Assignments are emptied once resolved, as the REST API shows them.
      const assignees = data.status === 'resolved' ? [] : refIds(data.assignees);
      await replaceOwnedRows(
        trx,
        'incident_assignments',
        'incident_id',
        [data.id],
        assignees.map((u) => ({ incident_id: data.id, user_id: u, at })),
      );
    }
    return 'applied';
  });
}
