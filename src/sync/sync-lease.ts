import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';

export const SYNC_LEASE = 'sync';
/** A lease not renewed for this long is taken for abandoned. */
export const LEASE_TTL_MS = 120_000;
export const LEASE_RENEW_MS = 20_000;
// Sorts after any real time as ISO text (SQLite) and fits MySQL's DATETIME.
const FAR_FUTURE = new Date('9999-12-31T23:59:59.000Z');

export class SyncAlreadyRunningError extends ConflictError {
  constructor(readonly runId: string) {
    super(`a sync is already running (run ${runId})`, 'sync_already_running', { run_id: runId });
  }
}

export function processOwner(): string {
  return `${os.hostname()}:${process.pid}`;
}

/** True when `owner` is a process of this host that no longer exists. */
function ownerIsDead(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split(':');
  if (host !== os.hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes the sync lease for `runId`, one sync at a time across processes and machines sharing the
 * database. The insert-or-take-over-if-expired is one statement on every dialect, so two starts
 * cannot both win. A lease held by a dead process of this host is taken over at once.
 */
export async function acquireSyncLease(
  db: Kysely<Database>,
  runId: string,
  now: Date,
  ttlMs = LEASE_TTL_MS,
): Promise<{ tookOverFrom?: string }> {
  const expires = new Date(now.getTime() + ttlMs);
  const owner = processOwner();
  const holder = await db
    .selectFrom('sync_leases')
    .select(['run_id', 'owner', 'expires_at'])
    .where('name', '=', SYNC_LEASE)
    .executeTakeFirst();
  // Treat a dead holder's lease as expired: compare against a time after its expiry.
  const cutoff = holder && ownerIsDead(holder.owner) ? FAR_FUTURE : now;
  const row = { name: SYNC_LEASE, run_id: runId, expires_at: expires, owner };
  if (dialectOf(db) === 'mysql') {
    // run_id and owner are assigned before expires_at, so they still see the old expiry.
    await db
      .insertInto('sync_leases')
      .values(row)
      .onDuplicateKeyUpdate({
        run_id: sql`if(expires_at < ${cutoff}, values(run_id), run_id)`,
        owner: sql`if(expires_at < ${cutoff}, values(owner), owner)`,
        expires_at: sql`if(expires_at < ${cutoff}, values(expires_at), expires_at)`,
      })
      .execute();
  } else {
    await db
      .insertInto('sync_leases')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ run_id: runId, owner, expires_at: expires })
          .where('sync_leases.expires_at', '<', cutoff),
      )
      .execute();
  }
  const current = await db
    .selectFrom('sync_leases')
    .select('run_id')
    .where('name', '=', SYNC_LEASE)
    .executeTakeFirstOrThrow();
  if (current.run_id !== runId) throw new SyncAlreadyRunningError(current.run_id);
  return holder && holder.run_id !== runId ? { tookOverFrom: holder.run_id } : {};
}

/** Extends the lease while the run works. */
export async function renewSyncLease(
  db: Kysely<Database>,
  runId: string,
  now: Date,
  ttlMs = LEASE_TTL_MS,
): Promise<void> {
  await db
    .updateTable('sync_leases')
    .set({ expires_at: new Date(now.getTime() + ttlMs) })
    .where('name', '=', SYNC_LEASE)
    .where('run_id', '=', runId)
    .execute();
}

export async function releaseSyncLease(db: Kysely<Database>, runId: string): Promise<void> {
  await db
    .deleteFrom('sync_leases')
    .where('name', '=', SYNC_LEASE)
    .where('run_id', '=', runId)
    .execute();
}
