import type { Kysely } from 'kysely';
import { ACROSS_SERVICES } from '../mirror/rollups.js';
import type { Database } from '../db/schema.js';
import {
  filterWhere,
  INCIDENT_COLUMNS,
  type FilterColumns,
  type IncidentFilter,
} from './incident-filter.js';
import { utcDay } from './sql-time.js';

// Incident counts from the rollups the writes keep (incident_counts, incident_team_counts: per
// service, status and urgency, all time and per UTC month and day), so that their cost does not
// grow with the number of incidents. A time filter is cut into whole UTC months and days, read
// from the rollups, and the partial days at its ends, counted from the incidents themselves:
// the answer is exact whatever the bounds.

/** A count of incidents for one service (or '' for none), status and, when asked, UTC day. */
export interface CountRow {
  service_id: string;
  status: string;
  day?: string;
  n: number;
}

interface Segment {
  grain: 'all' | 'month' | 'day' | 'raw';
  /** Bucket bounds [from, to) for the rollups; instants [since, until) for raw. */
  from: string;
  to: string;
  since?: Date;
  until?: Date;
}

const DAY = 24 * 3600 * 1000;

/** Where the rollups (incident_counts, incident_team_counts) hold what the filter tests. */
const ROLLUP_COLUMNS: FilterColumns = {
  service: { serviceId: 'service_id' },
  urgency: 'urgency',
  status: 'status',
  team: { teamId: 'team_id' },
};

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** The first day of the month before the one holding ms. */
function previousMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
}

function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** [since, until) as rollup buckets and raw ends. `perDay` keeps whole months as days. */
export function segmentsOf(
  since: Date | undefined,
  until: Date | undefined,
  perDay: boolean,
): Segment[] {
  if (!since && !until)
    return perDay ? [{ grain: 'day', from: '', to: '~' }] : [{ grain: 'all', from: '', to: '~' }];
  // An open end is cut as if it were a whole month or two away from the other bound, and the
  // segment at that end then reaches to the first ('') or last ('~') bucket: walking days from
  // 1970 or to 9999 cost a quarter of a second per request.
  const start = since?.getTime() ?? previousMonth(until?.getTime() ?? 0);
  const end = until?.getTime() ?? nextMonth(nextMonth(start));
  const out: Segment[] = [];
  const firstDay = startOfUtcDay(start) === start ? start : startOfUtcDay(start) + DAY;
  const lastDay = startOfUtcDay(end);
  if (firstDay >= lastDay)
    return [{ grain: 'raw', from: '', to: '', since: new Date(start), until: new Date(end) }];
  if (start < firstDay)
    out.push({ grain: 'raw', from: '', to: '', since: new Date(start), until: new Date(firstDay) });
  let t = firstDay;
  while (t < lastDay) {
    const monthStart = new Date(t).getUTCDate() === 1;
    const monthEnd = nextMonth(t);
    if (!perDay && monthStart && monthEnd <= lastDay) {
      out.push({ grain: 'month', from: dayOf(t).slice(0, 7), to: dayOf(monthEnd).slice(0, 7) });
      t = monthEnd;
    } else {
      const to = Math.min(lastDay, perDay ? lastDay : monthEnd);
      out.push({ grain: 'day', from: dayOf(t), to: dayOf(to) });
      t = to;
    }
  }
  // Merge neighbouring segments of one grain into one range.
  const merged: Segment[] = [];
  for (const s of out) {
    const last = merged.at(-1);
    if (last && last.grain === s.grain && s.grain !== 'raw' && last.to === s.from) last.to = s.to;
    else merged.push(s);
  }
  if (end > lastDay)
    merged.push({ grain: 'raw', from: '', to: '', since: new Date(lastDay), until: new Date(end) });
  // Open ends fall on whole days, so the segments there are rollup ranges.
  const first = merged[0];
  const last = merged.at(-1);
  if (!since && first) first.from = '';
  if (!until && last) last.to = '~';
  return merged;
}

/**
 * Matching incidents counted by service and status (and UTC day with `perDay`), for the given
 * services or all of them. Incidents without a service count under ''. With `acrossServices`
 * the rows may come summed across services (service_id ''), from the smaller grains, when
 * nothing in the filter asks for services or teams.
 */
export async function countIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter,
  options: { serviceIds?: readonly string[]; perDay?: boolean; acrossServices?: boolean } = {},
): Promise<CountRow[]> {
  const perDay = options.perDay ?? false;
  const ids = options.serviceIds;
  if (ids !== undefined && ids.length === 0) return [];
  const across =
    options.acrossServices === true &&
    ids === undefined &&
    filter.serviceId === undefined &&
    filter.teamId === undefined;
  // An incident of several of the teams asked for is one incident, but a row of each team's
  // rollup: counted from the incidents themselves.
  if (filter.teamId !== undefined && filter.teamId.length > 1)
    return countRaw(db, filter, ids, perDay);
  const rows: CountRow[] = [];
  for (const segment of segmentsOf(filter.since, filter.until, perDay)) {
    if (segment.grain === 'raw') {
      rows.push(
        ...(await countRaw(
          db,
          { ...filter, since: segment.since, until: segment.until },
          ids,
          perDay,
        )),
      );
      continue;
    }
    // The team rollup has the same columns and a team_id: one query reads either (team_id is
    // tested only when a team is asked for, that is on the team rollup).
    const table = (
      filter.teamId === undefined ? 'incident_counts' : 'incident_team_counts'
    ) as 'incident_counts';
    const found = await db
      .selectFrom(table)
      .where('grain', '=', across ? ACROSS_SERVICES[segment.grain] : segment.grain)
      // All time is the one bucket ''. Saying so lets the key (grain, bucket, service_id, ...)
      // seek each service asked for: without it SQLite read every all-time row of every service
      // and tested it against the list (2,000 services: twice the time).
      .$if(segment.grain === 'all', (q) => q.where('bucket', '=', ''))
      .$if(segment.grain !== 'all', (q) =>
        q.where('bucket', '>=', segment.from).where('bucket', '<', segment.to),
      )
      // The segment's buckets stand for the range.
      .where((eb) =>
        eb.and(filterWhere(eb, { ...filter, since: undefined, until: undefined }, ROLLUP_COLUMNS)),
      )
      .$if(ids !== undefined, (q) => q.where('service_id', 'in', ids ?? []))
      .select((eb) => ['service_id', 'status', 'bucket', eb.fn.sum<number>('n').as('n')])
      .groupBy(['service_id', 'status', 'bucket'])
      .execute();
    for (const r of found)
      rows.push({
        service_id: r.service_id,
        status: r.status,
        ...(perDay ? { day: r.bucket } : {}),
        n: Number(r.n),
      });
  }
  return rows;
}

async function countRaw(
  db: Kysely<Database>,
  filter: IncidentFilter,
  ids: readonly string[] | undefined,
  perDay: boolean,
): Promise<CountRow[]> {
  const day = utcDay(db, 'incidents.created_at');
  const found = await db
    .selectFrom('incidents')
    .where((eb) => eb.and(filterWhere(eb, filter, INCIDENT_COLUMNS)))
    .$if(ids !== undefined, (q) => q.where('incidents.service_id', 'in', ids ?? []))
    .select((eb) => [
      'incidents.service_id',
      'incidents.status',
      day.as('day'),
      eb.fn.countAll<number>().as('n'),
    ])
    .groupBy(['incidents.service_id', 'incidents.status', day])
    .execute();
  return found.map((r) => ({
    service_id: r.service_id ?? '',
    status: r.status,
    ...(perDay ? { day: String(r.day) } : {}),
    n: Number(r.n),
  }));
}
