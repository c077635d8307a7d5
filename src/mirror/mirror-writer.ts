import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { DEFAULT_ANALYTICS_CONFIG, type AnalyticsConfig } from '../config.js';
import { computeIncidentFacts } from './incident-facts.js';
import { applyIncidentCountChanges, snapshotIncidentKeys } from './rollups.js';
import { updateResolveTimesFromLog } from '../db/repositories/incidents-repository.js';
import { iterIncidentIds, loadIncidentEvidence, replaceIncidentFacts } from './facts-repository.js';
import { bumpMirrorVersion, lockMirrorState } from '../db/repositories/mirror-state-repository.js';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import { listUserTimeZones } from '../db/repositories/users-repository.js';
import type { Database } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Logger } from '../logger.js';
import { workingHoursKey } from '../time/working-hours.js';

/** How every write of the mirror is made: the sync's and the webhooks'. */
export interface MirrorWriter {
  db: Kysely<Database>;
  analytics: AnalyticsConfig;
  /** Told the mirror's new version after each committed write (the server's ETags follow it). */
  onCommitted?: ((version: number) => void) | undefined;
}

export function mirrorWriter(
  db: Kysely<Database>,
  analytics: AnalyticsConfig = DEFAULT_ANALYTICS_CONFIG,
  onCommitted?: (version: number) => void,
): MirrorWriter {
  return { db, analytics, onCommitted };
}

/**
 * Runs one write of the mirror in a transaction, after the writes before it (lockMirrorState),
 * and, in the same transaction, keeps what is derived from it: the incident counts and the incidents' facts (for `incidentIds`, the
 * incidents the write touches), and the mirror's version. So a reader never sees incidents and
 * figures that disagree, and an ETag never outlives the data it was made from.
 */
export async function writeMirror<T>(
  writer: MirrorWriter,
  now: Date,
  work: (trx: Kysely<Database>) => Promise<T>,
  options: { incidentIds?: Iterable<string> } = {},
): Promise<T> {
  const ids = [...new Set(options.incidentIds ?? [])];
  let version = 0;
  const result = await inTransaction(writer.db, async (trx) => {
    await lockMirrorState(trx);
    const before = ids.length > 0 ? await snapshotIncidentKeys(trx, ids) : new Map();
    const out = await work(trx);
    if (ids.length > 0) {
      await applyIncidentCountChanges(trx, before, await snapshotIncidentKeys(trx, ids));
      await updateResolveTimesFromLog(trx, ids);
      await refreshIncidentFacts(trx, ids, writer.analytics);
    }
    version = await bumpMirrorVersion(trx, now);
    return out;
  });
  writer.onCommitted?.(version);
  return result;
}

/** Recomputes the stored facts of these incidents from what the mirror holds of them. */
export async function refreshIncidentFacts(
  db: Kysely<Database>,
  ids: readonly string[],
  analytics: AnalyticsConfig,
): Promise<void> {
  const evidence = await loadIncidentEvidence(db, ids);
  const users = new Set<string>();
  for (const { entries } of evidence)
    for (const e of entries) {
      if (e.user_id) users.add(e.user_id);
      if (e.agent_id) users.add(e.agent_id);
      for (const a of e.assignee_ids) users.add(a);
    }
  const zones = await listUserTimeZones(db, [...users]);
  const context = {
    hours: analytics.hours,
    zoneOf: (userId: string) => zones.get(userId) ?? analytics.timeZone,
  };
  const computed = evidence.map(({ incident, entries }) =>
    computeIncidentFacts(incident, entries, context),
  );
  await replaceIncidentFacts(
    db,
    ids,
    computed.map((c) => c.facts),
    computed.flatMap((c) => c.responders),
    computed.flatMap((c) => c.interruptions),
  );
}

/**
 * Bumped when the facts' definitions change, so that stored facts are computed again.
 * 2: the notification medium from channel.notification.type, resolve times from the last
 * resolve_log_entry when the incident has none, timeout escalations with channel `auto`.
 * 3: the noise and parity facts of migration 0015 (alert count, repeat key, reopened,
 * assignments, mobilize and engage times, snoozed seconds).
 */
export const FACTS_VERSION = 3;
const FACTS_KEY_CURSOR = 'incident_facts_key';
const RECOMPUTE_BATCH = 500;

function factsKey(analytics: AnalyticsConfig): string {
  const settings = workingHoursKey(analytics.hours, analytics.timeZone);
  return `${FACTS_VERSION}:${crypto.createHash('sha1').update(settings).digest('hex')}`;
}

/**
 * When the stored facts were computed under other hours, holidays, default zone or
 * definitions (or never: a database from before migration 0009), computes every incident's
 * facts again from the incidents and log entries stored. Returns how many incidents it did.
 */
export async function recomputeFactsIfStale(
  writer: MirrorWriter,
  now: Date,
  logger: Logger,
): Promise<number> {
  const key = factsKey(writer.analytics);
  if ((await findCursor(writer.db, FACTS_KEY_CURSOR)) === key) return 0;
  let done = 0;
  for await (const ids of iterIncidentIds(writer.db, RECOMPUTE_BATCH)) {
    await writeMirror(writer, now, (trx) => refreshIncidentFacts(trx, ids, writer.analytics));
    done += ids.length;
  }
  await setCursor(writer.db, FACTS_KEY_CURSOR, key, now);
  if (done > 0) logger.info({ incidents: done }, 'incident figures computed again');
  return done;
}
