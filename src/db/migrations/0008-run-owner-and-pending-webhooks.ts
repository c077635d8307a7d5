import type { Kysely } from 'kysely';
import { columnTypes, withTableOptions } from './frozen-helpers-v1.js';

// Frozen once merged.
// - sync_runs.owner (host:pid) lets a starting process mark runs of dead processes interrupted at
//   once, instead of leaving them `running` until their heartbeat goes stale.
// - pending_incidents holds incidents that a webhook named but the mirror does not hold and the
//   event could not create (no number or creation time): the next sync reads them by id.
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema.alterTable('sync_runs').addColumn('owner', 'varchar(255)').execute();
  await withTableOptions(db.schema.createTable('pending_incidents'), t)
    .addColumn('incident_id', t.id, (c) => c.primaryKey())
    .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('occurred_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pending_incidents').execute();
  await db.schema.alterTable('sync_runs').dropColumn('owner').execute();
}
