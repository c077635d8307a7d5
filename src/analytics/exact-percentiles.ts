// Import-free: SQLite read workers load this module by URL to run it where the rows are read
// (see read-pool.ts); elsewhere it runs in the server's process.

export interface ExactPercentilesArgs {
  /** In percent, e.g. [50, 75, 90, 95]. */
  percentiles: readonly number[];
}

/** Per group and period: for each fact, its percentiles in order (none when it has no values). */
export type PercentileValues = Record<string, number[][]>;

/**
 * Exact percentiles from rows [group, period, ...facts] (any fact may be null): linear
 * interpolation between the closest ranks, as PostgreSQL's percentile_cont. Sorting typed arrays
 * here replaced a window function per metric (row_number() over a partition), which made SQLite
 * sort a million rows with its own comparisons twice per request. Keys are
 * `${group ?? '\u0000'}|${period}`.
 */
export function exactPercentiles(
  rows: Iterable<readonly unknown[]>,
  args: ExactPercentilesArgs,
): PercentileValues {
  // Per key, per fact, its values.
  const values = new Map<string, GrowingValues[]>();
  for (const row of rows) {
    const group = row[0];
    const key = `${group === null || group === undefined ? '\u0000' : String(group)}|${Number(row[1])}`;
    let lists = values.get(key);
    if (!lists) {
      lists = Array.from({ length: row.length - 2 }, () => new GrowingValues());
      values.set(key, lists);
    }
    for (let i = 2; i < row.length; i += 1) {
      const value = row[i];
      if (value !== null && value !== undefined) lists[i - 2]?.push(Number(value));
    }
  }
  const out: PercentileValues = {};
  for (const [key, lists] of values)
    out[key] = lists.map((list) =>
      list.length === 0 ? [] : percentilesOfSorted(list.sorted(), args.percentiles),
    );
  return out;
}

/**
 * Values gathered in a typed array that doubles as it fills, sorted in place at the end. A
 * million values pushed onto plain arrays left copies of their backing stores in V8's old
 * generation: the heap grew by 170 MB for one request at a million incidents.
 */
class GrowingValues {
  #values = new Float64Array(16);
  length = 0;
  push(value: number): void {
    if (this.length === this.#values.length) {
      const next = new Float64Array(this.length * 2);
      next.set(this.#values);
      this.#values = next;
    }
    this.#values[this.length] = value;
    this.length += 1;
  }
  sorted(): Float64Array {
    return this.#values.subarray(0, this.length).sort();
  }
}

/** The percentiles (in percent) of values sorted ascending, as exactPercentiles defines them. */
export function percentilesOfSorted(
  sorted: ArrayLike<number>,
  percentiles: readonly number[],
): number[] {
  const n = sorted.length;
  return percentiles.map((p) => {
    // Integer arithmetic: floor((n-1)p/100) and its fraction, exactly.
    const scaled = (n - 1) * p;
    const lo = Math.floor(scaled / 100);
    const frac = (scaled % 100) / 100;
    const a = sorted[lo] ?? 0;
    const b = sorted[lo + 1] ?? a;
    return a + frac * (b - a);
  });
}
