import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** True when the event with this id was applied before. */
export async function isWebhookDelivered(db: Kysely<Database>, eventId: string): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Records an event as applied (first write wins). */
export async function recordWebhookDelivery(
  db: Kysely<Database>,
  delivery: { id: string; event_type: string; received_at: Date },
): Promise<void> {
  await upsertRows(db, 'webhook_deliveries', [delivery], { keepExisting: true });
}
