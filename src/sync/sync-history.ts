import { setHistoryStart } from '../mirror/history.js';
import type { PdIncident, PdLogEntry } from '../pagerduty/pagerduty-types.js';
import { readWindowed } from '../pagerduty/time-windows.js';
import { BACKFILL_CHUNK_MS, LOG_ENTRY_INCLUDES, writePage } from './incidents-sync.js';
import { reportWritten, type SyncContext } from './sync-context.js';

// Where the mirror's history starts, and what a `since` does to it. One rule, whatever asks
// (sync --since, SYNC_SINCE, POST /api/v1/sync, serve --sync-every):
// - a new mirror (or a full sync): its history starts at `since`, else at the oldest incident;
// - `since` earlier than the mirror's history start: the missing range is read (a backfill) and
//   the history starts at `since` from then on;
// - `since` at or after the start: nothing is removed and nothing more is read; the sync says so.

/** How a run's `since` relates to the mirror's history, in words for the CLI and the log. */
export interface HistoryPlan {
  /** Where the mirror's history starts once the run is done. */
  since: Date;
  /** The range read before the history start, when `since` asked for more. */
  backfill?: { since: Date; until: Date };
  /** One sentence on what the run does with the history. */
  note: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The plan of a run on a mirror whose history starts at `start`, asked for `requested`. */
export function planHistory(start: Date, requested: Date | undefined): HistoryPlan {
  if (requested && requested < start)
    return {
      since: requested,
      backfill: { since: requested, until: start },
      note: `backfill: the mirror's history started at ${day(start)}; reading incidents, log entries and on-call history from ${day(requested)} to it`,
    };
  if (requested)
    return {
      since: start,
      note:
        day(requested) === day(start)
          ? `the mirror's history already starts at ${day(start)}`
          : `the mirror's history already starts at ${day(start)}, before ${day(requested)}: nothing removed, nothing more to read`,
    };
  return { since: start, note: `history from ${day(start)}` };
}

/**
 * Reads the incidents and log entries created in [range.since, range.until), newest chunk first,
 * and moves the history start back after each committed chunk: a killed backfill leaves a
 * mirror whose history start is true, and running it again reads only what is still missing.
 */
export async function backfillHistory(
  ctx: SyncContext,
  range: { since: Date; until: Date },
): Promise<void> {
  let incidents = ctx.counts.incidents ?? 0;
  let logEntries = ctx.counts.log_entries ?? 0;
  for (let end = range.until.getTime(); end > range.since.getTime(); end -= BACKFILL_CHUNK_MS) {
    const part = {
      since: new Date(Math.max(range.since.getTime(), end - BACKFILL_CHUNK_MS)),
      until: new Date(end),
    };
    const read = async <T>(
      resource: 'incidents' | 'log_entries',
      write: (page: T[]) => Promise<void>,
    ) => {
      for await (const page of readWindowed<T>(ctx.client, `/${resource}`, part, {
        key: resource,
        // A notification's medium comes only with its channel (LOG_ENTRY_INCLUDES).
        query: resource === 'log_entries' ? { 'include[]': LOG_ENTRY_INCLUDES } : {},
        signal: ctx.signal,
      }))
        await write(page);
    };
    await Promise.all([
      read<PdIncident>('incidents', async (page) => {
        incidents += (await writePage(ctx.writer, ctx.now, { incidents: page })).incidents;
        reportWritten(ctx, 'incidents', incidents);
      }),
      read<PdLogEntry>('log_entries', async (page) => {
        logEntries += (await writePage(ctx.writer, ctx.now, { logEntries: page })).logEntries;
        reportWritten(ctx, 'log_entries', logEntries);
      }),
    ]);
    await setHistoryStart(ctx.db, part.since, ctx.now);
  }
}
