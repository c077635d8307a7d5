import type { Insertable, Kysely } from 'kysely';
import {
  deleteCursors,
  findCursor,
  setCursor,
} from '../db/repositories/sync-cursors-repository.js';
import {
  deletePendingIncidents,
  listOpenIncidents,
  listPendingIncidentIds,
  replaceIncidentRelations,
  updateFirstAcknowledgements,
  upsertIncidents,
} from '../db/repositories/incidents-repository.js';
import { upsertLogEntries } from '../db/repositories/log-entries-repository.js';
import type { Database, LogEntriesTable } from '../db/schema.js';
import { PagerDutyApiError } from '../pagerduty/pagerduty-errors.js';
import type { PdIncident, PdLogEntry } from '../pagerduty/pagerduty-types.js';
import { readWindowed, type TimeRange } from '../pagerduty/time-windows.js';
import {
  incidentAcknowledgementRows,
  incidentAssignmentRows,
  incidentRow,
  logEntryRow,
  refIds,
} from './pd-mappers.js';
import { writeMirror, type MirrorWriter } from '../mirror/mirror-writer.js';
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
/**
 * Set by migration 0013 when notify entries were stored without their medium: log entries up to
 * this time are read again, with their channels, from the history start; the re-read's progress
 * is its own cursor, so a killed sync resumes it.
 */
export const CURSOR_LOG_ENTRIES_REREAD_UNTIL = 'log_entries_reread_until';
export const CURSOR_LOG_ENTRIES_REREAD = 'log_entries_reread';

/**
 * Log entries are always asked for with their channels: a notify entry's medium is in
 * `channel.notification.type`, which may be missing without include[]=channels (CONTRACT.md;
 * PagerDuty's own notifications report asks for it).
 */
export const LOG_ENTRY_INCLUDES = ['channels'];

function chunks(range: TimeRange, size: number): TimeRange[] {
  const out: TimeRange[] = [];
  for (let t = range.since.getTime(); t < range.until.getTime(); t += size) {
    out.push({ since: new Date(t), until: new Date(Math.min(t + size, range.until.getTime())) });
  }
  return out;
}

/** A page as read from PagerDuty: incidents, log entries, or log entries with their incidents. */
export interface PdPage {
  incidents?: readonly PdIncident[];
  logEntries?: readonly PdLogEntry[];
}

/**
 * Writes a page read from PagerDuty in one write of the mirror, with what is derived from it
 * (first acknowledgements, counts, facts of every incident it touches). Whichever of an
 * incident and its acknowledgement arrives second sets the first acknowledgement, so the facts
 * are right once both are in, in any order. Returns how many of each were written.
 */
export function writePage(
  writer: MirrorWriter,
  now: Date,
  page: PdPage,
): Promise<{ incidents: number; logEntries: number }> {
  const incidents = page.incidents ?? [];
  const entries = page.logEntries ?? [];
  const ids = [
    ...new Set([...incidents.map((i) => i.id), ...refIds(entries.map((e) => e.incident))]),
  ];
  return writeMirror(
    writer,
    now,
    async (trx) => {
      const logEntries = await writeLogEntries(trx, entries, now);
      const written = await writeIncidents(trx, incidents, now);
      await updateFirstAcknowledgements(trx, ids);
      return { incidents: written, logEntries };
    },
    { incidentIds: ids },
  );
}

async function writeIncidentPage(ctx: SyncContext, page: readonly PdIncident[]): Promise<number> {
  return (await writePage(ctx.writer, ctx.now, { incidents: page })).incidents;
}

/** An embedded incident is a full object (include[]=incidents) rather than a reference. */
function isFullIncident(value: unknown): value is PdIncident {
  const v = value as Partial<PdIncident> | null | undefined;
  return Boolean(v?.id && v.status && v.created_at && typeof v.incident_number === 'number');
}

/**
 * Writes incidents as PagerDuty lists them and replaces their teams, assignments and
 * acknowledgements; an incident whose stored state is newer (a webhook got there first) is left
 * as it is, relations included. Returns how many were written.
 */
export async function writeIncidents(
  db: Kysely<Database>,
  incidents: readonly PdIncident[],
  syncedAt: Date,
): Promise<number> {
  if (incidents.length === 0) return 0;
  const written = await upsertIncidents(
    db,
    incidents.map((i) => incidentRow(i, syncedAt)),
  );
  const latest = new Map(incidents.map((i) => [i.id, i]));
  const list = written.flatMap((id) => latest.get(id) ?? []);
  await replaceIncidentRelations(db, written, {
    teams: list.flatMap((i) => refIds(i.teams).map((t) => ({ incident_id: i.id, team_id: t }))),
    assignments: list.flatMap(incidentAssignmentRows),
    acknowledgements: list.flatMap(incidentAcknowledgementRows),
  });
  return written.length;
}

async function writeLogEntries(
  db: Kysely<Database>,
  entries: readonly PdLogEntry[],
  syncedAt: Date,
): Promise<number> {
  const rows = entries
    .map((e) => logEntryRow(e, syncedAt))
    .filter((r): r is Insertable<LogEntriesTable> => r !== null);
  await upsertLogEntries(db, rows);
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
  range: TimeRange,
  write: (page: T[]) => Promise<number>,
  cursorName: string = resource,
): Promise<number> {
  const cursor = await findCursor(ctx.db, cursorName);
  const since = range.since;
  const start = cursor && Date.parse(cursor) > since.getTime() ? new Date(cursor) : since;
  const query = resource === 'log_entries' ? { 'include[]': LOG_ENTRY_INCLUDES } : {};
  let written = 0;
  for (const part of chunks({ since: start, until: range.until }, BACKFILL_CHUNK_MS)) {
    for await (const page of readWindowed<T>(ctx.client, `/${resource}`, part, {
      key: resource,
      query,
      signal: ctx.signal,
    })) {
      written += await write(page);
      reportWritten(ctx, resource, written);
    }
    await setCursor(ctx.db, cursorName, part.until.toISOString(), ctx.now);
  }
  return written;
}

async function writeLogEntryPage(ctx: SyncContext, page: readonly PdLogEntry[]): Promise<number> {
  return (await writePage(ctx.writer, ctx.now, { logEntries: page })).logEntries;
}

/**
 * A mirror synced before the sync read notification media (migration 0013 left the marker):
 * reads the log entries of its history again, with their channels, up to the marker's time;
 * writing them recomputes the facts of their incidents. Returns how many it read.
 */
async function rereadLogEntriesIfMarked(ctx: SyncContext): Promise<number> {
  const until = await findCursor(ctx.db, CURSOR_LOG_ENTRIES_REREAD_UNTIL);
  if (!until) return 0;
  ctx.logger.info(
    { since: ctx.historySince.toISOString(), until },
    'reading the log entries again for their notification media (once, after an upgrade)',
  );
  const read = await backfill<PdLogEntry>(
    ctx,
    'log_entries',
    { since: ctx.historySince, until: new Date(until) },
    (page) => writeLogEntryPage(ctx, page),
    CURSOR_LOG_ENTRIES_REREAD,
  );
  await deleteCursors(ctx.db, [CURSOR_LOG_ENTRIES_REREAD_UNTIL, CURSOR_LOG_ENTRIES_REREAD]);
  return read;
}

/** Full sync of incidents and log entries created since `since`, resumable after a crash. */
export async function backfillIncidentsAndLogEntries(ctx: SyncContext, since: Date): Promise<void> {
  // The two lists are independent: read them side by side to use the request budget fully.
  // Whichever of an incident and its acknowledgement arrives second sets its first
  // acknowledgement, so the facts computed with each page are right once both are in.
  const range = { since, until: ctx.now };
  const [incidents, logEntries] = await Promise.all([
    backfill<PdIncident>(ctx, 'incidents', range, (page) => writeIncidentPage(ctx, page)),
    backfill<PdLogEntry>(ctx, 'log_entries', range, (page) => writeLogEntryPage(ctx, page)),
  ]);
  await setCursor(ctx.db, CURSOR_OPEN_INCIDENTS, ctx.now.toISOString(), ctx.now);
  // Every log entry was read with its channels: an upgrade's re-read has nothing left to do.
  await deleteCursors(ctx.db, [CURSOR_LOG_ENTRIES_REREAD_UNTIL, CURSOR_LOG_ENTRIES_REREAD]);
  reportWritten(ctx, 'incidents', incidents + (await readPendingIncidents(ctx)));
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
  let logEntries = await rereadLogEntriesIfMarked(ctx);
  let incidents = 0;
  const unresolvedRefs = new Set<string>();
  for await (const page of readWindowed<PdLogEntry>(
    ctx.client,
    '/log_entries',
    { since: logSince, until: ctx.now },
    {
      key: 'log_entries',
      query: { 'include[]': ['incidents', ...LOG_ENTRY_INCLUDES] },
      signal: ctx.signal,
    },
  )) {
    const embedded = page.map((e) => e.incident).filter(isFullIncident);
    for (const e of page)
      if (e.incident?.id && !isFullIncident(e.incident)) unresolvedRefs.add(e.incident.id);
    const written = await writePage(ctx.writer, ctx.now, {
      incidents: embedded,
      logEntries: page,
    });
    logEntries += written.logEntries;
    incidents += written.incidents;
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
    incidents += await writeIncidentPage(ctx, page);
    reportWritten(ctx, 'incidents', incidents);
  }
  await setCursor(ctx.db, CURSOR_INCIDENTS, ctx.now.toISOString(), ctx.now);

  const openCursor = await findCursor(ctx.db, CURSOR_OPEN_INCIDENTS);
  if (!openCursor || ctx.now.getTime() - Date.parse(openCursor) >= OPEN_INCIDENTS_REFRESH_MS) {
    incidents += await refreshOpenIncidents(ctx);
    await setCursor(ctx.db, CURSOR_OPEN_INCIDENTS, ctx.now.toISOString(), ctx.now);
  }
  incidents += await readPendingIncidents(ctx);
  reportWritten(ctx, 'incidents', incidents);
  reportWritten(ctx, 'log_entries', logEntries);
}

/** Re-reads every incident stored as open; those PagerDuty no longer lists as open are read one by one. */
async function refreshOpenIncidents(ctx: SyncContext): Promise<number> {
  const open = await listOpenIncidents(ctx.db);
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
    written += await writeIncidentPage(ctx, page);
  }
  return (
    written +
    // An open incident PagerDuty answers 404 for (an id a webhook brought, never PagerDuty's)
    // must not stop every later sync.
    (await rereadIncidents(
      ctx,
      open.map((o) => o.id).filter((id) => !seen.has(id)),
      { skipMissing: true },
    ))
  );
}

/**
 * Reads the incidents that webhooks named but could not create (pending_incidents), so that they
 * complete on this sync. An id PagerDuty does not know (404) is dropped.
 */
async function readPendingIncidents(ctx: SyncContext): Promise<number> {
  const ids = await listPendingIncidentIds(ctx.db);
  if (ids.length === 0) return 0;
  const written = await rereadIncidents(ctx, ids, { skipMissing: true });
  await deletePendingIncidents(ctx.db, ids);
  return written;
}

async function rereadIncidents(
  ctx: SyncContext,
  ids: readonly string[],
  options: { skipMissing?: boolean } = {},
): Promise<number> {
  const fetched: PdIncident[] = [];
  await forEachConcurrent(ids, 4, async (id) => {
    try {
      const { incident } = await ctx.client.get<{ incident: PdIncident }>(
        `/incidents/${encodeURIComponent(id)}`,
        {},
        ctx.signal,
      );
      fetched.push(incident);
    } catch (error) {
      if (!(options.skipMissing && error instanceof PagerDutyApiError && error.status === 404))
        throw error;
      ctx.logger.warn({ incident_id: id }, 'a webhook named an incident PagerDuty does not know');
    }
  });
  if (fetched.length === 0) return 0;
  return writeIncidentPage(ctx, fetched);
}
