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

type Row = Readonly<Record<string, unknown>>;

/**
 * An agreement to fill: `check` counts one value, agreed when both sides give the same (DuckDB's
 * BIGINTs arrive as bigint); `checkRows` checks `fields` of the rows both sides hold under each
 * key, `position` (a row's place in its list) among them when asked, and a row on one side only
 * disagrees on every field.
 */
export function tally(rows: number) {
  const result: Agreement = { rows, values: 0, agreed: 0, disagreements: [] };
  const disagree = (key: string, project: string, duck: string) => {
    result.values += 1;
    result.disagreements.push(`${key}: project ${project}, duckdb ${duck}`);
  };
  const check = (key: string, project: unknown, duck: unknown) => {
    const same =
      project === duck ||
      (typeof duck === 'bigint' && typeof project === 'number' && BigInt(project) === duck);
    if (!same) return disagree(key, String(project), String(duck));
    result.values += 1;
    result.agreed += 1;
  };
  const checkRows = (
    project: readonly Row[],
    duck: readonly Row[],
    key: (row: Row) => string,
    fields: readonly string[],
  ) => {
    const keyed = (list: readonly Row[]) =>
      new Map(list.map((r, i): [string, Row] => [key(r), { ...r, position: i }]));
    const ours = keyed(project);
    const theirs = keyed(duck);
    for (const k of new Set([...ours.keys(), ...theirs.keys()])) {
      const a = ours.get(k);
      const b = theirs.get(k);
      for (const field of fields)
        if (a && b) check(`${k} ${field}`, a[field], b[field]);
        else
          disagree(
            `${k} ${field}`,
            a ? String(a[field]) : '(no row)',
            b ? String(b[field]) : '(no row)',
          );
    }
  };
  return { result, check, checkRows };
}

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
