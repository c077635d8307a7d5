import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import {
  breakdownTotal,
  emptyBreakdown,
  incidentConditions,
  INCIDENT_STATUSES,
  type IncidentFilter,
  type IncidentStatus,
  type StatusBreakdown,
} from './incident-filter.js';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export interface PeriodCounts extends StatusBreakdown {
  /** First day of the period (weeks start on Monday), UTC. */
  period: string;
  total: number;
}

/** The UTC day of created_at as YYYY-MM-DD; each dialect spells it differently. */
function createdDay(db: Kysely<Database>): RawBuilder<string> {
  const dialect = dialectOf(db);
  // SQLite stores ISO text; MySQL's session zone is UTC (see connection.ts).
  if (dialect === 'sqlite') return sql<string>`substr(${sql.ref('incidents.created_at')}, 1, 10)`;
  if (dialect === 'mysql')
    return sql<string>`date_format(${sql.ref('incidents.created_at')}, '%Y-%m-%d')`;
  return sql<string>`to_char(${sql.ref('incidents.created_at')} at time zone 'UTC', 'YYYY-MM-DD')`;
}

function periodOf(day: string, interval: Interval): string {
  if (interval === 'day') return day;
  if (interval === 'month') return `${day.slice(0, 7)}-01`;
  const date = new Date(`${day}T00:00:00Z`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

/** Incidents created per day, week or month, by status, oldest first (periods without incidents left out). */
export async function incidentsOverTime(
  db: Kysely<Database>,
  filter: IncidentFilter,
  interval: Interval,
): Promise<PeriodCounts[]> {
  const day = createdDay(db);
  const rows = await db
    .selectFrom('incidents')
    .where((eb) => eb.and(incidentConditions(eb, filter)))
    .select([day.as('day'), 'incidents.status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy([day, 'incidents.status'])
    .execute();
  const periods = new Map<string, StatusBreakdown>();
  for (const r of rows) {
    if (!(INCIDENT_STATUSES as readonly string[]).includes(r.status)) continue;
    const key = periodOf(String(r.day), interval);
    const b = periods.get(key) ?? emptyBreakdown();
    b[r.status as IncidentStatus] += Number(r.n);
    periods.set(key, b);
  }
  return [...periods]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([period, b]) => ({ period, ...b, total: breakdownTotal(b) }));
}
