import { ValidationError } from '../errors.js';
import { periodsBetween, type PeriodUnit } from '../time/zones.js';

/**
 * The most periods (and, grouped, rows) one answer holds. `aggregate_unit=week` from 0001 to
 * 9999 made half a million periods: the periods were computed for seconds, the query bound one
 * parameter per period until the database refused ("too many SQL variables", a 500), and every
 * other request waited meanwhile.
 */
export const MAX_PERIODS = 5000;

/** The longest a period can be (a day across a DST change is 25 hours). */
const LONGEST_MS: Record<PeriodUnit, number> = {
  day: 25 * 3600_000,
  week: (7 * 24 + 1) * 3600_000,
  month: (31 * 24 + 1) * 3600_000,
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The 400 for an answer past the cap, naming the parameters that widen it. */
export function tooManyPeriods(
  unitParameter: string,
  unit: PeriodUnit,
  since: number,
  until: number,
  what: string,
): ValidationError {
  return new ValidationError(
    `invalid querystring parameter '${unitParameter}': ${unitParameter}=${unit} from since ${iso(since)} to until ${iso(until)} makes ${what}, more than the ${MAX_PERIODS} an answer may hold; narrow since/until or take a longer ${unitParameter}`,
    unitParameter,
  );
}

/**
 * The periods that cover [since, until) in `zone`, or a 400 naming `unitParameter`, since and
 * until when there would be more than MAX_PERIODS: a range sure to hold more (counted with the
 * longest a period can be) is refused before a single one is built.
 */
export function boundedPeriods(
  since: number,
  until: number,
  unit: PeriodUnit,
  zone: string,
  unitParameter: string,
): [number, number][] {
  const atLeast = Math.floor((until - since) / LONGEST_MS[unit]);
  if (atLeast > MAX_PERIODS)
    throw tooManyPeriods(unitParameter, unit, since, until, `over ${MAX_PERIODS} periods`);
  const periods = periodsBetween(since, until, unit, zone);
  if (periods.length > MAX_PERIODS)
    throw tooManyPeriods(unitParameter, unit, since, until, `${periods.length} periods`);
  return periods;
}
