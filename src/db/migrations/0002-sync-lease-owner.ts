import type { Kysely } from 'kysely';

// Frozen once merged. Records which process holds the sync lease (host and pid), so a lease
// left by a killed process on the same host can be taken over at once instead of waiting for it
// to expire.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_leases').addColumn('owner', 'varchar(255)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_leases').dropColumn('owner').execute();
}
