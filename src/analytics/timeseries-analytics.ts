import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { formatWithOffset, localDate, type PeriodUnit } from '../time/zones.js';
import { boundedPeriods } from './bounded-periods.js';
import {
  filterWhere,
  INCIDENT_COLUMNS,
  INCIDENT_STATUSES,
  type IncidentFilter,
  type IncidentStatus,
} from './incident-filter.js';
import { breakdownTotal, emptyBreakdown, type StatusBreakdown } from './status-breakdown.js';
import { countIncidents } from './incident-counts.js';
import { periodIndex } from './incident-metrics.js';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export interface PeriodCounts extends StatusBreakdown {
  /** First day of the period (weeks start on Monday), in the answer's zone. */
  period: string;
  /** The instant the period starts, with the zone's offset then. */
  start: string;
  total: number;
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT']);

/**
 * Incidents created per day, week or month in `zone`, by status, oldest first: one entry per
 * period from since (else the first matching incident) to until (else now), empty ones
 * included, so that a quiet service's chart shows its quiet weeks. In UTC from the per-day
 * rollups; in another zone from the incidents, each placed in its local period.
 */
export async function incidentsOverTime(
  db: Kysely<Database>,
  filter: IncidentFilter,
  interval: Interval,
  zone: string,
  now: Date,
): Promise<PeriodCounts[]> {
  const until = (filter.until ?? now).getTime();
  let since = filter.since?.getTime();
  if (since === undefined) {
    const first = await db
      .selectFrom('incidents')
      .select((eb) => eb.fn.min('incidents.created_at').as('first'))
      .where((eb) => eb.and(filterWhere(eb, filter, INCIDENT_COLUMNS)))
      .executeTakeFirst();
    if (!first?.first) return [];
    since = new Date(first.first).getTime();
  }
  if (since >= until) return [];
  const periods = boundedPeriods(since, until, interval as PeriodUnit, zone, 'interval');
  const counts = periods.map(() => emptyBreakdown());
  const add = (index: number, status: string, n: number) => {
    const b = counts[index];
    if (b && (INCIDENT_STATUSES as readonly string[]).includes(status))
      b[status as IncidentStatus] += n;
  };
  const range = { ...filter, since: new Date(since), until: new Date(until) };
  if (UTC_ZONES.has(zone)) {
    const rows = await countIncidents(db, range, { perDay: true, acrossServices: true });
    const indexOfDay = new Map(
      periods.flatMap(([s, e], i) => {
        const days: [string, number][] = [];
        for (let d = s; d < e; d += 86_400_000)
          days.push([new Date(d).toISOString().slice(0, 10), i]);
        return days;
      }),
    );
    for (const r of rows) add(indexOfDay.get(r.day ?? '') ?? -1, r.status, Number(r.n));
  } else {
    const rows = await db
      .selectFrom('incidents')
      .where((eb) => eb.and(filterWhere(eb, range, INCIDENT_COLUMNS)))
      .select((eb) => [
        periodIndex(periods, 'incidents.created_at').as('period'),
        'incidents.status',
        eb.fn.countAll<number>().as('n'),
      ])
      // By the output name: PostgreSQL does not match a parameterised expression otherwise.
      .groupBy([sql`period`, 'incidents.status'])
      .execute();
    for (const r of rows) add(Number(r.period), r.status, Number(r.n));
  }
  return periods.map(([s], i) => {
    const b = counts[i] ?? emptyBreakdown();
    return {
      period: localDate(s, zone),
      start: formatWithOffset(s, zone),
      ...b,
      total: breakdownTotal(b),
    };
  });
}
