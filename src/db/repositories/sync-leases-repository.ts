import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';
import type { Database } from '../schema.js';

/** Who holds a named lease, and until when. */
export function findLease(db: Kysely<Database>, name: string) {
  return db
    .selectFrom('sync_leases')
    .select(['run_id', 'owner', 'expires_at'])
    .where('name', '=', name)
    .executeTakeFirst();
}

/**
 * Inserts the lease, or takes it over when it expired before `cutoff`, in one statement on every
 * dialect (so that two starts cannot both win). Returns the run that holds it afterwards.
 */
export async function takeLeaseIfExpired(
  db: Kysely<Database>,
  lease: { name: string; run_id: string; owner: string; expires_at: Date },
  cutoff: Date,
): Promise<string> {
  if (dialectOf(db) === 'mysql') {
    // run_id and owner are assigned before expires_at, so they still see the old expiry.
    await db
      .insertInto('sync_leases')
      .values(lease)
      .onDuplicateKeyUpdate({
        run_id: sql`if(expires_at < ${cutoff}, values(run_id), run_id)`,
        owner: sql`if(expires_at < ${cutoff}, values(owner), owner)`,
        expires_at: sql`if(expires_at < ${cutoff}, values(expires_at), expires_at)`,
      })
      .execute();
  } else {
    await db
      .insertInto('sync_leases')
      .values(lease)
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ run_id: lease.run_id, owner: lease.owner, expires_at: lease.expires_at })
          .where('sync_leases.expires_at', '<', cutoff),
      )
      .execute();
  }
  const current = await db
    .selectFrom('sync_leases')
    .select('run_id')
    .where('name', '=', lease.name)
    .executeTakeFirstOrThrow();
  return current.run_id;
}

/** Moves the lease's expiry, while `runId` still holds it. */
export async function extendLease(
  db: Kysely<Database>,
  name: string,
  runId: string,
  expiresAt: Date,
): Promise<void> {
  await db
    .updateTable('sync_leases')
    .set({ expires_at: expiresAt })
    .where('name', '=', name)
    .where('run_id', '=', runId)
    .execute();
}

/** Gives the lease up, if `runId` holds it. */
export async function deleteLease(
  db: Kysely<Database>,
  name: string,
  runId: string,
): Promise<void> {
  await db.deleteFrom('sync_leases').where('name', '=', name).where('run_id', '=', runId).execute();
}
