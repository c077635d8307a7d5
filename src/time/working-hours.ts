import { parseCalendarDate } from './dates.js';
import { localParts } from './zones.js';

// When an interruption costs what: PagerDuty's hour classes, placed in the notified user's own
// zone. Sleep hours come first (every day); then business hours (on business days that are
// not holidays); everything else is off hours. The three cover every minute exactly once.

export type HourClass = 'business' | 'off' | 'sleep';
export const HOUR_CLASSES: readonly HourClass[] = ['business', 'off', 'sleep'];

// What an on-call minute is paid as (ONCALL_PAY_RULES), in the user's zone. Unlike the hour
// classes, a whole holiday or non-business day is one class (payroll pays a weekend day as a
// weekend day, nights included); on business days sleep hours come before business hours.
export type PayClass = 'business' | 'off' | 'sleep' | 'weekend' | 'holiday';
export const PAY_CLASSES: readonly PayClass[] = ['business', 'off', 'sleep', 'weekend', 'holiday'];

/** What a classifier knows of a local day: its ISO weekday and whether it is a holiday. */
export interface LocalDay {
  weekday: number;
  holiday: boolean;
}

/** A class of a wall-clock minute of a local day: the hour classes, or the pay classes. */
export type DayClassifier<K extends string> = (day: LocalDay, minute: number) => K;

/** A daily span of wall-clock minutes, [from, to); it wraps past midnight when to <= from. */
export interface DailySpan {
  from: number;
  to: number;
}

export interface WorkingHours {
  /** BUSINESS_HOURS: ISO weekdays (1 Monday .. 7 Sunday) and a span, 08:00-18:00 Mon-Fri by default. */
  businessDays: readonly number[];
  business: DailySpan;
  /** SLEEP_HOURS: a span every day, 22:00-08:00 by default. */
  sleep: DailySpan;
  /** HOLIDAYS: local dates (YYYY-MM-DD) whose business hours count as off hours. */
  holidays: ReadonlySet<string>;
}

export const DEFAULT_WORKING_HOURS: WorkingHours = {
  businessDays: [1, 2, 3, 4, 5],
  business: { from: 8 * 60, to: 18 * 60 },
  sleep: { from: 22 * 60, to: 8 * 60 },
  holidays: new Set(),
};

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function inSpan(minute: number, span: DailySpan): boolean {
  return span.from < span.to
    ? minute >= span.from && minute < span.to
    : minute >= span.from || minute < span.to;
}

/** The hour classes: sleep hours every day first, then business hours on business days. */
export function hourClassifier(hours: WorkingHours): DayClassifier<HourClass> {
  return (day, minute) => {
    if (inSpan(minute, hours.sleep)) return 'sleep';
    if (hours.businessDays.includes(day.weekday) && !day.holiday && inSpan(minute, hours.business))
      return 'business';
    return 'off';
  };
}

/** The pay classes: holiday, then weekend (not a business day), then sleep, business, off. */
export function payClassifier(hours: WorkingHours): DayClassifier<PayClass> {
  return (day, minute) => {
    if (day.holiday) return 'holiday';
    if (!hours.businessDays.includes(day.weekday)) return 'weekend';
    if (inSpan(minute, hours.sleep)) return 'sleep';
    if (inSpan(minute, hours.business)) return 'business';
    return 'off';
  };
}

/** The class `classify` gives instant `ms` for someone in `zone`. */
export function classOfInstant<K extends string>(
  ms: number,
  zone: string,
  hours: WorkingHours,
  classify: DayClassifier<K>,
): K {
  const p = localParts(ms, zone);
  const date = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  return classify(
    { weekday: p.weekday, holiday: hours.holidays.has(date) },
    p.hour * 60 + p.minute,
  );
}

/** The hour class of instant `ms` for someone in `zone`. */
export function classifyInstant(ms: number, zone: string, hours: WorkingHours): HourClass {
  return classOfInstant(ms, zone, hours, hourClassifier(hours));
}

/** A fingerprint of the hours, so that figures classified under other hours are known stale. */
export function workingHoursKey(hours: WorkingHours, defaultZone: string): string {
  return JSON.stringify([
    hours.businessDays,
    hours.business,
    hours.sleep,
    [...hours.holidays].sort(),
    defaultZone,
  ]);
}

function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** `HH:MM-HH:MM`; undefined when malformed or empty. */
export function parseDailySpan(text: string): DailySpan | undefined {
  const [a, b, ...rest] = text.trim().split('-');
  if (a === undefined || b === undefined || rest.length > 0) return undefined;
  const from = parseClock(a.trim());
  const to = parseClock(b.trim());
  if (from === undefined || to === undefined || from === to) return undefined;
  return { from, to };
}

/** `Mon-Fri`, `Mon,Wed,Fri` or `Sun-Thu`: ISO weekdays; undefined when malformed. */
export function parseWeekdays(text: string): number[] | undefined {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const [a, b, ...rest] = part.trim().split('-');
    const from = DAY_NAMES.indexOf(a ?? '');
    const to = b === undefined ? from : DAY_NAMES.indexOf(b);
    if (from < 0 || to < 0 || rest.length > 0) return undefined;
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d + 1);
      if (d === to) break;
    }
  }
  return [...days].sort((x, y) => x - y);
}

/** `Mon-Fri 08:00-18:00`: business days and hours; undefined when malformed. */
export function parseBusinessHours(
  text: string,
): Pick<WorkingHours, 'businessDays' | 'business'> | undefined {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(text);
  if (!m?.[1] || !m[2]) return undefined;
  const businessDays = parseWeekdays(m[1]);
  const business = parseDailySpan(m[2]);
  if (!businessDays || !business || business.to <= business.from) return undefined;
  return { businessDays, business };
}

/**
 * `2026-12-25,2027-01-01`: real calendar dates, by the product's one date parser; throws
 * DateInputError naming `name` and the first bad date.
 */
export function parseHolidayList(text: string, name: string): Set<string> {
  return new Set(
    text
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => parseCalendarDate(d, name)),
  );
}

/** `2026-12-25,2027-01-01`: valid calendar dates; undefined when one is malformed. */
export function parseHolidays(text: string): Set<string> | undefined {
  try {
    return parseHolidayList(text, 'HOLIDAYS');
  } catch {
    return undefined;
  }
}
