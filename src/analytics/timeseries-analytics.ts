import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  breakdownTotal,
  emptyBreakdown,
  INCIDENT_STATUSES,
  type IncidentFilter,
  type IncidentStatus,
  type StatusBreakdown,
} from './incident-filter.js';
import { countIncidents } from './incident-counts.js';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export interface PeriodCounts extends StatusBreakdown {
  /** First day of the period (weeks start on Monday), UTC. */
  period: string;
  total: number;
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
  const rows = await countIncidents(db, filter, { perDay: true, acrossServices: true });
  const periods = new Map<string, StatusBreakdown>();
  for (const r of rows) {
    if (!(INCIDENT_STATUSES as readonly string[]).includes(r.status)) continue;
    const key = periodOf(r.day ?? '', interval);
    const b = periods.get(key) ?? emptyBreakdown();
    b[r.status as IncidentStatus] += r.n;
    periods.set(key, b);
  }
  return [...periods]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([period, b]) => ({ period, ...b, total: breakdownTotal(b) }));
}
