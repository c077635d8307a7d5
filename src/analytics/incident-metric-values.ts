import { sql, type AliasedRawBuilder, type Kysely } from 'kysely';
import type { PercentileValues } from './exact-percentiles.js';
import { conditionFlag, type ConditionSettings } from './incident-conditions.js';
import {
  PERCENTILES,
  roundMetric,
  type IncidentCondition,
  type IncidentFact,
  type IncidentMetricDefinition,
} from './metric-catalog.js';

// A catalog of incident metrics (INCIDENT_METRICS, NOISE_METRICS) in SQL and back: the one
// select list of sums and counts they are all computed from (over incident_metrics as m), the
// facts whose percentiles are read beside it, and each metric's value for a group and period
// from what was read.

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

/** A sum or a count the select list reads, once however many metrics use it. */
export type AggregateColumn =
  | { alias: string; fn: 'sum'; fact: IncidentFact }
  | { alias: string; fn: 'count'; fact: IncidentFact | undefined }
  | { alias: string; fn: 'count_if'; condition: IncidentCondition };

const countAlias = (fact: IncidentFact | undefined) => (fact ? `count_${fact}` : 'n');
const sumAlias = (fact: IncidentFact) => `sum_${fact}`;
const conditionAlias = (condition: IncidentCondition) => `if_${condition}`;
const sumOf = (fact: IncidentFact): AggregateColumn => ({ alias: sumAlias(fact), fn: 'sum', fact });
const countOf = (fact: IncidentFact | undefined): AggregateColumn => ({
  alias: countAlias(fact),
  fn: 'count',
  fact,
});
const countIf = (condition: IncidentCondition): AggregateColumn => ({
  alias: conditionAlias(condition),
  fn: 'count_if',
  condition,
});

function columnsOf({ aggregate: a }: IncidentMetricDefinition): AggregateColumn[] {
  switch (a.kind) {
    case 'count':
      return [countOf(a.where)];
    case 'sum':
      return [sumOf(a.fact)];
    case 'mean':
      return [sumOf(a.fact), countOf(a.fact)];
    case 'ratio':
      return [sumOf(a.numerator), sumOf(a.denominator)];
    case 'count_if':
      return [countIf(a.condition)];
    case 'share':
      return [countIf(a.condition), countOf(undefined)];
    default:
      return [];
  }
}

/** A catalog's metrics in SQL and back: what to select, and each metric's value from it. */
export interface CompiledCatalog {
  catalog: readonly IncidentMetricDefinition[];
  /** The facts whose percentiles are reported, in the order the percentile reads answer them. */
  percentileFacts: readonly IncidentFact[];
  /** Whether a metric is the up time (read apart). */
  hasUpTime: boolean;
  /** Whether a column counts repeats: its rows must be repeatFacts' (incident-conditions.ts). */
  testsRepeats: boolean;
  /** The sums and counts each group and period needs, once each, by alias. */
  columns: readonly AggregateColumn[];
  /** The select list of the sums and counts, beside the group and the period. */
  selections<DB>(db: Kysely<DB>, settings: ConditionSettings): AliasedRawBuilder<number, string>[];
  /** A group and period's aggregate from its row as read (grp, period and the select list). */
  aggregateOf(row: Readonly<Record<string, unknown>>): Aggregate;
}

/** A catalog (INCIDENT_METRICS, NOISE_METRICS), compiled once. */
export function compileCatalog(catalog: readonly IncidentMetricDefinition[]): CompiledCatalog {
  const columns = [...new Map(catalog.flatMap(columnsOf).map((c) => [c.alias, c])).values()];
  return {
    catalog,
    percentileFacts: [
      ...new Set(catalog.flatMap(({ aggregate: a }) => (a.kind === 'percentile' ? [a.fact] : []))),
    ],
    hasUpTime: catalog.some((m) => m.aggregate.kind === 'up_time'),
    testsRepeats: columns.some((c) => c.fn === 'count_if' && c.condition === 'repeat'),
    columns,
    selections: (db, settings) =>
      columns.map((c) =>
        (c.fn === 'sum'
          ? sql<number>`sum(${sql.ref(`m.${c.fact}`)})`
          : c.fn === 'count_if'
            ? sql<number>`sum(${conditionFlag(db, c.condition, settings)})`
            : c.fact
              ? sql<number>`count(${sql.ref(`m.${c.fact}`)})`
              : sql<number>`count(*)`
        ).as(c.alias),
      ),
    aggregateOf(row) {
      const group = groupOf(row['grp']);
      const period = Number(row['period']);
      const values: Record<string, number> = {};
      for (const c of columns) values[c.alias] = num(row[c.alias]);
      return { key: keyOf(group, period), group, period, columns: values };
    },
  };
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
export function postgresPercentileSelections(
  facts: readonly IncidentFact[],
): AliasedRawBuilder<number[] | null, string>[] {
  const fractions = sql.raw(`array[${PERCENTILES.map((p) => p / 100).join(', ')}]::float8[]`);
  return facts.map((f) =>
    sql<
      number[] | null
    >`percentile_cont(${fractions}) within group (order by ${sql.ref(`m.${f}`)})`.as(f),
  );
}

/** The percentiles per group and period from the rows of postgresPercentileSelections. */
export function postgresPercentileValues(
  facts: readonly IncidentFact[],
  rows: readonly Readonly<Record<string, unknown>>[],
): PercentileValues {
  const out: PercentileValues = {};
  for (const r of rows)
    out[keyOf(groupOf(r['grp']), Number(r['period']))] = facts.map((f) =>
      ((r[f] as number[] | null | undefined) ?? []).map(Number),
    );
  return out;
}

/** The up time of a group and period, unrounded; undefined where it is not measured. */
export type UpTime = (group: string | null, period: number) => number | undefined;

/** A group and period's metrics, in catalog order, each as its entry defines it. */
export function metricValues(
  compiled: CompiledCatalog,
  a: Aggregate,
  percentiles: PercentileValues,
  uptime: UpTime | undefined,
): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  for (const metric of compiled.catalog)
    values[metric.name] = metricValue(compiled, metric, a, percentiles, uptime);
  return values;
}

function metricValue(
  compiled: CompiledCatalog,
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
    case 'ratio': {
      const d = column(sumAlias(m.denominator));
      return d > 0 ? rounded(column(sumAlias(m.numerator)) / d) : null;
    }
    case 'count_if':
      return column(conditionAlias(m.condition));
    case 'share': {
      const n = column(countAlias(undefined));
      return n > 0 ? rounded(column(conditionAlias(m.condition)) / n) : null;
    }
    case 'percentile':
      return rounded(
        percentiles[a.key]?.[compiled.percentileFacts.indexOf(m.fact)]?.[
          PERCENTILES.indexOf(m.percentile)
        ],
      );
    case 'up_time':
      return rounded(uptime?.(a.group, a.period));
    case 'unavailable':
      return null;
  }
}
