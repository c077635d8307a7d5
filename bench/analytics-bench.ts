// The analytics API on the bench account (1,000,000 incidents, 2,000 services, 500 users; see
// bench-account.ts) on every database that answers: p50 and p95 of every aggregate endpoint and
// of the response-time and responder analytics, throughput with 8 concurrent clients uncached and
// revalidated (If-None-Match, 304), and the CSV of every incident from a server process of its
// own (rows/s, that process's peak RSS); then the DuckDB anchor (duckdb-anchor.ts) of the
// incident metrics, noise, repeats, responders, team on-call load, on-call pay and compliance
// endpoints timed: its answers checked against ours, and its latency.
import { analyticsState } from '../src/analytics/analytics-state.js';
import { buildApp } from '../src/api/app.js';
import { parseConfig } from '../src/config.js';
import { createDb } from '../src/db/connection.js';
import type { DatabaseTarget, Dialect } from '../src/db/database-url.js';
import { createLogger } from '../src/logger.js';
import { BENCH_INCIDENTS, BENCH_NOW, benchDialects, openBenchDatabase } from './bench-account.js';
import { duckdbAnchor, type Latency } from './duckdb-anchor.js';
import { describeMachine } from './machine.js';
import { startServerProcess } from './server-process.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const WARM_UPS = 2;
const YEAR_AGO = new Date(BENCH_NOW - 365 * 24 * 3600 * 1000).toISOString();
const NOW = new Date(BENCH_NOW).toISOString();

/** Every aggregate endpoint the dashboard and reports read. */
const AGGREGATES = [
  '/services/count',
  '/services?limit=100',
  '/services/most-incidents',
  '/services/chart',
  '/incidents/by-status',
  '/incidents/by-service',
  '/incidents/by-service-status?limit=100',
  '/incidents/over-time',
  '/teams?limit=100',
  '/teams/count',
  '/escalation-policies?limit=100',
  '/users/inactive',
  '/incidents/by-status?since=2026-06-01&status=resolved&urgency=high',
];
/** The analytics the incident-metrics and responders issues name, with their aim (ms, p95). */
const ANALYTICS = [
  '/analytics/incidents?group_by=service',
  `/analytics/incidents?aggregate_unit=week&since=${YEAR_AGO}`,
  `/analytics/responders?since=${YEAR_AGO}&until=${NOW}&limit=100`,
  // A year of the first team by the simulator's naming, PT00000: with 12 of the 500 users, one
  // of the two largest teams of the bench account.
  `/analytics/teams/PT00000/on-call-load?since=${YEAR_AGO}&until=${NOW}`,
  // A month's pay and its breaches (issue 24: under 1 s at a million incidents and 500 users).
  '/analytics/on-call-pay?since=2026-10-01&until=2026-11-01&limit=1000',
  '/analytics/on-call-compliance?since=2026-10-01&until=2026-11-01&limit=1000',
  // Issue 25: in the class of /analytics/incidents; the noisiest service's repeats under 1 s.
  '/analytics/noise?group_by=service',
  '/analytics/noise/repeats?service_id=PV00002&limit=100',
];

/** Pay rules and limits as a payroll team sets them, so that every class has a rate. */
const PAY_ENV = {
  ONCALL_PAY_RULES: JSON.stringify({
    currency: 'EUR',
    hourly: { business: 0, off: 2, sleep: 4, weekend: 5, holiday: 8 },
    per_interruption: { business: 0, off: 10, sleep: 20, weekend: 15, holiday: 30 },
  }),
  ONCALL_LIMITS: JSON.stringify({
    max_hours_per_7_days: 60,
    max_consecutive_days: 7,
    max_sleep_interruptions_per_7_days: 3,
  }),
  HOLIDAYS: '2026-10-03,2026-10-12',
};

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** p50 and p95 of RUNS runs after WARM_UPS. */
async function timed(run: () => Promise<unknown>): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + WARM_UPS; i += 1) {
    const t = performance.now();
    await run();
    if (i >= WARM_UPS) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function latency(base: string, url: string): Promise<Latency> {
  return timed(async () => {
    const res = await fetch(`${base}/api/v1${url}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  });
}

/** Requests per second from 8 clients over 5 s; with `revalidate`, each sends the ETag. */
async function throughput(base: string, url: string, revalidate: boolean): Promise<number> {
  const first = await fetch(`${base}/api/v1${url}`);
  await first.arrayBuffer();
  const etag = first.headers.get('etag') ?? '';
  const headers: Record<string, string> = revalidate ? { 'if-none-match': etag } : {};
  const expected = revalidate ? 304 : 200;
  let done = 0;
  const until = performance.now() + 5000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < until) {
        const res = await fetch(`${base}/api/v1${url}`, { headers });
        await res.arrayBuffer();
        if (res.status !== expected) throw new Error(`${url}: ${res.status}`);
        done += 1;
      }
    }),
  );
  return done / 5;
}

interface CacheStatus {
  state: string;
  incidents: number;
  bytes: number;
  load_ms: number;
  responders?: { state: string; parts: number; spans: number; bytes: number; load_ms: number };
}

/**
 * Waits until the server's copy of the facts is read (a `serve` process reads it at start-up;
 * in process, the first metrics request starts it and waits for it), so that what is timed is
 * what a running server answers.
 */
async function cacheReady(base: string): Promise<CacheStatus> {
  await (await fetch(`${base}/api/v1/analytics/incidents`)).arrayBuffer();
  for (;;) {
    const health = (await (await fetch(`${base}/api/v1/health`)).json()) as {
      analytics_cache: CacheStatus | null;
    };
    const cache = health.analytics_cache;
    if (!cache || ['ready', 'disabled', 'over_cap'].includes(cache.state))
      return cache ?? { state: 'none', incidents: 0, bytes: 0, load_ms: 0 };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until the server's copy of the responders' facts is read (a `serve` process reads it at
 * start-up after the facts'; in process, the first responders request starts it), so that the
 * responders are timed as a running server answers them.
 */
async function respondersReady(base: string): Promise<CacheStatus['responders']> {
  await (await fetch(`${base}/api/v1/analytics/responders?limit=1`)).arrayBuffer();
  for (;;) {
    const health = (await (await fetch(`${base}/api/v1/health`)).json()) as {
      analytics_cache: CacheStatus | null;
    };
    const copy = health.analytics_cache?.responders;
    if (!health.analytics_cache || (copy && ['ready', 'disabled', 'over_cap'].includes(copy.state)))
      return copy;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The analytics from a `serve` process of their own: its peak RSS while it answers them. */
async function analyticsMemory(target: DatabaseTarget): Promise<void> {
  const server = await startServerProcess(target, PAY_ENV);
  try {
    const idle = server.peakRssMb();
    await cacheReady(server.base);
    const loaded = server.peakRssMb();
    await respondersReady(server.base);
    const responders = server.peakRssMb();
    for (const url of ANALYTICS)
      for (let i = 0; i < 3; i += 1)
        await (await fetch(`${server.base}/api/v1${url}`)).arrayBuffer();
    console.log(
      `server process RSS: ${idle} MB at start, peak ${loaded} MB after reading the facts' copy, ${responders} MB after the responders' copy, peak ${server.peakRssMb()} MB after the analytics endpoints (3 requests each)`,
    );
  } finally {
    server.stop();
  }
}

async function benchDialect(dialect: Dialect): Promise<void> {
  // BENCH_ANALYTICS_ONLY=1: only the incident and responder analytics (a shorter run).
  const only = process.env['BENCH_ANALYTICS_ONLY'] === '1';
  // BENCH_THROUGHPUT_ONLY=1: only the 8-client throughput of the lists (issue 27), from a
  // filled database as it is (no directory sync: other benches may be reading the same file).
  const throughputOnly = !only && process.env['BENCH_THROUGHPUT_ONLY'] === '1';
  const { target } = await openBenchDatabase(dialect, console.log, { readOnly: throughputOnly });
  console.log(`\n## ${dialect}`);
  const config = parseConfig(PAY_ENV);
  const handle = createDb(target, { taskState: analyticsState(config.analyticsCacheMb) });
  const analytics = config.analytics;
  const app = await buildApp({
    config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
    db: handle,
    logger: createLogger('silent'),
    clock: () => new Date(BENCH_NOW),
    analytics,
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const cache = await cacheReady(base);
    console.log(
      `analytics' copy of the facts: ${cache.incidents.toLocaleString('en-US')} incidents, ${(cache.bytes / 2 ** 20).toFixed(0)} MiB, read in ${(cache.load_ms / 1000).toFixed(1)} s`,
    );
    console.log('endpoint | p50 ms | p95 ms');
    let worst = 0;
    for (const url of only || throughputOnly ? [] : AGGREGATES) {
      const { p50, p95 } = await latency(base, url);
      worst = Math.max(worst, p95);
      console.log(`${url} | ${p50.toFixed(1)} | ${p95.toFixed(1)}`);
    }
    if (!only && !throughputOnly) console.log(`worst aggregate p95: ${worst.toFixed(1)} ms`);
    // BENCH_ENDPOINTS=on-call: only the analytics whose path contains it.
    const match = process.env['BENCH_ENDPOINTS'] ?? '';
    const timings = new Map<string, Latency>();
    const timedAnalytics = throughputOnly ? [] : ANALYTICS.filter((u) => u.includes(match));
    // The responders and a team's load read the responders' copy.
    if (
      timedAnalytics.some(
        (u) => u.startsWith('/analytics/responders') || u.includes('/on-call-load'),
      )
    ) {
      const copy = await respondersReady(base);
      if (copy)
        console.log(
          `the responders' copy: ${copy.state}, ${copy.parts.toLocaleString('en-US')} incident_responders rows and ${copy.spans.toLocaleString('en-US')} on-call spans, ${(copy.bytes / 2 ** 20).toFixed(1)} MiB, read in ${(copy.load_ms / 1000).toFixed(1)} s`,
        );
    }
    for (const url of timedAnalytics) {
      const { p50, p95 } = await latency(base, url);
      timings.set(url, { p50, p95 });
      console.log(`${url} | ${p50.toFixed(1)} | ${p95.toFixed(1)}`);
    }
    await duckdbAnchor({
      handle,
      base,
      now: BENCH_NOW,
      config: analytics,
      project: timings,
      timed,
    });
    for (const url of only ? [] : ['/services?limit=100', '/teams?limit=100']) {
      // The floor of issue 27: the cheapest request that still reads the database, timed just
      // before and just after the list in the same run (their mean), so that the ratio holds on
      // a machine others share.
      const before = await throughput(base, '/services/count', false);
      const uncached = await throughput(base, url, false);
      const floor = (before + (await throughput(base, '/services/count', false))) / 2;
      const revalidated = await throughput(base, url, true);
      console.log(
        `throughput ${url}: uncached ${uncached.toFixed(1)} req/s (${(uncached / floor).toFixed(2)} of /services/count at ${floor.toFixed(0)} req/s), revalidated (304) ${revalidated.toFixed(0)} req/s; ratio ${(revalidated / uncached).toFixed(0)}x (8 clients over loopback, 5 s each)`,
      );
    }
    if (throughputOnly) return;
  } finally {
    await app.close();
    await handle.destroy();
  }

  await analyticsMemory(target);
  if (only) return;
  const server = await startServerProcess(target);
  try {
    const started = performance.now();
    const res = await fetch(`${server.base}/api/v1/reports/incidents`);
    let rows = -1;
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) rows += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `CSV of all incidents: ${rows.toLocaleString('en-US')} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(1)} s: ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s; server peak RSS ${server.peakRssMb()} MB`,
    );
  } finally {
    server.stop();
  }
}

export async function analyticsBenchmark(): Promise<void> {
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `conditions: the bench account (${BENCH_INCIDENTS.toLocaleString('en-US')} incidents, 2,000 services, 500 users, written by the sync's own write path), in-process server over HTTP loopback; ${RUNS} requests per endpoint after ${WARM_UPS} warm-ups, each without If-None-Match (the database answers every one but the repeats of /services and /teams, kept until the mirror moves)`,
  );
  for (const dialect of await benchDialects()) await benchDialect(dialect);
}
