// A metric catalog (INCIDENT_METRICS, NOISE_METRICS) as one DuckDB query over the facts that
// duckdb-facts-copy.ts copies: the second opinion the DuckDB anchor checks the project's answers
// against. Each aggregation kind and condition is written here in DuckDB's own terms (avg,
// quantile_cont, FILTER, a window for repeats, gaps and islands for the up time), not by reusing
// the project's SQL, so that a wrong definition shows up as a disagreement.
import type {
  IncidentCondition,
  IncidentMetricDefinition,
  IncidentFact,
} from '../src/analytics/metric-catalog.js';

/** The groupings the anchor answers, each by the column that holds it (named as the answer's field). */
export const ANCHOR_GROUPS = {
  none: undefined,
  service: 'service_id',
  escalation_policy: 'escalation_policy_id',
  urgency: 'urgency',
  priority: 'priority_id',
  team: 'team_id',
} as const;
export type AnchorGroup = keyof typeof ANCHOR_GROUPS;

/** DuckDB's period per aggregate_unit, in UTC (date_trunc's week starts on Monday, as ours). */
const UNIT_INTERVALS = { day: '1 day', week: '7 day', month: '1 month' } as const;
export type AnchorUnit = keyof typeof UNIT_INTERVALS;

/** One question of the endpoints the anchor answers. */
export interface AnchorQuestion {
  catalog: readonly IncidentMetricDefinition[];
  groupBy: AnchorGroup;
  unit: AnchorUnit | undefined;
  /** Epoch ms: the request's since and until, on created_at. */
  since: number | undefined;
  until: number | undefined;
}

/** What the answers depend on beyond the request. */
export interface AnchorSettings {
  /** "Now" in epoch ms: the end of the range without until, and of open incidents. */
  now: number;
  transientMinutes: number;
  repeatWindowHours: number;
  /** The major priorities' ids (up_time_pct). */
  majorPriorityIds: readonly string[];
}

/** Groupings whose rows have an up time (the others answer null). */
const UP_TIME_GROUPS: readonly AnchorGroup[] = ['none', 'service', 'team', 'escalation_policy'];

const text = (s: string) => `'${s.replaceAll("'", "''")}'`;
const factRef = (fact: IncidentFact) => `f.${fact}`;

function conditionSql(condition: IncidentCondition, settings: AnchorSettings): string {
  const unacknowledgedResolved =
    '(f.seconds_to_resolve is not null and f.seconds_to_first_ack is null)';
  switch (condition) {
    case 'unacknowledged_resolved':
    case 'noise':
      return unacknowledgedResolved;
    case 'transient':
      return `(${unacknowledgedResolved} and f.seconds_to_resolve <= ${settings.transientMinutes * 60})`;
    case 'repeat':
      return 'f.is_repeat';
  }
}

/** A metric's value over the incidents of a row (f, left-joined to the grid: f.* null when none). */
function metricSql(metric: IncidentMetricDefinition, settings: AnchorSettings): string | 'up_time' {
  const a = metric.aggregate;
  const incidents = 'count(f.incident_id)';
  switch (a.kind) {
    case 'count':
      return a.where ? `count(${factRef(a.where)})` : incidents;
    case 'sum':
      return `coalesce(sum(${factRef(a.fact)}), 0)`;
    case 'mean':
      return `avg(${factRef(a.fact)})`;
    case 'ratio':
      return `sum(${factRef(a.numerator)}) / nullif(sum(${factRef(a.denominator)}), 0)`;
    case 'count_if':
      return `${incidents} filter (where ${conditionSql(a.condition, settings)})`;
    case 'share':
      return `(${incidents} filter (where ${conditionSql(a.condition, settings)}))::double / nullif(${incidents}, 0)`;
    case 'percentile':
      return `quantile_cont(${factRef(a.fact)}, ${a.percentile / 100})`;
    case 'up_time':
      return 'up_time';
    case 'unavailable':
      return 'null';
  }
}

/**
 * The question in DuckDB SQL: one row per group and period, with `grp`, `period` (the period's
 * start in epoch ms, 0 without aggregate_unit) and every metric of the catalog by its name.
 */
export function duckdbMetricsSql(question: AnchorQuestion, settings: AnchorSettings): string {
  const { catalog, groupBy, unit, since, until } = question;
  const groupColumn = ANCHOR_GROUPS[groupBy];
  const groupExpr = groupColumn
    ? `${groupColumn === 'team_id' ? 'it' : 'm'}.${groupColumn}`
    : 'null::varchar';
  const teamJoin = groupBy === 'team' ? 'left join incident_teams it using (incident_id)' : '';
  const periodExpr = unit ? `epoch_ms(date_trunc('${unit}', m.created_at))` : '0::bigint';
  const hasRepeat = catalog.some(
    ({ aggregate: a }) => (a.kind === 'count_if' || a.kind === 'share') && a.condition === 'repeat',
  );
  const upTime =
    catalog.some((m) => m.aggregate.kind === 'up_time') && UP_TIME_GROUPS.includes(groupBy);
  const where = [
    since === undefined ? 'true' : `m.created_at >= epoch_ms(${since})`,
    until === undefined ? 'true' : `m.created_at < epoch_ms(${until})`,
  ].join(' and ');

  // A repeat: the incident just before it (by created_at, then id) of its service and key was
  // created within the window; it is read over every incident, whatever the filter.
  const repeatFlag = hasRepeat
    ? `coalesce(service_id is not null and repeat_key is not null and lag(created_at) over (partition by service_id, repeat_key order by created_at, incident_id) >= created_at - to_seconds(${Math.trunc(settings.repeatWindowHours * 3600)}), false)`
    : 'false';
  const periods = unit
    ? `select epoch_ms(ws) as period, greatest(epoch_ms(ws), epoch_ms(lo)) as ps,
         least(epoch_ms(ws + interval ${UNIT_INTERVALS[unit]}), epoch_ms(hi)) as pe
       from (select unnest(generate_series(date_trunc('${unit}', lo), hi, interval ${UNIT_INTERVALS[unit]})) as ws, lo, hi from bounds)
       where ws < hi`
    : 'select 0::bigint as period, epoch_ms(lo) as ps, epoch_ms(hi) as pe from bounds';
  const metrics = catalog.map((metric) => ({ metric, sql: metricSql(metric, settings) }));
  const ctes = [
    `m as (select *, ${repeatFlag} as is_repeat from incident_metrics)`,
    `f as (select m.*, ${groupExpr} as grp, ${periodExpr} as period from m ${teamJoin} where ${where})`,
    `bounds as (select ${since === undefined ? '(select min(created_at) from f)' : `epoch_ms(${since})`} as lo, epoch_ms(${until ?? settings.now}) as hi)`,
    `periods as (${periods})`,
    // Every period of every group with incidents in the range (one series without grouping).
    `grid as (select g.grp, p.period, p.ps, p.pe from (${groupColumn ? 'select distinct grp from f' : 'select null::varchar as grp'}) g cross join periods p)`,
    `agg as (select g.grp, g.period, ${metrics
      .filter((m) => m.sql !== 'up_time')
      .map((m) => `(${m.sql})::double as "${m.metric.name}"`)
      .join(', ')}
      from grid g left join f on f.grp is not distinct from g.grp and f.period = g.period
      group by g.grp, g.period)`,
  ];
  if (upTime) {
    const majors = settings.majorPriorityIds.map(text).join(', ') || 'null';
    ctes.push(
      // The major incidents overlapping the range, whatever their creation, each until now if open.
      `spans as (select ${groupExpr} as grp, epoch_ms(m.created_at) as s, coalesce(epoch_ms(m.resolved_at), ${settings.now}) as e
        from m ${teamJoin} cross join bounds
        where m.priority_id in (${majors}) and m.created_at < bounds.hi and (m.resolved_at is null or m.resolved_at > bounds.lo))`,
      // Gaps and islands: a span starts an island when it starts after every earlier one ended.
      `marked as (select grp, s, e, coalesce(s > max(e) over (partition by grp order by s, e rows between unbounded preceding and 1 preceding), true) as starts
        from spans where e > s)`,
      `islands as (select grp, min(s) as s, max(e) as e from (
        select grp, s, e, sum(starts::int) over (partition by grp order by s, e rows between unbounded preceding and current row) as island from marked
      ) group by grp, island)`,
      // The filter: DuckDB's least and greatest skip nulls, so without it a group with no major
      // incident (no island joined) came out covered all along.
      `up as (select g.grp, g.period,
          case when g.pe > g.ps then 100 * (1 - coalesce(sum(least(g.pe, i.e) - greatest(g.ps, i.s)) filter (where i.s is not null), 0)::double / (g.pe - g.ps)) end as up_time
        from grid g left join islands i on i.grp is not distinct from g.grp and i.s < g.pe and i.e > g.ps
        group by g.grp, g.period, g.ps, g.pe)`,
    );
  }
  const columns = metrics.map(({ metric, sql }) =>
    sql !== 'up_time'
      ? `agg."${metric.name}"`
      : upTime
        ? `up.up_time as "${metric.name}"`
        : `null::double as "${metric.name}"`,
  );
  return `with ${ctes.join(',\n')}
    select agg.grp, agg.period::double as period, ${columns.join(', ')}
    from agg ${upTime ? 'left join up on up.grp is not distinct from agg.grp and up.period = agg.period' : ''}`;
}
