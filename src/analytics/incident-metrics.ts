import { sql, type Kysely, type RawBuilder } from 'kysely';
import { DEFAULT_ANALYTICS_CONFIG, type AnalyticsConfig } from '../config.js';
import type { Db } from '../db/connection.js';
import { dialectOf } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import { formatWithOffset, type PeriodUnit } from '../time/zones.js';
import { boundedPeriods, MAX_PERIODS, tooManyPeriods } from './bounded-periods.js';
import type { PercentileValues } from './exact-percentiles.js';
import { groupBy } from './group-by.js';
import { unionSpans, type Span } from '../time/spans.js';
import { unorderedGroupColumn } from './sql-grouping.js';
import { filterWhere, type FilterColumns } from './incident-filter.js';
import {
  firstCreated,
  storeAggregates,
  storeMajorCovers,
  type FactCache,
  type FactStore,
} from './fact-store.js';
import {
  compileCatalog,
  emptyAggregate,
  keyOf,
  metricValues,
  postgresPercentileSelections,
  postgresPercentileValues,
  type Aggregate,
  type CompiledCatalog,
  type UpTime,
} from './incident-metric-values.js';
import { repeatFacts, type ConditionSettings } from './incident-conditions.js';
import {
  INCIDENT_METRICS,
  NOISE_METRICS,
  PERCENTILES,
  type IncidentMetric,
  type NoiseMetric,
} from './metric-catalog.js';
import {
  AGGREGATE_UNITS,
  METRIC_GROUPS,
  type AnalyticsRequest,
  type MetricGroup,
} from './analytics-request.js';

// PagerDuty's AnalyticsIncidentMetrics, computed exactly from the mirror for any range: the
// per-incident facts kept by the writes (incident_metrics, see src/mirror/incident-facts.ts)
// aggregated in SQL, with exact percentiles (linear interpolation between the closest ranks,
// as PostgreSQL's percentile_cont) from ranks the database picks, the same on every dialect.

/** The metrics' own query parameters (JSON Schema), for the endpoint and its CSV report. */
export const METRICS_QUERY_PROPERTIES = {
  priority_id: {
    type: 'string',
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    description: 'Only incidents of this priority',
  },
  group_by: {
    type: 'string',
    enum: [...METRIC_GROUPS],
    default: 'none',
    description:
      'none: one row for everything matched; or a row per service, team, escalation policy, urgency or priority',
  },
  aggregate_unit: {
    type: 'string',
    enum: [...AGGREGATE_UNITS],
    description:
      'A row per day, week (from Monday) or month in time_zone; omitted: one row for the whole range',
  },
  time_zone: {
    type: 'string',
    maxLength: 64,
    description:
      'The IANA zone of the periods (they follow its DST changes); default ANALYTICS_TIME_ZONE (UTC)',
    example: 'America/New_York',
  },
} as const;

/** The grouping column, as it appears in the query, and the field names it answers with. */
const GROUP_COLUMNS: Record<
  Exclude<MetricGroup, 'none'>,
  { column: string; id: string; name: string | null }
> = {
  service: { column: 'm.service_id', id: 'service_id', name: 'service_name' },
  team: { column: 'it.team_id', id: 'team_id', name: 'team_name' },
  escalation_policy: {
    column: 'm.escalation_policy_id',
    id: 'escalation_policy_id',
    name: 'escalation_policy_name',
  },
  urgency: { column: 'm.urgency', id: 'urgency', name: null },
  priority: { column: 'm.priority_id', id: 'priority_id', name: 'priority_name' },
};

/** The fields that name a row's group, whichever the grouping. */
export const METRIC_GROUP_FIELDS: readonly string[] = Object.values(GROUP_COLUMNS).flatMap((g) =>
  g.name ? [g.id, g.name] : [g.id],
);

/** Every metric of a row, in the order the answer gives them. */
export const METRIC_FIELDS: readonly IncidentMetric[] = INCIDENT_METRICS.map((m) => m.name);
/** Every noise metric of a row, in the order the answer gives them. */
export const NOISE_FIELDS: readonly NoiseMetric[] = NOISE_METRICS.map((m) => m.name);

const INCIDENT_CATALOG = compileCatalog(INCIDENT_METRICS);
const NOISE_CATALOG = compileCatalog(NOISE_METRICS);

/** Where the metrics read: the database, and a worker's copy of the facts when it has one. */
export type AnalyticsHandle = Pick<Db, 'read' | 'readPage'> & { facts?: FactCache | undefined };

export interface MetricsRequest extends AnalyticsRequest {
  /** "Now": the end of the range when the request gives none, and of open incidents. */
  now: Date;
}

/** One row of the answer: a group (and period), named as PagerDuty names its fields. */
export interface IncidentMetricsRow {
  [field: string]: string | number | null;
}

/** The answer's time range: the request's, or from the first matching incident to now. */
async function rangeOf(
  db: Kysely<Database>,
  request: MetricsRequest,
  store: FactStore | undefined,
): Promise<[number, number] | null> {
  const until = request.filter.until?.getTime() ?? request.now.getTime();
  if (request.filter.since) return [request.filter.since.getTime(), until];
  if (store) {
    const first = firstCreated(store, request.filter);
    return first === undefined ? null : [first, until];
  }
  const row = await matching(db, request)
    .select((eb) => eb.fn.min('m.created_at').as('first'))
    .executeTakeFirst();
  if (!row?.first) return null;
  return [new Date(row.first).getTime(), until];
}

/** Where incident_metrics (as m) holds what the filter tests. */
export const FACT_COLUMNS: FilterColumns = {
  time: 'm.created_at',
  service: { serviceId: 'm.service_id' },
  urgency: 'm.urgency',
  status: 'm.status',
  priority: 'm.priority_id',
  team: { incidentId: 'm.incident_id' },
};

/**
 * incident_metrics (as m) of the incidents the filter matches; with team rows (as it) when grouped
 * by team; with the repeat test's column (repeatFacts) when `repeats` gives its settings.
 */
function matching(db: Kysely<Database>, request: MetricsRequest, repeats?: ConditionSettings) {
  const table = () => db.selectFrom('incident_metrics as m');
  // The same rows and columns, and one more that only the conditions' SQL reads.
  const from = repeats
    ? (db.selectFrom(repeatFacts(db, request.filter, repeats).as('m')) as unknown as ReturnType<
        typeof table
      >)
    : table();
  return from
    .$if(request.groupBy === 'team', (q) =>
      q.leftJoin('incident_teams as it', 'it.incident_id', 'm.incident_id'),
    )
    .where((eb) => eb.and(filterWhere(eb, request.filter, FACT_COLUMNS)));
}

/** The grouping column as selected (see unorderedGroupColumn). */
function groupColumn(
  db: Kysely<Database>,
  group: { column: string } | undefined,
): RawBuilder<unknown> {
  return group ? unorderedGroupColumn(db, group.column) : sql`null`;
}

/**
 * Which period each incident falls in: nested CASEs splitting the period starts in halves, so a
 * row is compared about log2(periods) times (6 for a year of weeks, 12 for ten years of days)
 * instead of once per period passed, which made a year of weeks take seconds at a million rows.
 */
export function periodIndex(
  periods: readonly [number, number][],
  column = 'm.created_at',
): RawBuilder<number> {
  const created = sql.ref(column);
  // The index among periods lo..hi of a row known to fall in one of them.
  const within = (lo: number, hi: number): RawBuilder<number> => {
    if (lo >= hi) return sql<number>`${sql.lit(lo)}`;
    const mid = (lo + hi + 1) >> 1;
    const start = periods[mid]?.[0] ?? 0;
    return sql<number>`(case when ${created} < ${new Date(start)} then ${within(lo, mid - 1)} else ${within(mid, hi)} end)`;
  };
  return within(0, periods.length - 1);
}

// Run where the rows are read: in a read worker on SQLite (see exact-percentiles.ts).
const EXACT_PERCENTILES = new URL(
  import.meta.url.endsWith('.ts') ? './exact-percentiles.ts' : './exact-percentiles.js',
  import.meta.url,
).href;

/** What a catalog's figures depend on beyond the request. */
interface CatalogSettings {
  /** The major priorities' ids (up_time_pct). */
  majorIds: readonly string[];
  conditions: ConditionSettings;
}

/**
 * The incident metrics of PagerDuty's Analytics (each defined in INCIDENT_METRICS, the metric
 * catalog) for the incidents created in the request's range that match its filters, per group
 * and period; up_time_pct only for the groups none, service, team and escalation_policy.
 */
export async function incidentMetrics(
  handle: AnalyticsHandle,
  request: MetricsRequest,
  majors: { priorityIds: readonly string[] },
  conditions: ConditionSettings = DEFAULT_ANALYTICS_CONFIG,
): Promise<IncidentMetricsRow[]> {
  return catalogMetrics(handle, request, INCIDENT_CATALOG, {
    majorIds: majors.priorityIds,
    conditions,
  });
}

/** A catalog's metrics per group and period, for the incidents the request matches. */
async function catalogMetrics(
  handle: AnalyticsHandle,
  request: MetricsRequest,
  compiled: CompiledCatalog,
  settings: CatalogSettings,
): Promise<IncidentMetricsRow[]> {
  const db = handle.read;
  // The worker's copy of the facts answers when it is of the mirror's current version; SQL,
  // the reference it is held to (test/integration/fact-store.test.ts), otherwise.
  const store = await handle.facts?.current(handle, settings.conditions);
  const range = await rangeOf(db, request, store);
  const unit = request.unit;
  // Whole periods in the zone (their starts are the rows' range_start), and the same clipped
  // to the range (what up_time_pct measures).
  const whole: [number, number][] = range
    ? unit
      ? boundedPeriods(range[0], range[1], unit as PeriodUnit, request.zone, 'aggregate_unit')
      : [range]
    : [];
  const periods: [number, number][] = whole.map(([s, e]) => [
    Math.max(s, range?.[0] ?? s),
    Math.min(e, range?.[1] ?? e),
  ]);
  const group = request.groupBy === 'none' ? undefined : GROUP_COLUMNS[request.groupBy];
  const measuresUpTime =
    range !== null &&
    compiled.hasUpTime &&
    request.groupBy !== 'urgency' &&
    request.groupBy !== 'priority';
  const { aggregates, percentiles, uptime } = store
    ? (() => {
        const read = range
          ? storeAggregates(store, request, compiled, settings.conditions, periods)
          : { aggregates: [], percentiles: {} };
        const [start, end] = [periods[0]?.[0] ?? 0, periods.at(-1)?.[1] ?? 0];
        return {
          ...read,
          uptime: measuresUpTime
            ? upTimeOver(
                storeMajorCovers(
                  store,
                  request,
                  settings.majorIds,
                  start,
                  end,
                  request.now.getTime(),
                ),
                periods,
              )
            : undefined,
        };
      })()
    : await sqlReads(handle, request, compiled, settings, range, periods, measuresUpTime);
  const byKey = new Map<string, Aggregate>();
  for (const a of aggregates) byKey.set(a.key, a);
  // Every period is answered, empty ones included: with no grouping one series, else one per
  // group with incidents in the range, so that a chart of any of them has no holes.
  const groups = group ? new Set([...byKey.values()].map((a) => a.group)) : new Set([null]);
  if (range && unit && groups.size * periods.length > MAX_PERIODS)
    throw tooManyPeriods(
      'aggregate_unit',
      unit,
      range[0],
      range[1],
      `${groups.size * periods.length} rows (${periods.length} periods for each of ${groups.size} groups of group_by=${request.groupBy})`,
    );
  for (const g of groups)
    for (let p = 0; p < periods.length; p += 1)
      if (!byKey.has(keyOf(g, p))) byKey.set(keyOf(g, p), emptyAggregate(g, p));
  if (!group && periods.length === 0) byKey.set(keyOf(null, 0), emptyAggregate(null, 0));

  const names = group
    ? await groupNames(
        db,
        request.groupBy,
        [...byKey.values()].map((a) => a.group),
      )
    : new Map<string, string | null>();

  const rows = [...byKey.values()].map((a): IncidentMetricsRow => {
    const row: IncidentMetricsRow = {};
    if (group) {
      row[group.id] = a.group;
      if (group.name) row[group.name] = a.group === null ? null : (names.get(a.group) ?? null);
    }
    const start = whole[a.period]?.[0];
    if (unit)
      row['range_start'] = start === undefined ? null : formatWithOffset(start, request.zone);
    Object.assign(row, metricValues(compiled, a, percentiles, uptime));
    return row;
  });
  const sortName = (r: IncidentMetricsRow) =>
    String((group?.name ? r[group.name] : undefined) ?? (group ? r[group.id] : '') ?? '');
  return rows.sort(
    (x, y) =>
      sortName(x).localeCompare(sortName(y)) ||
      String(group ? (x[group.id] ?? '') : '').localeCompare(
        String(group ? (y[group.id] ?? '') : ''),
      ) ||
      String(x['range_start'] ?? '').localeCompare(String(y['range_start'] ?? '')),
  );
}

/** The SQL reads of catalogMetrics: sums, percentiles and up time, side by side. */
async function sqlReads(
  handle: AnalyticsHandle,
  request: MetricsRequest,
  compiled: CompiledCatalog,
  settings: CatalogSettings,
  range: [number, number] | null,
  periods: [number, number][],
  measuresUpTime: boolean,
): Promise<{ aggregates: Aggregate[]; percentiles: PercentileValues; uptime: UpTime | undefined }> {
  const db = handle.read;
  const percentileFacts = compiled.percentileFacts;
  const group = request.groupBy === 'none' ? undefined : GROUP_COLUMNS[request.groupBy];
  const groupRef = groupColumn(db, group);
  const period = periodIndex(periods);

  // The sums, the percentiles' values and the up-time are three reads of their own: started
  // together, they run side by side (two SQLite read workers, or pooled server connections)
  // instead of one after another.
  const aggregatesRead = range
    ? matching(db, request, compiled.testsRepeats ? settings.conditions : undefined)
        .select([
          groupRef.as('grp'),
          period.as('period'),
          ...compiled.selections(db, settings.conditions),
        ])
        // By the output names: PostgreSQL does not match a parameterised expression of GROUP BY
        // with the same expression in the select list.
        .groupBy([sql`grp`, sql`period`])
        .execute()
        .then((rows) => rows.map((row) => compiled.aggregateOf(row)))
    : Promise.resolve([]);
  const percentilesRead: Promise<PercentileValues> =
    !range || percentileFacts.length === 0
      ? Promise.resolve({})
      : dialectOf(db) === 'postgres'
        ? matching(db, request)
            .select([
              groupRef.as('grp'),
              period.as('period'),
              ...postgresPercentileSelections(percentileFacts),
            ])
            .groupBy([sql`grp`, sql`period`])
            .execute()
            .then((rows) => postgresPercentileValues(percentileFacts, rows))
        : handle
            .readPage<PercentileValues>(
              matching(db, request)
                .where((eb) => eb.or(percentileFacts.map((f) => eb(`m.${f}`, 'is not', null))))
                .select([
                  groupRef.as('grp'),
                  period.as('period'),
                  ...percentileFacts.map((f) => `m.${f}` as const),
                ])
                .compile(),
              [],
              {
                module: EXACT_PERCENTILES,
                fn: 'exactPercentiles',
                args: { percentiles: PERCENTILES },
              },
            )
            .then((page) => page.value);
  const uptimeRead = measuresUpTime
    ? upTime(db, request, settings.majorIds, periods)
    : Promise.resolve(undefined);
  const [aggregates, percentiles, uptime] = await Promise.all([
    aggregatesRead,
    percentilesRead,
    uptimeRead,
  ]);
  return { aggregates, percentiles, uptime };
}

/** The up time per group and period (unrounded), from the major incidents that overlap the range. */
async function upTime(
  db: Kysely<Database>,
  request: MetricsRequest,
  majorIds: readonly string[],
  periods: readonly [number, number][],
): Promise<UpTime> {
  const [start, end] = [periods[0]?.[0] ?? 0, periods.at(-1)?.[1] ?? 0];
  const group = request.groupBy === 'none' ? undefined : GROUP_COLUMNS[request.groupBy];
  const majors =
    majorIds.length === 0
      ? []
      : await matching(db, {
          ...request,
          filter: { ...request.filter, since: undefined, until: undefined },
        })
          .where('m.priority_id', 'in', majorIds)
          .where('m.created_at', '<', new Date(end))
          .where((eb) =>
            eb.or([eb('m.resolved_at', 'is', null), eb('m.resolved_at', '>', new Date(start))]),
          )
          .select([groupColumn(db, group).as('grp'), 'm.created_at', 'm.resolved_at'])
          .execute();
  return upTimeOf(
    majors.map((m) => ({
      grp: m.grp === null || m.grp === undefined ? null : String(m.grp),
      created: new Date(m.created_at).getTime(),
      resolved: m.resolved_at ? new Date(m.resolved_at).getTime() : null,
    })),
    periods,
    request.now.getTime(),
  );
}

/** A major incident as the up time reads it: its group and its times (ms; unresolved null). */
interface MajorIncident {
  grp: string | null;
  created: number;
  resolved: number | null;
}

/** The up time per group and period from the major incidents that overlap the periods. */
function upTimeOf(
  majors: readonly MajorIncident[],
  periods: readonly [number, number][],
  now: number,
): UpTime {
  // Each group's major-incident time as one union, built once: clipping every major incident to
  // every period parsed each incident's times once per period (a year of weeks over 200,000
  // majors took seconds).
  const covers = new Map<string | null, Span[]>();
  for (const [g, list] of groupBy(majors, (m) => m.grp))
    covers.set(g, unionSpans(list.map((m) => ({ start: m.created, end: m.resolved ?? now }))));
  return upTimeOver(covers, periods);
}

/** The up time per group and period from each group's major-incident time (disjoint, in order). */
function upTimeOver(
  covers: ReadonlyMap<string | null, readonly Span[]>,
  periods: readonly [number, number][],
): UpTime {
  return (g, p) => {
    const period = periods[p];
    if (!period) return undefined;
    const [s, e] = period;
    if (e <= s) return undefined;
    const union = covers.get(g) ?? [];
    // The first span ending after the period starts, by bisection; spans are disjoint and sorted.
    let lo = 0;
    let hi = union.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((union[mid]?.end ?? 0) <= s) lo = mid + 1;
      else hi = mid;
    }
    let covered = 0;
    for (let i = lo; i < union.length; i += 1) {
      const span = union[i];
      if (!span || span.start >= e) break;
      covered += Math.min(e, span.end) - Math.max(s, span.start);
    }
    return 100 * (1 - covered / (e - s));
  };
}

/** Names of the groups (service, team, policy, priority names). */
async function groupNames(
  db: Kysely<Database>,
  groupBy: MetricGroup,
  ids: readonly (string | null)[],
): Promise<Map<string, string | null>> {
  const wanted = [...new Set(ids.filter((i): i is string => i !== null))];
  if (wanted.length === 0) return new Map();
  const table =
    groupBy === 'service'
      ? 'services'
      : groupBy === 'team'
        ? 'teams'
        : groupBy === 'escalation_policy'
          ? 'escalation_policies'
          : groupBy === 'priority'
            ? 'priorities'
            : undefined;
  if (!table) return new Map();
  const rows = await db
    .selectFrom(table)
    .select(['id', 'name'])
    .where('id', 'in', wanted)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The ids of the major priorities: MAJOR_PRIORITIES (ids or names), else the two highest. */
export async function majorPriorityIds(
  db: Kysely<Database>,
  configured: readonly string[],
): Promise<string[]> {
  const priorities = await db
    .selectFrom('priorities')
    .select(['id', 'name', 'position'])
    .where('deleted_at', 'is', null)
    .orderBy('position', 'desc')
    .execute();
  if (configured.length === 0) return priorities.slice(0, 2).map((p) => p.id);
  const wanted = new Set(configured.map((c) => c.toLowerCase()));
  return priorities
    .filter((p) => wanted.has(p.id.toLowerCase()) || wanted.has(p.name.toLowerCase()))
    .map((p) => p.id);
}

/** The incident metrics of a checked request, as the endpoint and the report take it. */
export async function incidentMetricsFor(
  handle: AnalyticsHandle,
  request: AnalyticsRequest,
  now: Date,
  config: AnalyticsConfig,
): Promise<IncidentMetricsRow[]> {
  return incidentMetrics(
    handle,
    { ...request, now },
    { priorityIds: await majorPriorityIds(handle.read, config.majorPriorities) },
    config,
  );
}

/**
 * Alert noise and incident quality (NOISE_METRICS) of a checked request, per group and period,
 * read as the incident metrics are: the same filter, groups, periods and row shapes.
 */
export async function noiseMetricsFor(
  handle: AnalyticsHandle,
  request: AnalyticsRequest,
  now: Date,
  config: AnalyticsConfig,
): Promise<IncidentMetricsRow[]> {
  return catalogMetrics(handle, { ...request, now }, NOISE_CATALOG, {
    majorIds: [],
    conditions: config,
  });
}
