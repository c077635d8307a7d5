// The one date parser of the product: query strings, CLI options, the environment, request
// bodies and HOLIDAYS all read dates here, so that one spelling means one thing everywhere.
// JavaScript's Date rolls impossible dates over (2026-02-30 becomes 2026-03-02) and reads a
// time without an offset in the machine's zone; both are refused or pinned to UTC below.

/** What a date input may look like, for messages. */
export const DATE_INPUT_HINT =
  'an ISO date such as 2026-01-01 or date-time such as 2026-01-01T00:00:00Z';

/** Years accepted: PagerDuty has no data before 1970, and SQL date types end at 9999. */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;
/** Longest input echoed back in a message. */
const MAX_ECHO = 40;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Why a date input was refused; `parameter` is the parameter, option or variable it came in. */
export class DateInputError extends Error {
  /** The message without the parameter's name: `'2026-02-30' is not a real calendar date; …`. */
  readonly reason: string;

  constructor(
    readonly parameter: string,
    value: string,
  ) {
    const reason = `${echo(value)} is not a real calendar date; use ${DATE_INPUT_HINT}`;
    super(`${parameter}: ${reason}`);
    this.name = 'DateInputError';
    this.reason = reason;
  }
}

function echo(value: string): string {
  // Printable characters only, and not too many: the value lands in logs and terminals.
  const clean = [...value].map((c) => (c.charCodeAt(0) < 32 || c === '\u007f' ? '?' : c)).join('');
  return `'${clean.length > MAX_ECHO ? `${clean.slice(0, MAX_ECHO)}…` : clean}'`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  return (
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** Minutes east of UTC of an offset such as Z, +02:00 or -0530; undefined when not a real one. */
function offsetMinutes(offset: string | undefined): number | undefined {
  if (offset === undefined || offset.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 14 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * A local calendar date (YYYY-MM-DD) as it is written, for HOLIDAYS; throws DateInputError
 * naming `name` and the value when it is not a real date.
 */
export function parseCalendarDate(raw: string, name: string): string {
  const value = raw.trim();
  const m = DATE.exec(value);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])))
    throw new DateInputError(name, raw);
  return value;
}

/**
 * An instant from an ISO date (midnight UTC) or date-time (UTC when it has no offset); throws
 * DateInputError naming `name` and the value when it is malformed or not a real date and time.
 */
export function parseInstant(raw: string, name: string): Date {
  const value = raw.trim();
  const date = DATE.exec(value);
  const m = date ?? DATE_TIME.exec(value);
  if (!m) throw new DateInputError(name, raw);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = date ? 0 : Number(m[4]);
  const minute = date ? 0 : Number(m[5]);
  const second = date ? 0 : Number(m[6] ?? 0);
  const offset = date ? 0 : offsetMinutes(m[8]);
  if (
    !isCalendarDate(year, month, day) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offset === undefined
  )
    throw new DateInputError(name, raw);
  const millis = date || !m[7] ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000);
}

/** Like parseInstant, for optional inputs: blank or absent is undefined. */
export function parseOptionalInstant(raw: string | undefined, name: string): Date | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : parseInstant(raw, name);
}
