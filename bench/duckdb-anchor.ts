// The DuckDB anchor (issue 27): the same facts in an in-memory DuckDB, the same questions in
// DuckDB's SQL (duckdb-metrics-sql.ts), the project's answers checked value for value against
// DuckDB's, and both timed, so that the bench says how far the project is from a columnar
// engine on the same data, and that it is right.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { majorPriorityIds } from '../src/analytics/incident-metrics.js';
import {
  INCIDENT_METRICS,
  NOISE_METRICS,
  roundMetric,
  type IncidentMetricDefinition,
} from '../src/analytics/metric-catalog.js';
import type { AnalyticsConfig } from '../src/config.js';
import type { Db } from '../src/db/connection.js';
import { copyFactsToDuckDB } from './duckdb-facts-copy.js';
import { compareRepeats, duckdbRepeatsSql, repeatsQuestion } from './duckdb-repeats.js';
import {
  compareResponders,
  copyRespondersToDuckDB,
  duckdbResponders,
  respondersQuestion,
} from './duckdb-responders.js';
import { historyStart } from '../src/mirror/history.js';
import { HourClassSplitter } from '../src/time/hour-class-split.js';
import {
  ANCHOR_GROUPS,
  duckdbMetricsSql,
  type AnchorGroup,
  type AnchorQuestion,
  type AnchorSettings,
  type AnchorUnit,
} from './duckdb-metrics-sql.js';

export interface Latency {
  p50: number;
  p95: number;
}

export interface AnchorOptions {
  handle: Db;
  /** Where the project's API answers (its answers are read from there). */
  base: string;
  /** "Now" of the app's clock, in epoch ms. */
  now: number;
  config: AnalyticsConfig;
  /** The project's latency of each endpoint the bench timed, by URL: those anchored are among them. */
  project: ReadonlyMap<string, Latency>;
  /** Times a run as the bench times an endpoint (the same runs and warm-ups). */
  timed: (run: () => Promise<unknown>) => Promise<Latency>;
}

const CATALOGS: Record<string, readonly IncidentMetricDefinition[]> = {
  '/analytics/incidents': INCIDENT_METRICS,
  '/analytics/noise': NOISE_METRICS,
};
const UNITS: readonly string[] = ['day', 'week', 'month'] satisfies AnchorUnit[];
const ANSWERED_PARAMETERS = new Set(['group_by', 'aggregate_unit', 'since', 'until']);
const SHOWN_DISAGREEMENTS = 5;

/**
 * The question an endpoint's URL asks, or undefined when the anchor does not answer it: another
 * path, another parameter, or periods in a zone other than UTC (DuckDB's date_trunc works on
 * UTC timestamps here; its ICU extension is not at hand).
 */
export function anchorQuestion(url: string, defaultZone: string): AnchorQuestion | undefined {
  const parsed = new URL(url, 'http://anchor.invalid');
  const catalog = CATALOGS[parsed.pathname];
  const params = parsed.searchParams;
  if (!catalog || [...params.keys()].some((k) => !ANSWERED_PARAMETERS.has(k))) return undefined;
  const groupBy = params.get('group_by') ?? 'none';
  const unit = params.get('aggregate_unit') ?? undefined;
  if (!(groupBy in ANCHOR_GROUPS) || (unit !== undefined && !UNITS.includes(unit)))
    return undefined;
  if (unit && defaultZone !== 'UTC') return undefined;
  const instant = (name: string) => {
    const value = params.get(name);
    return value === null ? undefined : Date.parse(value);
  };
  return {
    catalog,
    groupBy: groupBy as AnchorGroup,
    unit: unit as AnchorUnit | undefined,
    since: instant('since'),
    until: instant('until'),
  };
}

type Row = Readonly<Record<string, unknown>>;

interface Comparison {
  rows: number;
  values: number;
  agreed: number;
  disagreements: string[];
}

/** The project's rows against DuckDB's, by group and period, each metric rounded as the catalog says. */
function compare(question: AnchorQuestion, project: readonly Row[], duck: readonly Row[]) {
  const groupField = ANCHOR_GROUPS[question.groupBy];
  const keyOf = (group: unknown, period: number) =>
    `${groupField ?? 'all'}=${group === null || group === undefined ? 'null' : String(group)}${question.unit ? ` range_start=${new Date(period).toISOString()}` : ''}`;
  const projectRows = new Map(
    project.map((r) => [
      keyOf(
        groupField ? r[groupField] : null,
        question.unit ? Date.parse(String(r['range_start'])) : 0,
      ),
      r,
    ]),
  );
  const duckRows = new Map(duck.map((r) => [keyOf(r['grp'], Number(r['period'])), r]));
  const out: Comparison = { rows: projectRows.size, values: 0, agreed: 0, disagreements: [] };
  for (const key of new Set([...projectRows.keys(), ...duckRows.keys()])) {
    const ours = projectRows.get(key);
    const theirs = duckRows.get(key);
    for (const metric of question.catalog) {
      out.values += 1;
      const raw = theirs?.[metric.name];
      const expected = raw === null || raw === undefined ? null : roundMetric(metric, Number(raw));
      const actual = ours?.[metric.name];
      if (ours && theirs && actual === expected) out.agreed += 1;
      else
        out.disagreements.push(
          `${key} ${metric.name}: project ${ours ? String(actual) : '(no row)'}, duckdb ${theirs ? String(expected) : '(no row)'}`,
        );
    }
  }
  return out;
}

const ms = (value: number) => value.toFixed(1);

/** A row of the timings' table, when the bench timed the project's endpoint. */
const timingLine = (url: string, ours: Latency | undefined, theirs: Latency) =>
  ours
    ? `${url} | ${ms(ours.p50)} | ${ms(ours.p95)} | ${ms(theirs.p50)} | ${ms(theirs.p95)} | ${(ours.p50 / theirs.p50).toFixed(1)}x`
    : undefined;

async function duckdbRows(duck: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await duck.runAndReadAll(sql)).getRowObjectsJS();
}

/**
 * Copies the facts into DuckDB, then for each anchored endpoint the bench timed: DuckDB's answer
 * against the project's (how many values agree, the first disagreements) and both latencies.
 */
export async function duckdbAnchor(options: AnchorOptions): Promise<void> {
  const { handle, base, now, config, project, timed } = options;
  const questions = [...project.keys()].flatMap((url) => {
    const question = anchorQuestion(url, config.timeZone);
    return question ? [{ url, question }] : [];
  });
  const repeats = [...project.keys()].flatMap((url) => {
    const question = repeatsQuestion(url);
    return question ? [{ url, question }] : [];
  });
  const responders = [...project.keys()].flatMap((url) => {
    const question = respondersQuestion(url);
    return question ? [{ url, question }] : [];
  });
  if (questions.length === 0 && repeats.length === 0 && responders.length === 0) return;

  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  try {
    const about = await duckdbRows(
      duck,
      "select version() as version, current_setting('threads') as threads",
    );
    const timings: string[] = [];
    if (responders.length > 0)
      await anchorResponders(
        duck,
        responders,
        { ...options, timings },
        String(about[0]?.['version']),
      );
    if (questions.length === 0 && repeats.length === 0) return printTimings(timings);
    const copy = await copyFactsToDuckDB(handle, duck);
    console.log(
      `\nDuckDB anchor: DuckDB ${String(about[0]?.['version'])} in memory, ${String(about[0]?.['threads'])} threads; copied ${copy.incidents.toLocaleString('en-US')} incident_metrics and ${copy.incidentTeams.toLocaleString('en-US')} incident_teams rows in ${(copy.ms / 1000).toFixed(1)} s (${(copy.readMs / 1000).toFixed(1)} s of it reading keyset pages from ${handle.dialect}, the rest DuckDB's appender)`,
    );
    const settings: AnchorSettings = {
      now,
      transientMinutes: config.transientMinutes,
      repeatWindowHours: config.repeatWindowHours,
      majorPriorityIds: await majorPriorityIds(handle.read, config.majorPriorities),
    };
    console.log(
      `up_time_pct over the major priorities ${settings.majorPriorityIds.join(', ') || '(none)'} (MAJOR_PRIORITIES, else the two highest, as the project picks them); values compared after the catalog's roundMetric`,
    );
    for (const { url, question } of questions) {
      const sql = duckdbMetricsSql(question, settings);
      const res = await fetch(`${base}/api/v1${url}`);
      if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      const answer = (await res.json()) as { data: Row[] };
      const result = compare(question, answer.data, await duckdbRows(duck, sql));
      console.log(
        `${url}: ${result.rows.toLocaleString('en-US')} rows; ${result.agreed.toLocaleString('en-US')} of ${result.values.toLocaleString('en-US')} values agree with DuckDB`,
      );
      for (const line of result.disagreements.slice(0, SHOWN_DISAGREEMENTS))
        console.log(`  disagrees: ${line}`);
      if (result.disagreements.length > SHOWN_DISAGREEMENTS)
        console.log(`  … and ${result.disagreements.length - SHOWN_DISAGREEMENTS} more`);
      const line = timingLine(url, project.get(url), await timed(() => duckdbRows(duck, sql)));
      if (line) timings.push(line);
    }
    for (const { url, question } of repeats) {
      const sql = duckdbRepeatsSql(question, config.repeatWindowHours);
      const result = await compareRepeats(base, url, duck, sql);
      console.log(
        `${url} (every page): ${result.rows.toLocaleString('en-US')} rows; ${result.agreed.toLocaleString('en-US')} of ${result.values.toLocaleString('en-US')} values agree with DuckDB`,
      );
      for (const line of result.disagreements.slice(0, SHOWN_DISAGREEMENTS))
        console.log(`  disagrees: ${line}`);
      const line = timingLine(url, project.get(url), await timed(() => duckdbRows(duck, sql)));
      if (line) timings.push(line);
    }
    printTimings(timings);
  } finally {
    duck.closeSync();
    instance.closeSync();
  }
}

function printTimings(timings: readonly string[]): void {
  console.log(
    'project: the API over HTTP loopback, JSON included; duckdb: the query and its rows as JS objects, in process',
  );
  console.log(
    'endpoint | project p50 ms | project p95 ms | duckdb p50 ms | duckdb p95 ms | ratio p50',
  );
  for (const line of timings) console.log(line);
}

/**
 * The responders' anchor (duckdb-responders.ts): their facts copied in, DuckDB's answer against
 * the project's whole answer (every row, one page of up to 1,000), both timed.
 */
async function anchorResponders(
  duck: DuckDBConnection,
  questions: readonly { url: string; question: { since: number; until: number } }[],
  options: AnchorOptions & { timings: string[] },
  version: string,
): Promise<void> {
  const { handle, base, now, config, project, timed, timings } = options;
  const copy = await copyRespondersToDuckDB(handle, duck);
  console.log(
    `\nDuckDB anchor of the responders: DuckDB ${version}; copied ${copy.parts.toLocaleString('en-US')} incident_responders and ${copy.spans.toLocaleString('en-US')} oncalls rows in ${(copy.ms / 1000).toFixed(1)} s. DuckDB answers the incident side (GROUP BY) and the on-call unions (a running maximum for their lengths, gaps and islands for the spans to split); the split of each union into hour classes in the user's zone is the project's HourClassSplitter (shared code, no ICU here), timed within DuckDB's answer and printed apart`,
  );
  // Kept warm across runs, as the project's pinned worker keeps its own.
  const splitter = new HourClassSplitter(config.hours);
  const context = { known: await historyStart(handle.read), now, config, splitter };
  for (const { url, question } of questions) {
    const whole = url.replace(/limit=\d+/, 'limit=1000');
    const res = await fetch(`${base}/api/v1${whole}`);
    if (res.status !== 200) throw new Error(`${whole}: ${res.status}`);
    const answer = (await res.json()) as { data: Row[]; total: number };
    if (answer.total > answer.data.length)
      throw new Error(`${whole}: ${answer.total} rows, more than one page`);
    const theirs = await duckdbResponders(duck, question, context);
    const result = compareResponders(answer.data, theirs.rows);
    console.log(
      `${url}: ${result.rows.toLocaleString('en-US')} rows; ${result.agreed.toLocaleString('en-US')} of ${result.values.toLocaleString('en-US')} values agree with DuckDB`,
    );
    for (const line of result.disagreements.slice(0, SHOWN_DISAGREEMENTS))
      console.log(`  disagrees: ${line}`);
    if (result.disagreements.length > SHOWN_DISAGREEMENTS)
      console.log(`  … and ${result.disagreements.length - SHOWN_DISAGREEMENTS} more`);
    const parts = { incident: [] as number[], onCall: [] as number[], js: [] as number[] };
    const latency = await timed(async () => {
      const run = await duckdbResponders(duck, question, context);
      parts.incident.push(run.incidentMs);
      parts.onCall.push(run.onCallMs);
      parts.js.push(run.jsMs);
    });
    const median = (list: number[]) => ms(list.sort((a, b) => a - b)[list.length >> 1] ?? NaN);
    console.log(
      `  duckdb p50 ${ms(latency.p50)} ms; medians of its parts: incident side ${median(parts.incident)} ms, on-call unions ${median(parts.onCall)} ms, the shared split and the rows in JS ${median(parts.js)} ms`,
    );
    const ours = project.get(url);
    if (ours)
      timings.push(
        `${url} | ${ms(ours.p50)} | ${ms(ours.p95)} | ${ms(latency.p50)} | ${ms(latency.p95)} | ${(ours.p50 / latency.p50).toFixed(1)}x`,
      );
  }
}
