import {
  HOUR_CLASSES,
  hourClassifier,
  type DayClassifier,
  type HourClass,
  type WorkingHours,
} from './working-hours.js';
import { localParts, offsetMinutes, startOfLocalDay } from './zones.js';

// How much of a span falls in each class (the hour classes business, off, sleep; or the pay
// classes) for someone in a zone: the on-call time of a responder, split as PagerDuty splits
// interruptions, or as payroll pays it. A local day is cut
// at the class boundaries (the sleep and business spans' ends), placed in UTC with the offset in
// force at each (so a DST day of 23 or 25 hours is cut right); days are computed once per zone
// and date and kept, so a year of shifts for hundreds of people costs arithmetic, not Intl calls.

const MINUTE = 60_000;
const DAY = 24 * 3600 * 1000;

interface DayLayout<K extends string> {
  /** The local date, as UTC midnight of the same calendar date (for date arithmetic). */
  date: number;
  start: number;
  end: number;
  /** Consecutive [from, to) pieces of the day in UTC ms, each in one class. */
  pieces: { from: number; to: number; kind: K }[];
}

/** A local day: its date (YYYY-MM-DD) and its [start, end) in UTC ms (23 to 25 hours). */
export interface LocalDaySpan {
  date: string;
  start: number;
  end: number;
}

export type HourClassSeconds = Record<HourClass, number>;

export function emptyHourClassSeconds(): HourClassSeconds {
  return { business: 0, off: 0, sleep: 0 };
}

/** Splits spans into the classes of a DayClassifier (whose classes change only at `hours`' bounds). */
export class ClassSplitter<K extends string> {
  readonly #days = new Map<string, DayLayout<K>[]>();
  readonly #boundaries: number[];

  constructor(
    readonly hours: WorkingHours,
    readonly classes: readonly K[],
    readonly classify: DayClassifier<K>,
  ) {
    this.#boundaries = [
      ...new Set([0, hours.sleep.from, hours.sleep.to, hours.business.from, hours.business.to]),
    ]
      .filter((m) => m >= 0 && m < 1440)
      .sort((a, b) => a - b);
  }

  /** Zero seconds in every class. */
  empty(): Record<K, number> {
    return Object.fromEntries(this.classes.map((c) => [c, 0])) as Record<K, number>;
  }

  /** The class of instant t in `zone`, from the same day layouts (no Intl call once laid out). */
  classAt(t: number, zone: string): K {
    const days = this.#cover(zone, t, t + 1);
    const day = days[findDay(days, t)] as DayLayout<K>;
    const piece = day.pieces.find((p) => t >= p.from && t < p.to) ?? day.pieces.at(-1);
    return (piece as { kind: K }).kind;
  }

  /** The local days of [start, end) in `zone`: each day's date, start and end in UTC ms. */
  days(start: number, end: number, zone: string): LocalDaySpan[] {
    if (end <= start) return [];
    const days = this.#cover(zone, start, end);
    const out: LocalDaySpan[] = [];
    for (let i = findDay(days, start); i < days.length; i += 1) {
      const day = days[i] as DayLayout<K>;
      if (day.start >= end) break;
      out.push({
        date: new Date(day.date).toISOString().slice(0, 10),
        start: day.start,
        end: day.end,
      });
    }
    return out;
  }

  /** Seconds of [start, end) in each class in `zone`. */
  split(start: number, end: number, zone: string, into = this.empty()): Record<K, number> {
    if (end <= start) return into;
    const days = this.#cover(zone, start, end);
    let i = findDay(days, start);
    for (; i < days.length; i += 1) {
      const day = days[i] as DayLayout<K>;
      if (day.start >= end) break;
      for (const piece of day.pieces) {
        const from = Math.max(piece.from, start);
        const to = Math.min(piece.to, end);
        if (to > from) into[piece.kind] += (to - from) / 1000;
      }
    }
    return into;
  }

  /** The zone's days, extended to cover [start, end). */
  #cover(zone: string, start: number, end: number): DayLayout<K>[] {
    let days = this.#days.get(zone);
    if (!days) {
      const p = localParts(start, zone);
      days = [this.#layout(Date.UTC(p.year, p.month - 1, p.day), zone)];
      this.#days.set(zone, days);
    }
    while ((days[0] as DayLayout<K>).start > start)
      days.unshift(this.#layout((days[0] as DayLayout<K>).date - DAY, zone));
    while ((days.at(-1) as DayLayout<K>).end < end)
      days.push(this.#layout((days.at(-1) as DayLayout<K>).date + DAY, zone));
    return days;
  }

  #layout(date: number, zone: string): DayLayout<K> {
    const d = new Date(date);
    const [y, m, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const n = new Date(date + DAY);
    const start = startOfLocalDay(y, m, dd, zone);
    const end = startOfLocalDay(n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate(), zone);
    const weekday = ((d.getUTCDay() + 6) % 7) + 1;
    const iso = d.toISOString().slice(0, 10);
    const local = { weekday, holiday: this.hours.holidays.has(iso) };
    // A wall-clock minute of this day in UTC: midnight's offset holds all day, except on the
    // two days a year of a DST change, where each boundary takes the offset in force there.
    const startOffset = date - start;
    const steady = startOffset === date + DAY - end;
    const at = (minute: number) => {
      if (minute === 0) return start;
      const wall = date + minute * MINUTE;
      if (steady) return wall - startOffset;
      const guess = wall - startOffset;
      return Math.min(Math.max(wall - offsetMinutes(guess, zone) * MINUTE, start), end);
    };
    const pieces: DayLayout<K>['pieces'] = [];
    this.#boundaries.forEach((minute, k) => {
      const next = this.#boundaries[k + 1] ?? 1440;
      const kind = this.classify(local, minute);
      const from = at(minute);
      const to = next === 1440 ? end : at(next);
      if (to > from) pieces.push({ from, to, kind });
    });
    return { date, start, end, pieces };
  }
}

/** The hour classes' splitter. */
export class HourClassSplitter extends ClassSplitter<HourClass> {
  constructor(hours: WorkingHours) {
    super(hours, HOUR_CLASSES, hourClassifier(hours));
  }
}

/** The index of the day containing t (or the first after it). */
function findDay<K extends string>(days: readonly DayLayout<K>[], t: number): number {
  let lo = 0;
  let hi = days.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((days[mid] as DayLayout<K>).end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
