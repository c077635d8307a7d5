import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  deleteCursors,
  findCursor,
  setCursor,
} from '../db/repositories/sync-cursors-repository.js';
import {
  INTERRUPTED_ERROR,
  insertSyncRun,
  updateSyncRun,
} from '../db/repositories/sync-runs-repository.js';
import type { Database } from '../db/schema.js';
import type { AnalyticsConfig } from '../config.js';
import { recordedHistoryStart, setHistoryStart } from '../mirror/history.js';
import { refreshOnCallPayDays } from '../mirror/on-call-pay-days.js';
import { mirrorWriter, recomputeFactsIfStale } from '../mirror/mirror-writer.js';
import type { Logger } from '../logger.js';
import type { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import type { PdUser } from '../pagerduty/pagerduty-types.js';
import {
  syncEscalationPolicies,
  syncPriorities,
  syncReferencedDeletedUsers,
  syncServices,
  syncTeams,
  syncUsers,
} from './directory-sync.js';
import {
  backfillIncidentsAndLogEntries,
  CURSOR_INCIDENTS,
  CURSOR_LOG_ENTRIES,
  CURSOR_OPEN_INCIDENTS,
  syncIncidentsIncrementally,
} from './incidents-sync.js';
import { claimMirror, describeAccount, type MirrorAccount } from './mirror-account.js';
import { syncOncalls, syncSchedules } from './schedules-sync.js';
import type { SyncMode } from './sync-request.js';
import { backfillHistory, planHistory, type HistoryPlan } from './sync-history.js';
import {
  describeEstimate,
  estimateFirstSync,
  probeHistory,
  type FirstSyncEstimate,
} from './first-sync-estimate.js';
import type { SyncContext } from './sync-context.js';
import {
  acquireSyncLease,
  LEASE_RENEW_MS,
  LEASE_TTL_MS,
  markInterruptedRuns,
  processOwner,
  releaseSyncLease,
  renewSyncLease,
} from './sync-lease.js';
import {
  SYNC_RESOURCES,
  type SyncKind,
  type SyncObserver,
  type SyncResource,
} from './sync-progress.js';

/**
 * A full sync reads the whole history (from the oldest incident, or `since`). This is only the
 * history start assumed for a sync of a mirror that recorded none (one made before the history
 * start was kept).
 */
const FALLBACK_HISTORY_DAYS = 365;
const CURSOR_FULL_SYNC = 'full_sync';

export interface SyncOptions {
  /** auto (default): incremental once a full sync has completed, else full (resuming one that was interrupted). */
  mode?: SyncMode;
  /**
   * Start of the incident history: a full sync's start; earlier than the mirror's history, the
   * range before it is read (sync-history.ts).
   */
  since?: Date;
  /**
   * Wipe the mirror (everything read from PagerDuty, and its cursors) and run a full sync: how a
   * mirror moves to another account.
   */
  fresh?: boolean;
  /** Only these resources (default: all). */
  resources?: readonly SyncResource[];
  runId?: string;
  signal?: AbortSignal;
  observers?: readonly SyncObserver[];
}

export interface SyncDependencies {
  db: Kysely<Database>;
  client: PagerDutyClient;
  logger: Logger;
  clock?: () => Date;
  leaseTtlMs?: number;
  /** How the figures are computed (hours, holidays, zones); the defaults when absent. */
  analytics?: AnalyticsConfig;
  /** Told the mirror's version after each committed write (a server's ETags). */
  onCommitted?: (version: number) => void;
}

export interface SyncResult {
  runId: string;
  kind: SyncKind;
  status: 'succeeded' | 'failed';
  /** The account the mirror holds. */
  account: MirrorAccount;
  /** Where the mirror's history starts, and what this run did with it. */
  history: {
    since: string;
    note: string;
    backfilled?: boolean;
    estimate?: FirstSyncEstimate;
  };
  counts: Partial<Record<SyncResource, number>>;
  requests: number;
  rateLimited: number;
  retries: number;
  error?: string;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one sync: the single entry point shared by the CLI, the API and the scheduler.
 * Throws SyncAlreadyRunningError when another run holds the lease; any other failure is
 * recorded on the run and rethrown. Earlier data is never removed by a failed run.
 */
export async function runSync(
  deps: SyncDependencies,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const { db, client, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const ttl = deps.leaseTtlMs ?? LEASE_TTL_MS;
  const runId = options.runId ?? crypto.randomUUID();
  const now = clock();
  const emit: SyncObserver = (event) => {
    for (const observe of options.observers ?? []) observe(event);
  };

  const { tookOverFrom } = await acquireSyncLease(db, runId, now, ttl);
  const statsBefore = { ...client.stats };
  const counts: Partial<Record<SyncResource, number>> = {};
  const stats = () => ({
    requests: client.stats.requests - statsBefore.requests,
    rate_limited: client.stats.rateLimited - statsBefore.rateLimited,
    retries: client.stats.retries - statsBefore.retries,
  });
  let kind: SyncKind = 'full';
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    await markInterruptedRuns(db, now, ttl);
    if (tookOverFrom) {
      await updateSyncRun(db, tookOverFrom, {
        status: 'failed',
        finished_at: now,
        error: INTERRUPTED_ERROR,
      });
    }
    const fullDone = await findCursor(db, CURSOR_FULL_SYNC);
    const fresh = options.fresh === true;
    kind = options.mode === 'full' || fresh || !fullDone ? 'full' : 'incremental';
    if (options.mode === 'incremental' && !fullDone)
      logger.info('no full sync has completed yet: running a full sync');
    await insertSyncRun(db, { id: runId, kind, started_at: now, owner: processOwner() });
    const writer = mirrorWriter(db, deps.analytics, deps.onCommitted);
    const account = await claimMirror(writer, client, { fresh, now, signal: options.signal });
    if (fresh)
      logger.info({ account: describeAccount(account) }, 'mirror wiped for a fresh full sync');

    let since = options.since ?? new Date(now.getTime() - FALLBACK_HISTORY_DAYS * 24 * 3600 * 1000);
    let history: HistoryPlan & { estimate?: FirstSyncEstimate };
    const stored = await recordedHistoryStart(db);
    if (kind === 'full' && (options.mode === 'full' || fresh || !stored)) {
      let estimate: FirstSyncEstimate | undefined;
      if (!options.since) {
        const oldest = await probeHistory(client, options.signal);
        since = oldest?.at ?? since;
        if (oldest) estimate = estimateFirstSync(oldest.total, client.requestsPerMinute);
      }
      history = {
        since,
        note: options.since
          ? `full sync from ${since.toISOString()}`
          : `full sync of the whole history: back to ${since.toISOString()}; ${estimate ? describeEstimate(estimate) : 'the account has no incident'}`,
        ...(estimate ? { estimate } : {}),
      };
      // A new full sync starts its history over; an interrupted one resumes from its cursors.
      await deleteCursors(db, [
        CURSOR_FULL_SYNC,
        CURSOR_INCIDENTS,
        CURSOR_LOG_ENTRIES,
        CURSOR_OPEN_INCIDENTS,
      ]);
      await setHistoryStart(db, since, now);
    } else {
      // An interrupted full sync resumes, an incremental one goes on, from the mirror's history
      // start; an earlier since adds the range before it (sync-history.ts).
      history = planHistory(stored ?? since, options.since);
      since = stored ?? since;
    }
    const historySince = history.since;
    logger.info({ since: historySince.toISOString() }, history.note);
    emit({
      type: 'run-started',
      runId,
      kind,
      since: historySince.toISOString(),
      note: history.note,
    });
    logger.info({ run_id: runId, kind }, 'sync started');
    heartbeat = setInterval(() => {
      const at = clock();
      void Promise.all([
        renewSyncLease(db, runId, at, ttl),
        updateSyncRun(db, runId, { heartbeat_at: at, counts, ...stats() }),
      ]).catch((error: unknown) => logger.warn({ err: error }, 'sync heartbeat failed'));
    }, LEASE_RENEW_MS);
    heartbeat.unref();

    const wanted = new Set(
      options.resources && options.resources.length > 0 ? options.resources : SYNC_RESOURCES,
    );
    // Figures computed under other settings (or before migration 0009) are computed again first.
    await recomputeFactsIfStale(writer, now, logger);
    const ctx: SyncContext = {
      db,
      writer,
      client,
      kind,
      now,
      historySince,
      signal: options.signal,
      logger,
      emit,
      userRefs: new Map(),
      counts,
    };
    const step = async (resource: SyncResource, work: () => Promise<void>) => {
      if (!wanted.has(resource)) return;
      emit({ type: 'resource-started', resource });
      await work();
      emit({ type: 'resource-finished', resource, written: counts[resource] ?? 0 });
      await updateSyncRun(db, runId, { counts, heartbeat_at: clock(), ...stats() });
    };

    let users: PdUser[] = [];
    await step('users', async () => {
      users = await syncUsers(ctx);
    });
    await step('teams', async () => {
      // Incremental membership comes from the users' teams: read them if users were not synced.
      if (!wanted.has('users') && kind === 'incremental')
        users = await client.listAll<PdUser>('/users', 'users', {}, options.signal);
      await syncTeams(ctx, users);
    });
    await step('escalation_policies', () => syncEscalationPolicies(ctx));
    // A backfill reads the on-call history again from its new start, as a full sync does.
    const onCallCtx: SyncContext = history.backfill ? { ...ctx, kind: 'full' } : ctx;
    await step('schedules', () => syncSchedules(onCallCtx));
    await step('services', () => syncServices(ctx));
    await step('priorities', () => syncPriorities(ctx));
    await step('oncalls', () => syncOncalls(onCallCtx));
    if (wanted.has('users')) {
      const kept = await syncReferencedDeletedUsers(ctx);
      if (kept > 0)
        logger.info(
          { kept },
          'users deleted from PagerDuty but still referenced: kept, marked deleted',
        );
    }
    if (wanted.has('incidents') || wanted.has('log_entries')) {
      emit({ type: 'resource-started', resource: 'incidents' });
      emit({ type: 'resource-started', resource: 'log_entries' });
      if (kind === 'full') await backfillIncidentsAndLogEntries(ctx, since);
      else await syncIncidentsIncrementally(ctx, since);
      if (history.backfill) await backfillHistory(ctx, history.backfill);
      emit({ type: 'resource-finished', resource: 'incidents', written: counts.incidents ?? 0 });
      emit({
        type: 'resource-finished',
        resource: 'log_entries',
        written: counts.log_entries ?? 0,
      });
    }
    if (kind === 'full' && wanted.size === SYNC_RESOURCES.length)
      await setCursor(db, CURSOR_FULL_SYNC, now.toISOString(), now);
    // The pay days BI tools read (v_on_call_pay): recent days after each sync, all after a full one.
    if (['oncalls', 'incidents', 'log_entries'].some((r) => wanted.has(r as SyncResource)))
      await refreshOnCallPayDays(db, writer.analytics, now, kind === 'full' || !!history.backfill);

    await updateSyncRun(db, runId, {
      status: 'succeeded',
      finished_at: clock(),
      counts,
      ...stats(),
    });
    emit({ type: 'run-finished', runId, status: 'succeeded' });
    logger.info({ run_id: runId, kind, counts, ...stats() }, 'sync finished');
    const s = stats();
    return {
      runId,
      kind,
      status: 'succeeded',
      account,
      history: {
        since: historySince.toISOString(),
        note: history.note,
        ...(history.backfill ? { backfilled: true } : {}),
        ...(history.estimate ? { estimate: history.estimate } : {}),
      },
      counts,
      requests: s.requests,
      rateLimited: s.rate_limited,
      retries: s.retries,
    };
  } catch (error) {
    const message = errorMessage(error);
    await updateSyncRun(db, runId, {
      status: 'failed',
      finished_at: clock(),
      error: message,
      counts,
      ...stats(),
    }).catch(() => undefined);
    emit({ type: 'run-finished', runId, status: 'failed', error: message });
    logger.error({ run_id: runId, err: { message } }, 'sync failed');
    throw error;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await releaseSyncLease(db, runId).catch(() => undefined);
  }
}
