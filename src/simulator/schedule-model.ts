import type { SimLayer, SimSchedule } from './account-entities.js';
import { wall, wallToUtc } from './wall-clock.js';

// Who a simulated schedule puts on call when, as PagerDuty computes it: each layer rotates its
// users turn by turn, handing off at the same wall-clock time in the schedule's zone (so a daily
// turn across a DST change lasts 23 or 25 hours); overrides replace whoever the layers put on
// call for their span. The simulator renders schedules and /oncalls from this, and incidents
// notify whoever it names.

export interface EntrySpan {
  userId: string;
  start: number;
  end: number;
}

function turnStart(layer: SimLayer, zone: string, k: number): number {
  return wallToUtc(wall(layer.rotationVirtualStart, zone) + k * layer.turnSeconds * 1000, zone);
}

/** The turn of the layer at instant `at`: turnStart(k) <= at < turnStart(k + 1). */
function turnAt(layer: SimLayer, zone: string, at: number): number {
  const turnMs = layer.turnSeconds * 1000;
  let k = Math.floor((wall(at, zone) - wall(layer.rotationVirtualStart, zone)) / turnMs);
  while (turnStart(layer, zone, k + 1) <= at) k += 1;
  while (turnStart(layer, zone, k) > at) k -= 1;
  return k;
}

function userOfTurn(layer: SimLayer, k: number): string | undefined {
  const n = layer.userIds.length;
  return layer.userIds[((k % n) + n) % n];
}

function layerActive(layer: SimLayer, at: number): boolean {
  return at >= layer.start && (layer.end === null || at < layer.end) && layer.userIds.length > 0;
}

/** Who the schedule puts on call at `at`: an override, else the layer in force. */
export function scheduleUserAt(schedule: SimSchedule, at: number): string | undefined {
  const override = schedule.overrides.find((o) => o.start <= at && at < o.end);
  if (override) return override.userId;
  for (const layer of schedule.layers)
    if (layerActive(layer, at)) return userOfTurn(layer, turnAt(layer, schedule.time_zone, at));
  return schedule.layers[0]?.userIds[0];
}

/** The turns of one layer within [since, until), clipped to it. */
function layerSpans(
  s: SimSchedule,
  layer: SimLayer,
  window: { since: number; until: number },
): EntrySpan[] {
  const spans: EntrySpan[] = [];
  const from = Math.max(window.since, layer.start);
  const to = Math.min(window.until, layer.end ?? Number.POSITIVE_INFINITY);
  if (from >= to || layer.userIds.length === 0) return spans;
  for (let k = turnAt(layer, s.time_zone, from); ; k += 1) {
    const start = turnStart(layer, s.time_zone, k);
    if (start >= to) break;
    const end = Math.min(turnStart(layer, s.time_zone, k + 1), to);
    const userId = userOfTurn(layer, k);
    if (userId && end > Math.max(start, from))
      spans.push({ userId, start: Math.max(start, from), end });
  }
  return spans;
}

/** The schedule's overrides within [since, until), clipped to it. */
export function overrideEntries(
  s: SimSchedule,
  window: { since: number; until: number },
): EntrySpan[] {
  return s.overrides
    .filter((o) => o.end > window.since && o.start < window.until)
    .map((o) => ({
      userId: o.userId,
      start: Math.max(o.start, window.since),
      end: Math.min(o.end, window.until),
    }));
}

/**
 * On-call spans within [since, until), clipped to it, in time order: of one layer when
 * `layerId` is given, else the final schedule (the layers with the overrides cut in).
 */
export function scheduleEntries(
  s: SimSchedule,
  window: { since: number; until: number },
  layerId?: string,
): EntrySpan[] {
  const layers = s.layers.filter((l) => layerId === undefined || l.id === layerId);
  let spans = layers.flatMap((l) => layerSpans(s, l, window));
  if (layerId === undefined) {
    const overrides = overrideEntries(s, window);
    for (const o of overrides)
      spans = spans.flatMap((x) => {
        if (x.end <= o.start || x.start >= o.end) return [x];
        const pieces: EntrySpan[] = [];
        if (x.start < o.start) pieces.push({ ...x, end: o.start });
        if (x.end > o.end) pieces.push({ ...x, start: o.end });
        return pieces;
      });
    spans.push(...overrides);
  }
  return spans.sort((a, b) => a.start - b.start);
}
