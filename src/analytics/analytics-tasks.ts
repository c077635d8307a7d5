import type { AnalyticsConfig } from '../config.js';
import type { Db } from '../db/connection.js';
import type { AnalyticsRequest } from './analytics-request.js';
import type { IncidentFilter } from './incident-filter.js';
import type { AnalyticsFilter } from './incident-filter.js';
import { factsOf, respondersOf } from './analytics-state.js';
import { incidentMetricsFor, noiseMetricsFor } from './incident-metrics.js';
import { noiseRepeats } from './noise-repeats.js';
import { onCallCompliance, onCallPay, type PayFilter } from './on-call-pay.js';
import { interruptionsHeatmap, teamOnCallLoad, type OnCallBasis } from './on-call-load.js';
import {
  responderMetrics,
  sortResponders,
  type ResponderFilter,
  type ResponderSort,
} from './responder-metrics.js';
import { incidentsOverTime, type Interval } from './timeseries-analytics.js';

// The analytics answers that read many rows or compute over them, as tasks: Db.task runs them
// in a read worker over the worker's own connection, on every database, so that the server's
// event loop only validates the request and sends the answer. Arguments and answers cross
// between threads by structured clone: plain data, Dates, Sets and Maps.

/** A worker's connection, and its state: the copies (analytics-state.ts) on the pinned worker. */
type Handle = Pick<Db, 'read' | 'readPage'> & { state?: unknown };

/** The handle of the metrics: with the worker's copy of the facts when it keeps one. */
const withFacts = (handle: Handle) => ({
  ...handle,
  facts: factsOf(handle.state),
});

/** The responders' copy, when current, and the warm splitter of the worker that keeps them. */
async function keptResponders(handle: Handle, config: AnalyticsConfig) {
  const responders = respondersOf(handle.state);
  if (!responders) return {};
  return { store: await responders.current(handle), splitter: responders.splitter(config.hours) };
}

/** Incident metrics (GET /analytics/incidents and its report). */
export async function incidentMetricsTask(
  handle: Handle,
  args: {
    request: AnalyticsRequest;
    now: Date;
    config: AnalyticsConfig;
  },
) {
  return incidentMetricsFor(withFacts(handle), args.request, args.now, args.config);
}

/** Alert noise and incident quality (GET /analytics/noise and its report). */
export async function noiseMetricsTask(
  handle: Handle,
  args: { request: AnalyticsRequest; now: Date; config: AnalyticsConfig },
) {
  return noiseMetricsFor(withFacts(handle), args.request, args.now, args.config);
}

/** The repeating alerts, most repeated first; a page of them when `page` is given, with the total. */
export async function noiseRepeatsTask(
  handle: Handle,
  args: {
    filter: AnalyticsFilter;
    page?: { limit: number; offset: number };
    config: AnalyticsConfig;
  },
) {
  const rows = await noiseRepeats(withFacts(handle), args.filter, args.config);
  const page = args.page;
  return {
    total: rows.length,
    rows: page ? rows.slice(page.offset, page.offset + page.limit) : rows,
  };
}

/** Responder metrics, sorted; a page of them when `page` is given, with the total. */
export async function responderMetricsTask(
  handle: Handle,
  args: {
    filter: ResponderFilter;
    sort: ResponderSort;
    page?: { limit: number; offset: number };
    now: Date;
    config: AnalyticsConfig;
  },
) {
  const answer = await responderMetrics(
    handle.read,
    args.filter,
    args.now,
    args.config,
    await keptResponders(handle, args.config),
  );
  const rows = sortResponders(answer.rows, args.sort);
  return {
    since: answer.since,
    until: answer.until,
    total: rows.length,
    rows: pageOf(rows, args.page),
  };
}

/** A team's on-call load. */
export async function teamOnCallLoadTask(
  handle: Handle,
  args: {
    teamId: string;
    filter: Parameters<typeof teamOnCallLoad>[2];
    now: Date;
    config: AnalyticsConfig;
    basis: OnCallBasis;
  },
) {
  return teamOnCallLoad(
    handle.read,
    args.teamId,
    args.filter,
    args.now,
    args.config,
    args.basis,
    await keptResponders(handle, args.config),
  );
}

/** Interruptions by weekday and hour. */
export async function interruptionsHeatmapTask(
  handle: Handle,
  args: { filter: ResponderFilter; zone: string; now: Date },
) {
  return interruptionsHeatmap(handle.read, args.filter, args.zone, args.now);
}

/** On-call pay per person; a page of it when `page` is given, with the total. */
export async function onCallPayTask(
  handle: Handle,
  args: {
    filter: PayFilter;
    page?: { limit: number; offset: number };
    now: Date;
    config: AnalyticsConfig;
  },
) {
  const answer = await onCallPay(handle.read, args.filter, args.now, args.config);
  return { ...answer, total: answer.rows.length, rows: pageOf(answer.rows, args.page) };
}

/** Breaches of the on-call limits; a page of them when `page` is given, with the total. */
export async function onCallComplianceTask(
  handle: Handle,
  args: {
    filter: PayFilter;
    page?: { limit: number; offset: number };
    now: Date;
    config: AnalyticsConfig;
  },
) {
  const answer = await onCallCompliance(handle.read, args.filter, args.now, args.config);
  return { ...answer, total: answer.rows.length, rows: pageOf(answer.rows, args.page) };
}

function pageOf<T>(rows: T[], page: { limit: number; offset: number } | undefined): T[] {
  return page ? rows.slice(page.offset, page.offset + page.limit) : rows;
}

/**
 * Reads the worker's copies (the incident facts', then the responders') when they are not
 * current, and waits for them: run once the server listens, so that a big mirror's copies are
 * read before the first requests rather than beside them, and one after the other, so that the
 * two reads' transient pages are never held at once.
 */
export async function readCopiesTask(handle: Handle, args: { config: AnalyticsConfig }) {
  await factsOf(handle.state)?.current(handle, args.config);
  await respondersOf(handle.state)?.current(handle);
}

/** Incidents per period, by status. */
export async function incidentsOverTimeTask(
  handle: Handle,
  args: { filter: IncidentFilter; interval: Interval; zone: string; now: Date },
) {
  return incidentsOverTime(handle.read, args.filter, args.interval, args.zone, args.now);
}

const TASKS = {
  incidentMetricsTask,
  noiseMetricsTask,
  noiseRepeatsTask,
  responderMetricsTask,
  teamOnCallLoadTask,
  interruptionsHeatmapTask,
  incidentsOverTimeTask,
  onCallPayTask,
  onCallComplianceTask,
  readCopiesTask,
};
type Tasks = typeof TASKS;

/** The tasks that read the copies: they run on the worker that keeps them. */
const PINNED: ReadonlySet<keyof Tasks> = new Set([
  'incidentMetricsTask',
  'noiseMetricsTask',
  'noiseRepeatsTask',
  'responderMetricsTask',
  'teamOnCallLoadTask',
  'readCopiesTask',
]);

/**
 * A task's answer as the JSON text of a response body: `envelope` with the value (or its field
 * `pick`) under `key`. Written in the worker: 5000 periods of 30 metrics are 4 MB of JSON, and
 * turning them into text, or copying them across as objects, held the event loop for 100-300 ms.
 */
export async function jsonAnswerTask(
  handle: Handle,
  args: {
    fn: keyof Tasks;
    args: unknown;
    pick?: string;
    key: string;
    envelope: Record<string, unknown>;
  },
): Promise<string> {
  const task = TASKS[args.fn] as (h: Handle, a: unknown) => Promise<unknown>;
  const value = await task(handle, args.args);
  const picked = args.pick ? (value as Record<string, unknown>)[args.pick] : value;
  return JSON.stringify({ ...args.envelope, [args.key]: picked });
}

/** This module, as the workers import it: TypeScript from src/ (through tsx), JavaScript from dist/. */
export const ANALYTICS_TASKS_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './analytics-tasks.ts' : './analytics-tasks.js',
  import.meta.url,
).href;

/** Runs a task where the rows are, and answers the JSON text of a body (see jsonAnswerTask). */
export function runAnalyticsJson<K extends keyof Tasks>(
  db: Pick<Db, 'task'>,
  fn: K,
  args: Parameters<Tasks[K]>[1],
  body: { key: string; pick?: string; envelope: Record<string, unknown> },
): Promise<string> {
  return db.task({
    module: ANALYTICS_TASKS_MODULE,
    fn: 'jsonAnswerTask',
    args: { fn, args, ...body },
    pinned: PINNED.has(fn),
  });
}

/** Runs an analytics task where the rows are (a read worker; in process on in-memory SQLite). */
export function runAnalytics<K extends keyof Tasks>(
  db: Pick<Db, 'task'>,
  fn: K,
  args: Parameters<Tasks[K]>[1],
): Promise<Awaited<ReturnType<Tasks[K]>>> {
  return db.task({ module: ANALYTICS_TASKS_MODULE, fn, args, pinned: PINNED.has(fn) });
}
