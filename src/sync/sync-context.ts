import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import type { PdReference } from '../pagerduty/pagerduty-types.js';
import type { MirrorWriter } from '../mirror/mirror-writer.js';
import type { SyncKind, SyncObserver, SyncResource } from './sync-progress.js';

/** What every resource sync works with during one run. */
export interface SyncContext {
  db: Kysely<Database>;
  /** How the run writes: every write keeps the counts, the facts and the mirror's version. */
  writer: MirrorWriter;
  client: PagerDutyClient;
  kind: SyncKind;
  /** The run's reference time: rows get synced_at = now, and windows end here. */
  now: Date;
  /**
   * Where the mirror's history starts: a full sync's since; for an incremental one, the since of
   * the last full sync. New schedules are rendered, and the first on-call reading taken, from here.
   */
  historySince: Date;
  signal: AbortSignal | undefined;
  logger: Logger;
  emit: SyncObserver;
  /** Users named by schedules, rules, members and on-calls: those gone from /users are kept as deleted. */
  userRefs: Map<string, PdReference>;
  counts: Partial<Record<SyncResource, number>>;
}

export function rememberUserRefs(
  ctx: SyncContext,
  refs: readonly (PdReference | null | undefined)[],
): void {
  for (const ref of refs) if (ref?.id && !ctx.userRefs.has(ref.id)) ctx.userRefs.set(ref.id, ref);
}

/** Runs `fn` over items with at most `limit` at once, in order of completion. */
export async function forEachConcurrent<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** Reports a resource's progress and records its count. */
export function reportWritten(
  ctx: SyncContext,
  resource: SyncResource,
  written: number,
  total?: number,
): void {
  ctx.counts[resource] = written;
  ctx.emit({
    type: 'resource-progress',
    resource,
    written,
    ...(total === undefined ? {} : { total }),
  });
}
