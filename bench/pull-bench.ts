// Pulls every incident of a 100,000-incident simulated account through the client, with 50 ms of
// latency on every answer and PagerDuty's 960 requests/min enforced by the simulator. Prints
// requests made against the minimum, and wall time against what the rate limit allows.
import { PagerDutyClient } from '../src/pagerduty/pagerduty-client.js';
import type { PdIncident } from '../src/pagerduty/pagerduty-types.js';
import { readWindowed } from '../src/pagerduty/time-windows.js';
import { SimulatedAccount } from '../src/simulator/simulated-account.js';
import { PD_RATE_LIMIT_PER_MINUTE, startSimulator } from '../src/simulator/simulator-server.js';
import { describeMachine } from './machine.js';

const INCIDENTS = Number(process.env['BENCH_PULL_INCIDENTS'] ?? 100_000);
const LATENCY_MS = Number(process.env['BENCH_PULL_LATENCY_MS'] ?? 50);
const DAY = 24 * 3600 * 1000;

export async function pullBenchmark(): Promise<void> {
  const now = Date.parse('2026-11-27T12:00:00Z');
  const account = new SimulatedAccount({ seed: 42, size: 'medium', now, incidents: INCIDENTS });
  const sim = await startSimulator({
    account,
    token: 'bench',
    rateLimitPerMinute: PD_RATE_LIMIT_PER_MINUTE,
    faults: { latencyMs: LATENCY_MS },
  });
  const client = new PagerDutyClient({ baseUrl: sim.url, token: 'bench' });
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `conditions: ${INCIDENTS.toLocaleString('en-US')} incidents over 400 days, ${LATENCY_MS} ms latency per answer, simulator limit ${PD_RATE_LIMIT_PER_MINUTE}/min, client defaults (900/min, concurrency 4)`,
  );
  let records = 0;
  let windows = 0;
  const started = performance.now();
  try {
    const range = { since: new Date(now - 401 * DAY), until: new Date(now) };
    for await (const page of readWindowed<PdIncident>(client, '/incidents', range, {
      key: 'incidents',
      onWindow: () => (windows += 1),
    })) {
      records += page.length;
    }
  } finally {
    await sim.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const minimum = Math.ceil(records / 100);
  const splits = client.stats.requests - minimum;
  const bound = (client.stats.requests / PD_RATE_LIMIT_PER_MINUTE) * 60;
  console.log(
    `records: ${records.toLocaleString('en-US')} (truth ${account.incidents.count.toLocaleString('en-US')}) in ${windows} windows`,
  );
  console.log(
    `requests: ${client.stats.requests} against a minimum of ${minimum} (records/100): +${((client.stats.requests / minimum - 1) * 100).toFixed(1)}% (${splits} beyond the minimum: window probes and partial last pages); 429s: ${client.stats.rateLimited}`,
  );
  console.log(
    `wall time: ${seconds.toFixed(1)} s against the rate-limit bound of ${bound.toFixed(1)} s for those requests: ${((seconds / bound - 1) * 100).toFixed(1)}% over`,
  );
}
