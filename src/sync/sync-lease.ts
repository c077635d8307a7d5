import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ConflictError } from '../errors.js';
import {
  deleteLease,
  extendLease,
  findLease,
  takeLeaseIfExpired,
} from '../db/repositories/sync-leases-repository.js';
import {
  listRunningSyncRuns,
  markSyncRunsInterrupted,
} from '../db/repositories/sync-runs-repository.js';

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
export function ownerIsDead(owner: string | null): boolean {
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
  const holder = await findLease(db, SYNC_LEASE);
  // Treat a dead holder's lease as expired: compare against a time after its expiry.
  const cutoff = holder && ownerIsDead(holder.owner) ? FAR_FUTURE : now;
  const current = await takeLeaseIfExpired(
    db,
    {
      name: SYNC_LEASE,
      run_id: runId,
      owner: processOwner(),
      expires_at: new Date(now.getTime() + ttlMs),
    },
    cutoff,
  );
  if (current !== runId) throw new SyncAlreadyRunningError(current);
  return holder && holder.run_id !== runId ? { tookOverFrom: holder.run_id } : {};
}

/** Extends the lease while the run works. */
export async function renewSyncLease(
  db: Kysely<Database>,
  runId: string,
  now: Date,
  ttlMs = LEASE_TTL_MS,
): Promise<void> {
  await extendLease(db, SYNC_LEASE, runId, new Date(now.getTime() + ttlMs));
}

export async function releaseSyncLease(db: Kysely<Database>, runId: string): Promise<void> {
  await deleteLease(db, SYNC_LEASE, runId);
}

/**
 * Marks runs recorded as running whose process is gone as interrupted: those owned by a dead
 * process of this host at once (a SIGKILL leaves no other trace), and any whose heartbeat is
 * older than the lease's time to live. Called when a server or a sync starts.
 */
export async function markInterruptedRuns(
  db: Kysely<Database>,
  now: Date,
  ttlMs = LEASE_TTL_MS,
): Promise<string[]> {
  const staleBefore = now.getTime() - ttlMs;
  const running = await listRunningSyncRuns(db);
  const gone = running
    .filter((r) => {
      const beat = r.heartbeat_at === null ? 0 : new Date(r.heartbeat_at).getTime();
      return ownerIsDead(r.owner) || beat < staleBefore;
    })
    .map((r) => r.id);
  await markSyncRunsInterrupted(db, gone, now);
  return gone;
}
