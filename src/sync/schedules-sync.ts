import { inTransaction } from '../db/transaction.js';
import type { Insertable } from 'kysely';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import {
  markUnseenDeleted,
  replaceOwnedRows,
  upsertRows,
} from '../db/repositories/table-writer.js';
import type { Database } from '../db/schema.js';
import type { PdOncall, PdSchedule } from '../pagerduty/pagerduty-types.js';
import { readWindowed } from '../pagerduty/time-windows.js';
import { oncallRow, parsePdTime, refIds, scheduleEntryRows } from './pd-mappers.js';
import {
  forEachConcurrent,
  rememberUserRefs,
  reportWritten,
  type SyncContext,
} from './sync-context.js';

const DAY_MS = 24 * 3600 * 1000;
/** The rendered window of each schedule: a month back (recent load) to 90 days ahead (coverage). */
export const RENDER_DAYS_BACK = 30;
export const RENDER_DAYS_AHEAD = 90;
/** /oncalls accepts at most about 90 days ahead. */
const ONCALLS_DAYS_AHEAD = 90;
/**
 * An incremental sync re-renders schedules and re-reads /oncalls only when older than these:
 * rotations change rarely, /oncalls has a stricter rate limit of its own, and a sync every
 * 15 minutes would otherwise spend one request per schedule each time.
 */
export const SCHEDULES_REFRESH_MS = 6 * 3600 * 1000;
export const ONCALLS_REFRESH_MS = 3600 * 1000;

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
  await inTransaction(ctx.db, async (trx) => {
    await upsertRows(
      trx,
      'schedules',
      schedules.map((s) => ({
        id: s.id,
        name: s.name ?? s.summary ?? s.id,
        description: s.description ?? null,
        time_zone: s.time_zone ?? null,
        html_url: s.html_url ?? null,
        synced_at: ctx.now,
        deleted_at: null,
      })),
    );
    await markUnseenDeleted(trx, 'schedules', ctx.now, ctx.now);
    await replaceOwnedRows(
      trx,
      'schedule_users',
      'schedule_id',
      ids,
      schedules.flatMap((s) => refIds(s.users).map((u) => ({ schedule_id: s.id, user_id: u }))),
    );
    await replaceOwnedRows(
      trx,
      'schedule_teams',
      'schedule_id',
      ids,
      schedules.flatMap((s) => refIds(s.teams).map((t) => ({ schedule_id: s.id, team_id: t }))),
    );
    await replaceOwnedRows(
      trx,
      'schedule_escalation_policies',
      'schedule_id',
      ids,
      schedules.flatMap((s) =>
        refIds(s.escalation_policies).map((p) => ({ schedule_id: s.id, escalation_policy_id: p })),
      ),
    );
  });

  const known = new Set(
    (await ctx.db.selectFrom('schedule_layers').select('schedule_id').distinct().execute()).map(
      (r) => r.schedule_id,
    ),
  );
  const refresh = await due(ctx, 'schedules_rendered', SCHEDULES_REFRESH_MS);
  // New schedules are rendered at once; the others when the rendering is due.
  const toRender = refresh ? schedules : schedules.filter((s) => !known.has(s.id));
  const since = new Date(ctx.now.getTime() - RENDER_DAYS_BACK * DAY_MS).toISOString();
  const until = new Date(ctx.now.getTime() + RENDER_DAYS_AHEAD * DAY_MS).toISOString();
  // Fetched side by side, written in one transaction: concurrent delete-and-insert on the same
  // tables deadlocks on InnoDB's gap locks.
  const details: PdSchedule[] = [];
  await forEachConcurrent(toRender, 4, async (listed) => {
    const { schedule } = await ctx.client.get<{ schedule: PdSchedule }>(
      `/schedules/${encodeURIComponent(listed.id)}`,
      { since, until, time_zone: 'UTC' },
      ctx.signal,
    );
    details.push(schedule);
    reportWritten(ctx, 'schedules', details.length, toRender.length);
  });
  const layerRows: Insertable<Database['schedule_layers']>[] = [];
  const layerUsers: Insertable<Database['schedule_layer_users']>[] = [];
  const entries: Insertable<Database['schedule_entries']>[] = [];
  for (const schedule of details) {
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
    entries.push(
      ...scheduleEntryRows(
        schedule.id,
        schedule.final_schedule?.rendered_schedule_entries,
        ctx.now,
      ),
    );
    rememberUserRefs(
      ctx,
      (schedule.final_schedule?.rendered_schedule_entries ?? []).map((e) => e.user),
    );
  }
  const renderedIds = details.map((s) => s.id);
  await inTransaction(ctx.db, async (trx) => {
    await replaceOwnedRows(trx, 'schedule_layers', 'schedule_id', renderedIds, layerRows);
    await replaceOwnedRows(trx, 'schedule_layer_users', 'schedule_id', renderedIds, layerUsers);
    await replaceOwnedRows(trx, 'schedule_entries', 'schedule_id', renderedIds, entries);
  });
  if (refresh) await setCursor(ctx.db, 'schedules_rendered', ctx.now.toISOString(), ctx.now);
  reportWritten(ctx, 'schedules', schedules.length);
}

/** The /oncalls spans from now to 90 days ahead, replaced as a whole when due. */
export async function syncOncalls(ctx: SyncContext): Promise<void> {
  if (!(await due(ctx, 'oncalls', ONCALLS_REFRESH_MS))) {
    reportWritten(ctx, 'oncalls', 0);
    return;
  }
  const until = new Date(ctx.now.getTime() + ONCALLS_DAYS_AHEAD * DAY_MS - 60_000);
  // /oncalls has the 10,000-record ceiling too (hundreds of policies times 90 days of spans): it
  // is read in windows like incidents. Spans crossing a window edge, and permanent on-calls, come
  // back in several windows; the span's derived id makes them one row.
  const rows = new Map<string, Insertable<Database['oncalls']>>();
  for await (const page of readWindowed<PdOncall>(
    ctx.client,
    '/oncalls',
    { since: ctx.now, until },
    { key: 'oncalls', signal: ctx.signal, boundaryKey: null },
  )) {
    rememberUserRefs(
      ctx,
      page.map((o) => o.user),
    );
    for (const o of page) {
      const row = oncallRow(o, ctx.now);
      if (row) rows.set(row.id, row);
    }
  }
  await inTransaction(ctx.db, async (trx) => {
    await trx.deleteFrom('oncalls').execute();
    await upsertRows(trx, 'oncalls', [...rows.values()]);
    await setCursor(trx, 'oncalls', ctx.now.toISOString(), ctx.now);
  });
  reportWritten(ctx, 'oncalls', rows.size);
}
