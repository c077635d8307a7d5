import type { Kysely } from 'kysely';
import { columnTypes, withTableOptions } from './frozen-helpers-v1.js';

// Frozen once merged. PagerDuty delivers webhooks at least once: deliveries already applied are
// recorded by their X-Webhook-Id and skipped.
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await withTableOptions(db.schema.createTable('webhook_deliveries'), t)
    .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('received_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
}
