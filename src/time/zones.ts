// Calendar arithmetic in IANA time zones, with the platform's Intl only: local parts of an
// instant, the instant of a local midnight, offsets, and periods (days, weeks from Monday,
// months) that follow the zone's DST changes. Time zones are names, never offsets.

/** The wall-clock reading of an instant in a zone. */
export interface LocalParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 (Monday) to 7 (Sunday), ISO. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const MINUTE = 60_000;
const DAY = 24 * 3600 * 1000;

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is an IANA time zone this platform knows. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading of instant `ms` in `zone`. */
export function localParts(ms: number, zone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    weekday: WEEKDAYS[parts['weekday'] ?? ''] ?? 1,
  };
}

/** Minutes east of UTC in `zone` at instant `ms`. */
export function offsetMinutes(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(ms / MINUTE) * MINUTE) / MINUTE);
}

/** The local date of an instant as YYYY-MM-DD. */
export function localDate(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The first instant of local date (year, month, day) in `zone`: its midnight, or where a DST
 * change skips midnight, the first minute the day has.
 */
export function startOfLocalDay(year: number, month: number, day: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // Two rounds converge on the offset in force at that midnight.
  let t = wall - offsetMinutes(wall, zone) * MINUTE;
  t = wall - offsetMinutes(t, zone) * MINUTE;
  const target = `${year}-${pad(month)}-${pad(day)}`;
  // Midnight may not exist (a DST jump at 00:00): step to the first minute of that date.
  if (localDate(t, zone) !== target) {
    for (let probe = t - 3 * 3600_000; probe < t + 3 * 3600_000; probe += 15 * MINUTE)
      if (localDate(probe, zone) === target) return probe;
  }
  // And the day's first minute may come earlier than the computed instant.
  while (localDate(t - MINUTE, zone) === target) t -= MINUTE;
  return t;
}

export type PeriodUnit = 'day' | 'week' | 'month';

/** The start of the period (day, week from Monday, month) that contains instant `ms`, in `zone`. */
export function periodStart(ms: number, unit: PeriodUnit, zone: string): number {
  const p = localParts(ms, zone);
  if (unit === 'month') return startOfLocalDay(p.year, p.month, 1, zone);
  if (unit === 'day') return startOfLocalDay(p.year, p.month, p.day, zone);
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day) - (p.weekday - 1) * DAY);
  return startOfLocalDay(
    monday.getUTCFullYear(),
    monday.getUTCMonth() + 1,
    monday.getUTCDate(),
    zone,
  );
}

/** The start of the period after the one starting at `start`. */
export function nextPeriodStart(start: number, unit: PeriodUnit, zone: string): number {
  const p = localParts(start, zone);
  if (unit === 'month') {
    const next = new Date(Date.UTC(p.year, p.month, 1));
    return startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, 1, zone);
  }
  const step = unit === 'week' ? 7 : 1;
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day) + step * DAY);
  return startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), zone);
}

/** The periods that cover [since, until), each as [start, end), in order. */
export function periodsBetween(
  since: number,
  until: number,
  unit: PeriodUnit,
  zone: string,
): [number, number][] {
  const periods: [number, number][] = [];
  for (let start = periodStart(since, unit, zone); start < until;) {
    const end = nextPeriodStart(start, unit, zone);
    periods.push([start, end]);
    start = end;
  }
  return periods;
}

/** An instant written as local time with the zone's offset then: 2026-03-08T00:00:00-05:00. */
export function formatWithOffset(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  const offset = offsetMinutes(ms, zone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const seconds = pad(new Date(ms).getUTCSeconds());
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${seconds}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
