import type { Insertable } from 'kysely';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import { storeOncallsFrom } from '../db/repositories/oncalls-repository.js';
import {
  listRenderedScheduleIds,
  replaceScheduleLayers,
  replaceScheduleRelations,
  storeScheduleEntriesFrom,
} from '../db/repositories/schedules-repository.js';
import type { Database } from '../db/schema.js';
import type { PdOncall, PdSchedule, PdScheduleEntry } from '../pagerduty/pagerduty-types.js';
import { readWindowed, splitRange } from '../pagerduty/time-windows.js';
import { listedRow, oncallRow, parsePdTime, refIds, scheduleEntryRows } from './pd-mappers.js';
import { replaceListedRows } from '../db/repositories/table-writer.js';
import { writeMirror } from '../mirror/mirror-writer.js';
import {
  forEachConcurrent,
  rememberUserRefs,
  reportWritten,
  type SyncContext,
} from './sync-context.js';

const DAY_MS = 24 * 3600 * 1000;
/** Schedules are rendered, and /oncalls read, to 90 days ahead (coverage). */
export const RENDER_DAYS_AHEAD = 90;
/**
 * /oncalls accepts at most 90 days between since and until (the contract's "about 90 days"); a
 * schedule is rendered in windows as long, so no single answer grows with the history.
 */
const HISTORY_WINDOW_MS = 90 * DAY_MS - 60_000;
/**
 * An incremental sync re-renders schedules and re-reads /oncalls only when older than these:
 * rotations change rarely, /oncalls has a stricter rate limit of its own, and a sync every
 * 15 minutes would otherwise spend one request per schedule each time.
 */
export const SCHEDULES_REFRESH_MS = 6 * 3600 * 1000;
export const ONCALLS_REFRESH_MS = 3600 * 1000;

// On-call history: what /oncalls and the final schedules say about the past is kept. A full sync
// reads from its history start; an incremental one re-reads from where the previous reading was
// taken (what it stored from there on was a rendering of the then future, and is replaced) to 90
// days ahead. Storage keeps every span before the reading's start (trimSpansAt).

/** Where a reading starts: the history start on a full sync, else the previous reading's time. */
async function readingStart(ctx: SyncContext, cursor: string): Promise<Date> {
  if (ctx.kind === 'full') return ctx.historySince;
  const last = await findCursor(ctx.db, cursor);
  const at = last ? new Date(last) : ctx.historySince;
  return at < ctx.now ? at : ctx.now;
}

async function due(ctx: SyncContext, cursor: string, maxAgeMs: number): Promise<boolean> {
  if (ctx.kind === 'full') return true;
  const last = await findCursor(ctx.db, cursor);
  return !last || ctx.now.getTime() - Date.parse(last) >= maxAgeMs;
}

/** Schedules, their users, teams and policies; and, when due, their layers and final schedule. */
export async function syncSchedules(ctx: SyncContext): Promise<void> {
  const schedules = await ctx.client.listAll<PdSchedule>('/schedules', 'schedules', {}, ctx.signal);
  const ids = schedules.map((s) => s.id);
  for (const s of schedules) rememberUserRefs(ctx, s.users ?? []);
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceListedRows(
      trx,
      'schedules',
      schedules.map((s) =>
        listedRow(s, ctx.now, {
          description: s.description ?? null,
          time_zone: s.time_zone ?? null,
          html_url: s.html_url ?? null,
        }),
      ),
      ctx.now,
    );
    await replaceScheduleRelations(trx, ids, {
      users: schedules.flatMap((s) =>
        refIds(s.users).map((u) => ({ schedule_id: s.id, user_id: u })),
      ),
      teams: schedules.flatMap((s) =>
        refIds(s.teams).map((t) => ({ schedule_id: s.id, team_id: t })),
      ),
      escalationPolicies: schedules.flatMap((s) =>
        refIds(s.escalation_policies).map((p) => ({ schedule_id: s.id, escalation_policy_id: p })),
      ),
    });
  });

  const known = await listRenderedScheduleIds(ctx.db);
  const refresh = await due(ctx, 'schedules_rendered', SCHEDULES_REFRESH_MS);
  // New schedules are rendered at once; the others when the rendering is due.
  const toRender = refresh ? schedules : schedules.filter((s) => !known.has(s.id));
  const from = await readingStart(ctx, 'schedules_rendered');
  // A schedule new to the mirror is rendered over the whole history.
  const fromOf = (id: string) => (known.has(id) ? from : ctx.historySince);
  const until = new Date(ctx.now.getTime() + RENDER_DAYS_AHEAD * DAY_MS);
  // Fetched side by side, written in one transaction: concurrent delete-and-insert on the same
  // tables deadlocks on InnoDB's gap locks.
  const details: { schedule: PdSchedule; entries: PdScheduleEntry[] }[] = [];
  await forEachConcurrent(toRender, 4, async (listed) => {
    let schedule: PdSchedule | undefined;
    const entries: PdScheduleEntry[] = [];
    for (const window of splitRange({ since: fromOf(listed.id), until }, HISTORY_WINDOW_MS)) {
      ({ schedule } = await ctx.client.get<{ schedule: PdSchedule }>(
        `/schedules/${encodeURIComponent(listed.id)}`,
        { since: window.since.toISOString(), until: window.until.toISOString(), time_zone: 'UTC' },
        ctx.signal,
      ));
      entries.push(...(schedule.final_schedule?.rendered_schedule_entries ?? []));
    }
    // The layers are the schedule's as it stands: the last window's answer gives them.
    if (schedule) details.push({ schedule, entries });
    reportWritten(ctx, 'schedules', details.length, toRender.length);
  });
  const layerRows: Insertable<Database['schedule_layers']>[] = [];
  const layerUsers: Insertable<Database['schedule_layer_users']>[] = [];
  const entries: Insertable<Database['schedule_entries']>[] = [];
  for (const { schedule, entries: rendered } of details) {
    const layers = schedule.schedule_layers ?? [];
    layers.forEach((l, position) => {
      const layerId = l.id ?? `layer-${position}`;
      layerRows.push({
        id: layerId,
        schedule_id: schedule.id,
        position,
        name: l.name ?? null,
        start: parsePdTime(l.start),
        end: parsePdTime(l.end),
        rotation_virtual_start: parsePdTime(l.rotation_virtual_start),
        rotation_turn_length_seconds: l.rotation_turn_length_seconds ?? null,
        synced_at: ctx.now,
      });
      (l.users ?? []).forEach((u, userPosition) => {
        if (u?.user?.id)
          layerUsers.push({
            schedule_id: schedule.id,
            schedule_layer_id: layerId,
            position: userPosition,
            user_id: u.user.id,
          });
      });
      rememberUserRefs(
        ctx,
        (l.users ?? []).map((u) => u?.user),
      );
    });
    entries.push(...scheduleEntryRows(schedule.id, rendered, ctx.now, fromOf(schedule.id)));
    rememberUserRefs(
      ctx,
      rendered.map((e) => e.user),
    );
  }
  const renderedIds = details.map((d) => d.schedule.id);
  const newIds = renderedIds.filter((id) => !known.has(id));
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceScheduleLayers(trx, renderedIds, layerRows, layerUsers);
    const knownIds = renderedIds.filter((id) => known.has(id));
    const isNew = new Set(newIds);
    await storeScheduleEntriesFrom(
      trx,
      knownIds,
      from,
      entries.filter((e) => !isNew.has(e.schedule_id)),
    );
    await storeScheduleEntriesFrom(
      trx,
      newIds,
      ctx.historySince,
      entries.filter((e) => isNew.has(e.schedule_id)),
    );
  });
  if (refresh) await setCursor(ctx.db, 'schedules_rendered', ctx.now.toISOString(), ctx.now);
  reportWritten(ctx, 'schedules', schedules.length);
}

/** The /oncalls spans from the reading's start to 90 days ahead, when due; the past is kept. */
export async function syncOncalls(ctx: SyncContext): Promise<void> {
  if (!(await due(ctx, 'oncalls', ONCALLS_REFRESH_MS))) {
    reportWritten(ctx, 'oncalls', 0);
    return;
  }
  const from = await readingStart(ctx, 'oncalls');
  const until = new Date(ctx.now.getTime() + RENDER_DAYS_AHEAD * DAY_MS - 60_000);
  // /oncalls has the 10,000-record ceiling too (hundreds of policies times 90 days of spans): it
  // is read in windows like incidents, of at most 90 days. Spans crossing a window edge, and
  // permanent on-calls, come back in several windows; the span's derived id makes them one row.
  const rows = new Map<string, Insertable<Database['oncalls']>>();
  for await (const page of readWindowed<PdOncall>(
    ctx.client,
    '/oncalls',
    { since: from, until },
    { key: 'oncalls', signal: ctx.signal, boundaryKey: null, maxWindowMs: HISTORY_WINDOW_MS },
  )) {
    rememberUserRefs(
      ctx,
      page.map((o) => o.user),
    );
    for (const o of page) {
      const row = oncallRow(o, ctx.now, from);
      if (row) rows.set(row.id, row);
    }
  }
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await storeOncallsFrom(trx, from, [...rows.values()]);
    await setCursor(trx, 'oncalls', ctx.now.toISOString(), ctx.now);
  });
  reportWritten(ctx, 'oncalls', rows.size);
}
