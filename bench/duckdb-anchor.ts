// The DuckDB anchor (issue 27): the same facts in an in-memory DuckDB, the same questions in
// DuckDB's SQL (duckdb-metrics-sql.ts, duckdb-repeats.ts; the on-call analytics in
// duckdb-on-call-anchor.ts), the project's answers checked value for value against
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
import { printAgreement, timingLine, type Agreement, type Latency } from './duckdb-anchor-lines.js';
import { complianceQuestion } from './duckdb-on-call-compliance.js';
import { payQuestion } from './duckdb-on-call-pay.js';
import { anchorOnCall, type Anchored } from './duckdb-on-call-anchor.js';
import { compareRepeats, duckdbRepeatsSql, repeatsQuestion } from './duckdb-repeats.js';
import { respondersQuestion } from './duckdb-responders.js';
import { teamLoadQuestion } from './duckdb-team-load.js';
import {
  ANCHOR_GROUPS,
  duckdbMetricsSql,
  type AnchorGroup,
  type AnchorQuestion,
  type AnchorSettings,
  type AnchorUnit,
} from './duckdb-metrics-sql.js';

export type { Latency };

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
  const out: Agreement = { rows: projectRows.size, values: 0, agreed: 0, disagreements: [] };
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

async function duckdbRows(duck: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await duck.runAndReadAll(sql)).getRowObjectsJS();
}

/**
 * Copies the facts into DuckDB, then for each anchored endpoint the bench timed: DuckDB's answer
 * against the project's (how many values agree, the first disagreements) and both latencies.
 */
export async function duckdbAnchor(options: AnchorOptions): Promise<void> {
  const { handle, base, now, config, project, timed } = options;
  const anchored = <Q>(parse: (url: string) => Q | undefined): Anchored<Q>[] =>
    [...project.keys()].flatMap((url) => {
      const question = parse(url);
      return question ? [{ url, question }] : [];
    });
  const questions = anchored((url) => anchorQuestion(url, config.timeZone));
  const repeats = anchored(repeatsQuestion);
  const onCall = {
    responders: anchored(respondersQuestion),
    teamLoads: anchored(teamLoadQuestion),
    pay: anchored(payQuestion),
    compliance: anchored(complianceQuestion),
  };
  const onCallCount = Object.values(onCall).reduce((n, list) => n + list.length, 0);
  if (questions.length === 0 && repeats.length === 0 && onCallCount === 0) return;

  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  try {
    const about = await duckdbRows(
      duck,
      "select version() as version, current_setting('threads') as threads",
    );
    const timings: string[] = [];
    if (onCallCount > 0)
      await anchorOnCall(duck, onCall, { ...options, timings }, String(about[0]?.['version']));
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
      printAgreement(url, compare(question, answer.data, await duckdbRows(duck, sql)));
      const line = timingLine(url, project.get(url), await timed(() => duckdbRows(duck, sql)));
      if (line) timings.push(line);
    }
    for (const { url, question } of repeats) {
      const sql = duckdbRepeatsSql(question, config.repeatWindowHours);
      printAgreement(url, await compareRepeats(base, url, duck, sql), ' (every page)');
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
