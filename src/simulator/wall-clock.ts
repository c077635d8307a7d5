import { offsetMinutes } from '../time/zones.js';

// Wall-clock arithmetic in a zone for the simulated account: hand-offs and turns happen at the
// same local time whatever the offset. Apart from schedule-model.ts, which reads the account's
// types, so that the account's generator can use it without the two importing each other.

const QUARTER_HOUR = 15 * 60_000;
// Offsets change on quarter hours at most: remembered per zone and quarter hour, since a year
// of daily turns for a hundred schedules asks for the same few thousand again and again.
const offsets = new Map<string, Map<number, number>>();

function offsetMs(ms: number, zone: string): number {
  let byZone = offsets.get(zone);
  if (!byZone) {
    byZone = new Map();
    offsets.set(zone, byZone);
  }
  const key = Math.floor(ms / QUARTER_HOUR);
  let value = byZone.get(key);
  if (value === undefined) {
    value = offsetMinutes(key * QUARTER_HOUR, zone) * 60_000;
    byZone.set(key, value);
  }
  return value;
}

/** Wall-clock time (local time written as if UTC) of an instant. */
export function wall(ms: number, zone: string): number {
  return ms + offsetMs(ms, zone);
}

/** The instant of a wall-clock time (the later reading wins in a repeated hour). */
export function wallToUtc(wallMs: number, zone: string): number {
  const first = wallMs - offsetMs(wallMs, zone);
  return wallMs - offsetMs(first, zone);
}

/** A local time of day (minutes) on the local date of `ms`, in `zone`. */
export function atLocalTime(ms: number, zone: string, minutes: number): number {
  const local = wall(ms, zone);
  const midnight = local - (((local % 86_400_000) + 86_400_000) % 86_400_000);
  return wallToUtc(midnight + minutes * 60_000, zone);
}
