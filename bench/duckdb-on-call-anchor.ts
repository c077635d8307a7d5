// The DuckDB anchors of the on-call analytics (issue 27): the responders (duckdb-responders.ts),
// a team's on-call load (duckdb-team-load.ts), on-call pay (duckdb-on-call-pay.ts) and
// compliance (duckdb-on-call-compliance.ts), from incident_responders, oncalls and users copied
// into DuckDB once, with the teams and the interruptions when those are asked. Each answer is checked against the project's, value for
// value, and both are timed.
import type { DuckDBConnection } from '@duckdb/node-api';
import { historyStart } from '../src/mirror/history.js';
import { paySplitter } from '../src/mirror/on-call-pay-days.js';
import { HourClassSplitter } from '../src/time/hour-class-split.js';
import type { AnchorOptions } from './duckdb-anchor.js';
import { median, ms, printAgreement, timingLine, type Agreement } from './duckdb-anchor-lines.js';
import { compareCompliance, duckdbCompliance } from './duckdb-on-call-compliance.js';
import { comparePay, copyInterruptionsToDuckDB, duckdbPay } from './duckdb-on-call-pay.js';
import {
  compareResponders,
  copyRespondersToDuckDB,
  duckdbResponders,
  type Range,
} from './duckdb-responders.js';
import {
  compareTeamLoad,
  copyTeamsToDuckDB,
  duckdbTeamLoad,
  type TeamLoadQuestion,
} from './duckdb-team-load.js';

/** An endpoint the bench timed, and the question the anchor reads in its URL. */
export interface Anchored<Q> {
  url: string;
  question: Q;
}

/** The on-call endpoints to anchor, by kind. */
export interface OnCallQuestions {
  responders: readonly Anchored<Range>[];
  teamLoads: readonly Anchored<TeamLoadQuestion>[];
  pay: readonly Anchored<Range>[];
  compliance: readonly Anchored<Range>[];
}

type Row = Record<string, unknown>;

/** The project's whole answer of a paged list: every page of up to 1,000 rows, as one. */
async function wholeList(base: string, url: string): Promise<Row & { data: Row[] }> {
  const data: Row[] = [];
  for (;;) {
    const paged = new URL(url, 'http://anchor.invalid');
    paged.searchParams.set('limit', '1000');
    paged.searchParams.set('offset', String(data.length));
    const page = `${paged.pathname}${paged.search}`;
    const res = await fetch(`${base}/api/v1${page}`);
    if (res.status !== 200) throw new Error(`${page}: ${res.status}`);
    const answer = (await res.json()) as Row & { data: Row[]; total: number };
    data.push(...answer.data);
    if (data.length >= answer.total || answer.data.length === 0) return { ...answer, data };
  }
}

/**
 * Copies the on-call tables into DuckDB, then for each anchored endpoint: DuckDB's answer against
 * the project's, and both latencies (as rows of `options.timings`).
 */
export async function anchorOnCall(
  duck: DuckDBConnection,
  questions: OnCallQuestions,
  options: AnchorOptions & { timings: string[] },
  version: string,
): Promise<void> {
  const { handle, now, config } = options;
  const started = performance.now();
  const copy = await copyRespondersToDuckDB(handle, duck);
  const copied = [
    `${copy.parts.toLocaleString('en-US')} incident_responders`,
    `${copy.spans.toLocaleString('en-US')} oncalls`,
  ];
  if (questions.teamLoads.length > 0) {
    const teams = await copyTeamsToDuckDB(handle, duck);
    copied.push(`${teams.members.toLocaleString('en-US')} team_members (teams and policies too)`);
  }
  if (questions.pay.length + questions.compliance.length > 0) {
    const interruptions = await copyInterruptionsToDuckDB(handle, duck);
    copied.push(`${interruptions.toLocaleString('en-US')} interruptions`);
  }
  console.log(
    `\nDuckDB anchor of the on-call analytics: DuckDB ${version}; copied ${copied.join(', ')} rows and the users in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const context = { known: await historyStart(handle.read), now, config };
  if (questions.responders.length > 0) await anchorResponders(duck, questions, options, context);
  for (const { url, question } of questions.teamLoads) {
    const res = await fetch(`${options.base}/api/v1${url}`);
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    const ours = (await res.json()) as Row;
    printAgreement(url, compareTeamLoad(ours, await duckdbTeamLoad(duck, question, context)));
    const theirs = await options.timed(() => duckdbTeamLoad(duck, question, context));
    const line = timingLine(url, options.project.get(url), theirs);
    if (line) options.timings.push(line);
  }
  const paySplit = { ...context, splitter: paySplitter(config.hours) };
  await anchorList(
    questions.pay,
    (q) => duckdbPay(duck, q, paySplit),
    (ours, theirs, q) => comparePay(ours, theirs, q, config.pay),
    options,
  );
  const hourSplit = { now, config, splitter: new HourClassSplitter(config.hours) };
  await anchorList(
    questions.compliance,
    (q) => duckdbCompliance(duck, q, hourSplit),
    (ours, theirs, q) => compareCompliance(ours, theirs, q, config),
    options,
  );
}

type Context = { known: Date | undefined; now: number; config: AnchorOptions['config'] };

/**
 * The responders: DuckDB answers the incident side (GROUP BY) and the on-call unions (a running
 * maximum for their lengths, gaps and islands for the spans to split); the split of each union
 * into hour classes in the user's zone is the project's HourClassSplitter (shared code, no ICU
 * here), timed within DuckDB's answer and printed apart.
 */
async function anchorResponders(
  duck: DuckDBConnection,
  questions: OnCallQuestions,
  options: AnchorOptions & { timings: string[] },
  context: Context,
): Promise<void> {
  // Kept warm across runs, as the project's pinned worker keeps its own.
  const withSplitter = { ...context, splitter: new HourClassSplitter(context.config.hours) };
  for (const { url, question } of questions.responders) {
    const ours = await wholeList(options.base, url);
    const theirs = await duckdbResponders(duck, question, withSplitter);
    printAgreement(url, compareResponders(ours.data, theirs.rows));
    const parts = { incident: [] as number[], onCall: [] as number[], js: [] as number[] };
    const latency = await options.timed(async () => {
      const run = await duckdbResponders(duck, question, withSplitter);
      parts.incident.push(run.incidentMs);
      parts.onCall.push(run.onCallMs);
      parts.js.push(run.jsMs);
    });
    console.log(
      `  duckdb p50 ${ms(latency.p50)} ms; medians of its parts: incident side ${median(parts.incident)} ms, on-call unions ${median(parts.onCall)} ms, the shared split and the rows in JS ${median(parts.js)} ms`,
    );
    const line = timingLine(url, options.project.get(url), latency);
    if (line) options.timings.push(line);
  }
}

/**
 * Pay and compliance, paged lists whose DuckDB answers use the project's zone code (see their
 * files): DuckDB's answer against the project's whole list, both timed, DuckDB's parts apart.
 */
async function anchorList<Q, T extends { sqlMs: number; jsMs: number }>(
  questions: readonly Anchored<Q>[],
  answer: (question: Q) => Promise<T>,
  compare: (ours: Row & { data: Row[] }, theirs: T, question: Q) => Agreement,
  options: AnchorOptions & { timings: string[] },
): Promise<void> {
  for (const { url, question } of questions) {
    const ours = await wholeList(options.base, url);
    printAgreement(url, compare(ours, await answer(question), question));
    const parts = { sql: [] as number[], js: [] as number[] };
    const latency = await options.timed(async () => {
      const run = await answer(question);
      parts.sql.push(run.sqlMs);
      parts.js.push(run.jsMs);
    });
    console.log(
      `  duckdb p50 ${ms(latency.p50)} ms; medians of its parts: DuckDB's queries ${median(parts.sql)} ms, the shared zone code and the rows in JS ${median(parts.js)} ms`,
    );
    const line = timingLine(url, options.project.get(url), latency);
    if (line) options.timings.push(line);
  }
}
