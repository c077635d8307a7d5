// What every DuckDB anchor prints: how many of an endpoint's values agree, the first
// disagreements, and a row of the timings' table.

export interface Latency {
  p50: number;
  p95: number;
}

/** An anchor's comparison of the project's answer with DuckDB's. */
export interface Agreement {
  rows: number;
  values: number;
  agreed: number;
  disagreements: string[];
}

const SHOWN_DISAGREEMENTS = 5;

export const ms = (value: number) => value.toFixed(1);

/** Prints agreed/total for `url` (`what` says which of its answer), then the first disagreements. */
export function printAgreement(url: string, result: Agreement, what = ''): void {
  console.log(
    `${url}${what}: ${result.rows.toLocaleString('en-US')} rows; ${result.agreed.toLocaleString('en-US')} of ${result.values.toLocaleString('en-US')} values agree with DuckDB`,
  );
  for (const line of result.disagreements.slice(0, SHOWN_DISAGREEMENTS))
    console.log(`  disagrees: ${line}`);
  if (result.disagreements.length > SHOWN_DISAGREEMENTS)
    console.log(`  … and ${result.disagreements.length - SHOWN_DISAGREEMENTS} more`);
}

/** A row of the timings' table, when the bench timed the project's endpoint. */
export const timingLine = (url: string, ours: Latency | undefined, theirs: Latency) =>
  ours
    ? `${url} | ${ms(ours.p50)} | ${ms(ours.p95)} | ${ms(theirs.p50)} | ${ms(theirs.p95)} | ${(ours.p50 / theirs.p50).toFixed(1)}x`
    : undefined;

/** The median of a list of milliseconds, printed. */
export const median = (list: number[]) => ms(list.sort((a, b) => a - b)[list.length >> 1] ?? NaN);
