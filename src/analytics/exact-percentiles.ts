// Import-free: SQLite read workers load this module by URL to run it where the rows are read
// (see read-pool.ts); elsewhere it runs in the server's process.

export interface ExactPercentilesArgs {
  /** In percent, e.g. [50, 75, 90, 95]. */
  percentiles: readonly number[];
}

/** Per group and period: the percentiles of seconds to first ack and to resolve, in order. */
export type PercentileValues = Record<string, { ack: number[]; resolve: number[] }>;

/**
 * Exact percentiles from rows [group, period, seconds_to_first_ack, seconds_to_resolve] (either
 * value may be null): linear interpolation between the closest ranks, as PostgreSQL's
 * percentile_cont. Sorting typed arrays here replaced a window function per metric
 * (row_number() over a partition), which made SQLite sort a million rows with its own
 * comparisons twice per request. Keys are `${group ?? '\u0000'}|${period}`.
 */
export function exactPercentiles(
  rows: Iterable<readonly unknown[]>,
  args: ExactPercentilesArgs,
): PercentileValues {
  const acks = new Map<string, number[]>();
  const resolves = new Map<string, number[]>();
  const push = (into: Map<string, number[]>, key: string, value: unknown) => {
    if (value === null || value === undefined) return;
    const list = into.get(key);
    if (list) list.push(Number(value));
    else into.set(key, [Number(value)]);
  };
  for (const row of rows) {
    const group = row[0];
    const key = `${group === null || group === undefined ? '\u0000' : String(group)}|${Number(row[1])}`;
    push(acks, key, row[2]);
    push(resolves, key, row[3]);
  }
  const pick = (list: number[] | undefined): number[] => {
    if (!list || list.length === 0) return [];
    const sorted = Float64Array.from(list).sort();
    const n = sorted.length;
    return args.percentiles.map((p) => {
      // Integer arithmetic: floor((n-1)p/100) and its fraction, exactly.
      const scaled = (n - 1) * p;
      const lo = Math.floor(scaled / 100);
      const frac = (scaled % 100) / 100;
      const a = sorted[lo] ?? 0;
      const b = sorted[lo + 1] ?? a;
      return a + frac * (b - a);
    });
  };
  const out: PercentileValues = {};
  for (const key of new Set([...acks.keys(), ...resolves.keys()]))
    out[key] = { ack: pick(acks.get(key)), resolve: pick(resolves.get(key)) };
  return out;
}
