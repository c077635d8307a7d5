import { inTransaction } from '../db/transaction.js';
import type { Insertable, Kysely } from 'kysely';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import { chunk, replaceOwnedRows, upsertRows } from '../db/repositories/table-writer.js';
import type { Database, LogEntriesTable } from '../db/schema.js';
import type { PdIncident, PdLogEntry } from '../pagerduty/pagerduty-types.js';
import { readWindowed, type TimeRange } from '../pagerduty/time-windows.js';
import {
  incidentAcknowledgementRows,
  incidentAssignmentRows,
  incidentRow,
  logEntryRow,
  refIds,
} from './pd-mappers.js';
import { forEachConcurrent, reportWritten, type SyncContext } from './sync-context.js';

const DAY_MS = 24 * 3600 * 1000;
/** Backfills advance their cursor after each chunk: a killed sync loses at most one chunk of work. */
export const BACKFILL_CHUNK_MS = 30 * DAY_MS;
/** Incremental reads start this much before their cursor, for entries PagerDuty indexes late. */
export const INCREMENTAL_OVERLAP_MS = 5 * 60 * 1000;
/** How often an incremental sync re-reads every open incident, as a net under the log entries. */
export const OPEN_INCIDENTS_REFRESH_MS = 3600 * 1000;

export const CURSOR_INCIDENTS = 'incidents';
export const CURSOR_LOG_ENTRIES = 'log_entries';
export const CURSOR_OPEN_INCIDENTS = 'open_incidents';

function chunks(range: TimeRange, size: number): TimeRange[] {
  const out: TimeRange[] = [];
  for (let t = range.since.getTime(); t < range.until.getTime(); t += size) {
    out.push({ since: new Date(t), until: new Date(Math.min(t + size, range.until.getTime())) });
  }
  return out;
}

/** An embedded incident is a full object (include[]=incidents) rather than a reference. */
function isFullIncident(value: unknown): value is PdIncident {
  const v = value as Partial<PdIncident> | null | undefined;
  return Boolean(v?.id && v.status && v.created_at && typeof v.incident_number === 'number');
}

/** Writes incidents and replaces their teams, assignments and acknowledgements. */
export async function writeIncidents(
  db: Kysely<Database>,
  incidents: readonly PdIncident[],
  syncedAt: Date,
): Promise<number> {
  const latest = new Map(incidents.map((i) => [i.id, i]));
  const list = [...latest.values()];
  if (list.length === 0) return 0;
  const ids = list.map((i) => i.id);
  await upsertRows(
    db,
    'incidents',
    list.map((i) => incidentRow(i, syncedAt)),
  );
  await replaceOwnedRows(
    db,
    'incident_teams',
    'incident_id',
    ids,
    list.flatMap((i) => refIds(i.teams).map((t) => ({ incident_id: i.id, team_id: t }))),
  );
  await replaceOwnedRows(
    db,
    'incident_assignments',
    'incident_id',
    ids,
    list.flatMap(incidentAssignmentRows),
  );
  await replaceOwnedRows(
    db,
    'incident_acknowledgements',
    'incident_id',
    ids,
    list.flatMap(incidentAcknowledgementRows),
  );
  return list.length;
}

/**
 * Sets first_acknowledged_at from the first acknowledge_log_entry: PagerDuty empties
 * acknowledgements[] once an incident is resolved or re-triggered, so the log is the record.
 */
export async function updateFirstAcknowledgements(
  db: Kysely<Database>,
  incidentIds?: readonly string[],
): Promise<void> {
  const update = (ids?: readonly string[]) =>
    db
      .updateTable('incidents')
      .set((eb) => ({
        first_acknowledged_at: eb
          .selectFrom('log_entries')
          .select((e) => e.fn.min('log_entries.created_at').as('first'))
          .whereRef('log_entries.incident_id', '=', 'incidents.id')
          .where('log_entries.type', '=', 'acknowledge_log_entry'),
      }))
      .$if(ids !== undefined, (q) => q.where('incidents.id', 'in', ids ?? []))
      .$if(ids === undefined, (q) =>
        q
          .where('incidents.first_acknowledged_at', 'is', null)
          .where('incidents.id', 'in', (eb) =>
            eb
              .selectFrom('log_entries')
              .select('incident_id')
              .where('type', '=', 'acknowledge_log_entry'),
          ),
      )
      .execute();
  if (incidentIds === undefined) {
    await update();
    return;
  }
  for (const part of chunk([...new Set(incidentIds)], 500)) await update(part);
}

async function writeLogEntries(
  db: Kysely<Database>,
  entries: readonly PdLogEntry[],
  syncedAt: Date,
): Promise<number> {
  const rows = entries
    .map((e) => logEntryRow(e, syncedAt))
    .filter((r): r is Insertable<LogEntriesTable> => r !== null);
  await upsertRows(db, 'log_entries', rows);
  return rows.length;
}

/**
 * Reads one resource chunk by chunk from its cursor (or `since`) to the run's now, writing each
 * page in a transaction and moving the cursor after each chunk, once its rows are committed:
 * a killed sync resumes from the last complete chunk, and re-reading is harmless (upserts).
 */
async function backfill<T extends { id: string; created_at: string }>(
  ctx: SyncContext,
  resource: 'incidents' | 'log_entries',
  since: Date,
  write: (trx: Kysely<Database>, page: T[]) => Promise<number>,
): Promise<number> {
  const cursor = await findCursor(ctx.db, resource);
  const start = cursor && Date.parse(cursor) > since.getTime() ? new Date(cursor) : since;
  let written = 0;
  for (const part of chunks({ since: start, until: ctx.now }, BACKFILL_CHUNK_MS)) {
    for await (const page of readWindowed<T>(ctx.client, `/${resource}`, part, {
      key: resource,
      signal: ctx.signal,
    })) {
      written += await inTransaction(ctx.db, (trx) => write(trx, page));
      reportWritten(ctx, resource, written);
    }
    await setCursor(ctx.db, resource, part.until.toISOString(), ctx.now);
  }
  return written;
}

/** Full sync of incidents and log entries created since `since`, resumable after a crash. */
export async function backfillIncidentsAndLogEntries(ctx: SyncContext, since: Date): Promise<void> {
  // The two lists are independent: read them side by side to use the request budget fully.
  const [incidents, logEntries] = await Promise.all([
    backfill<PdIncident>(ctx, 'incidents', since, (trx, page) =>
      writeIncidents(trx, page, ctx.now),
    ),
    backfill<PdLogEntry>(ctx, 'log_entries', since, (trx, page) =>
      writeLogEntries(trx, page, ctx.now),
    ),
  ]);
  await updateFirstAcknowledgements(ctx.db);
  await setCursor(ctx.db, CURSOR_OPEN_INCIDENTS, ctx.now.toISOString(), ctx.now);
  reportWritten(ctx, 'incidents', incidents);
  reportWritten(ctx, 'log_entries', logEntries);
}

/**
 * Incremental sync of incidents. Updates to old incidents are invisible to /incidents (its
 * window is on creation time), so changes are found through the account-wide log entries since
 * the last cursor; with include[]=incidents each entry carries its incident as it stands now,
 * so changed incidents cost no extra request. New incidents are read by creation time, and every
 * open incident is re-read when OPEN_INCIDENTS_REFRESH_MS has passed.
 */
export async function syncIncidentsIncrementally(
  ctx: SyncContext,
  fallbackSince: Date,
): Promise<void> {
  const logCursor = await findCursor(ctx.db, CURSOR_LOG_ENTRIES);
  const logSince = new Date(
    (logCursor ? Date.parse(logCursor) : fallbackSince.getTime()) - INCREMENTAL_OVERLAP_MS,
  );
  let logEntries = 0;
  let incidents = 0;
  const unresolvedRefs = new Set<string>();
  for await (const page of readWindowed<PdLogEntry>(
    ctx.client,
    '/log_entries',
    { since: logSince, until: ctx.now },
    { key: 'log_entries', query: { 'include[]': ['incidents'] }, signal: ctx.signal },
  )) {
    const embedded = page.map((e) => e.incident).filter(isFullIncident);
    for (const e of page)
      if (e.incident?.id && !isFullIncident(e.incident)) unresolvedRefs.add(e.incident.id);
    await inTransaction(ctx.db, async (trx) => {
      logEntries += await writeLogEntries(trx, page, ctx.now);
      incidents += await writeIncidents(trx, embedded, ctx.now);
      await updateFirstAcknowledgements(trx, refIds(page.map((e) => e.incident)));
    });
    for (const i of embedded) unresolvedRefs.delete(i.id);
    reportWritten(ctx, 'log_entries', logEntries);
  }
  // Entries that came with a bare reference (an account that ignores include[]): read those incidents.
  incidents += await rereadIncidents(ctx, [...unresolvedRefs]);
  await setCursor(ctx.db, CURSOR_LOG_ENTRIES, ctx.now.toISOString(), ctx.now);

  const incidentCursor = await findCursor(ctx.db, CURSOR_INCIDENTS);
  const newSince = new Date(
    (incidentCursor ? Date.parse(incidentCursor) : fallbackSince.getTime()) -
      INCREMENTAL_OVERLAP_MS,
  );
  for await (const page of readWindowed<PdIncident>(
    ctx.client,
    '/incidents',
    { since: newSince, until: ctx.now },
    { key: 'incidents', signal: ctx.signal },
  )) {
    incidents += await inTransaction(ctx.db, (trx) => writeIncidents(trx, page, ctx.now));
    reportWritten(ctx, 'incidents', incidents);
  }
  await setCursor(ctx.db, CURSOR_INCIDENTS, ctx.now.toISOString(), ctx.now);

  const openCursor = await findCursor(ctx.db, CURSOR_OPEN_INCIDENTS);
  if (!openCursor || ctx.now.getTime() - Date.parse(openCursor) >= OPEN_INCIDENTS_REFRESH_MS) {
    incidents += await refreshOpenIncidents(ctx);
    await setCursor(ctx.db, CURSOR_OPEN_INCIDENTS, ctx.now.toISOString(), ctx.now);
  }
  reportWritten(ctx, 'incidents', incidents);
  reportWritten(ctx, 'log_entries', logEntries);
}

/** Re-reads every incident stored as open; those PagerDuty no longer lists as open are read one by one. */
async function refreshOpenIncidents(ctx: SyncContext): Promise<number> {
  const open = await ctx.db
    .selectFrom('incidents')
    .select(['id', 'created_at'])
    .where('status', '!=', 'resolved')
    .where('deleted_at', 'is', null)
    .execute();
  if (open.length === 0) return 0;
  const oldest = Math.min(...open.map((o) => new Date(o.created_at).getTime()));
  const seen = new Set<string>();
  let written = 0;
  const range = { since: new Date(oldest), until: ctx.now };
  for await (const page of readWindowed<PdIncident>(ctx.client, '/incidents', range, {
    key: 'incidents',
    query: { 'statuses[]': ['triggered', 'acknowledged'] },
    signal: ctx.signal,
  })) {
    for (const i of page) seen.add(i.id);
    written += await inTransaction(ctx.db, (trx) => writeIncidents(trx, page, ctx.now));
  }
  return (
    written +
    (await rereadIncidents(
      ctx,
      open.map((o) => o.id).filter((id) => !seen.has(id)),
    ))
  );
}

async function rereadIncidents(ctx: SyncContext, ids: readonly string[]): Promise<number> {
  const fetched: PdIncident[] = [];
  await forEachConcurrent(ids, 4, async (id) => {
    const { incident } = await ctx.client.get<{ incident: PdIncident }>(
      `/incidents/${encodeURIComponent(id)}`,
      {},
      ctx.signal,
    );
    fetched.push(incident);
  });
  if (fetched.length === 0) return 0;
  return inTransaction(ctx.db, (trx) => writeIncidents(trx, fetched, ctx.now));
}
