import { sql, type AliasedRawBuilder } from 'kysely';
import type { PercentileValues } from './exact-percentiles.js';
import {
  INCIDENT_METRICS,
  PERCENTILES,
  roundMetric,
  type IncidentFact,
  type IncidentMetricDefinition,
} from './metric-catalog.js';

// The catalog's incident metrics in SQL and back: the one select list of sums and counts they
// are all computed from (over incident_metrics as m), the facts whose percentiles are read
// beside it, and each metric's value for a group and period from what was read.

/** One group and period's sums and counts, by their aliases in the select list. */
export interface Aggregate {
  key: string;
  group: string | null;
  period: number;
  columns: Record<string, number>;
}

/** The key of a group and period, as exact-percentiles.ts makes it too. */
export const keyOf = (group: string | null, period: number) => `${group ?? '\u0000'}|${period}`;
const groupOf = (value: unknown) => (value === null || value === undefined ? null : String(value));
// pg answers sums and counts as strings, and a sum over no row is null.
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** The catalog's entries, each seen as any incident metric. */
const CATALOG: readonly IncidentMetricDefinition[] = INCIDENT_METRICS;

/** A sum or a count the select list reads, once however many metrics use it. */
type AggregateColumn =
  | { alias: string; fn: 'sum'; fact: IncidentFact }
  | { alias: string; fn: 'count'; fact: IncidentFact | undefined };

const countAlias = (fact: IncidentFact | undefined) => (fact ? `count_${fact}` : 'n');
const sumAlias = (fact: IncidentFact) => `sum_${fact}`;
const sumOf = (fact: IncidentFact): AggregateColumn => ({ alias: sumAlias(fact), fn: 'sum', fact });
const countOf = (fact: IncidentFact | undefined): AggregateColumn => ({
  alias: countAlias(fact),
  fn: 'count',
  fact,
});

/** The sums and counts the catalog's metrics are computed from. */
const AGGREGATE_COLUMNS: readonly AggregateColumn[] = [
  ...new Map(
    CATALOG.flatMap(({ aggregate: a }): AggregateColumn[] =>
      a.kind === 'count'
        ? [countOf(a.where)]
        : a.kind === 'sum'
          ? [sumOf(a.fact)]
          : a.kind === 'mean'
            ? [sumOf(a.fact), countOf(a.fact)]
            : [],
    ).map((c) => [c.alias, c]),
  ).values(),
];

/** The facts whose percentiles are reported, in the order the percentile reads answer them. */
export const PERCENTILE_FACTS: readonly IncidentFact[] = [
  ...new Set(CATALOG.flatMap(({ aggregate: a }) => (a.kind === 'percentile' ? [a.fact] : []))),
];

/** The select list of the sums and counts, beside the group and the period. */
export function aggregateSelections(): AliasedRawBuilder<number, string>[] {
  return AGGREGATE_COLUMNS.map((c) =>
    (c.fn === 'sum'
      ? sql<number>`sum(${sql.ref(`m.${c.fact}`)})`
      : c.fact
        ? sql<number>`count(${sql.ref(`m.${c.fact}`)})`
        : sql<number>`count(*)`
    ).as(c.alias),
  );
}

/** A group and period's aggregate from its row as read (grp, period and the select list). */
export function aggregateOf(row: Readonly<Record<string, unknown>>): Aggregate {
  const group = groupOf(row['grp']);
  const period = Number(row['period']);
  const columns: Record<string, number> = {};
  for (const c of AGGREGATE_COLUMNS) columns[c.alias] = num(row[c.alias]);
  return { key: keyOf(group, period), group, period, columns };
}

/** The aggregate of a group and period without incidents. */
export function emptyAggregate(group: string | null, period: number): Aggregate {
  return { key: keyOf(group, period), group, period, columns: {} };
}

/**
 * PostgreSQL's own percentile_cont of each percentile fact (the definition exact-percentiles.ts
 * follows), to select per group and period: the values are sorted where they are stored, and
 * one row per group and period comes back instead of every incident's values.
 */
export function postgresPercentileSelections(): AliasedRawBuilder<number[] | null, string>[] {
  const fractions = sql.raw(`array[${PERCENTILES.map((p) => p / 100).join(', ')}]::float8[]`);
  return PERCENTILE_FACTS.map((f) =>
    sql<
      number[] | null
    >`percentile_cont(${fractions}) within group (order by ${sql.ref(`m.${f}`)})`.as(f),
  );
}

/** The percentiles per group and period from the rows of postgresPercentileSelections. */
export function postgresPercentileValues(
  rows: readonly Readonly<Record<string, unknown>>[],
): PercentileValues {
  const out: PercentileValues = {};
  for (const r of rows)
    out[keyOf(groupOf(r['grp']), Number(r['period']))] = PERCENTILE_FACTS.map((f) =>
      ((r[f] as number[] | null | undefined) ?? []).map(Number),
    );
  return out;
}

/** The up time of a group and period, unrounded; undefined where it is not measured. */
export type UpTime = (group: string | null, period: number) => number | undefined;

/** A group and period's metrics, in catalog order, each as its entry defines it. */
export function metricValues(
  a: Aggregate,
  percentiles: PercentileValues,
  uptime: UpTime | undefined,
): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  for (const metric of CATALOG) values[metric.name] = metricValue(metric, a, percentiles, uptime);
  return values;
}

function metricValue(
  metric: IncidentMetricDefinition,
  a: Aggregate,
  percentiles: PercentileValues,
  uptime: UpTime | undefined,
): number | null {
  const column = (alias: string) => a.columns[alias] ?? 0;
  const rounded = (v: number | undefined) => (v === undefined ? null : roundMetric(metric, v));
  const m = metric.aggregate;
  switch (m.kind) {
    case 'count':
      return column(countAlias(m.where));
    case 'sum':
      return column(sumAlias(m.fact));
    case 'mean': {
      const n = column(countAlias(m.fact));
      return n > 0 ? rounded(column(sumAlias(m.fact)) / n) : null;
    }
    case 'percentile':
      return rounded(
        percentiles[a.key]?.[PERCENTILE_FACTS.indexOf(m.fact)]?.[PERCENTILES.indexOf(m.percentile)],
      );
    case 'up_time':
      return rounded(uptime?.(a.group, a.period));
  }
}
