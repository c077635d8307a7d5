// Full and incremental syncs against the simulator running in a child process, so that the peak
// RSS measured is the sync engine's alone.
//   medium: 100,000 incidents, 50 ms latency, PagerDuty's 960/min enforced; then a no-change
//           incremental sync.
//   large:  1,000,000 incidents with the rate limit lifted: the engine is the bottleneck.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createLogger } from '../src/logger.js';
import { PagerDutyClient } from '../src/pagerduty/pagerduty-client.js';
import { runSync } from '../src/sync/sync-engine.js';
import { describeMachine } from './machine.js';

const CLI = fileURLToPath(new URL('../bin/pd-analytics.js', import.meta.url));
const DAY = 24 * 3600 * 1000;

export async function startSimulatorProcess(
  args: string[],
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'simulate', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /URL:\s+(\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, child };
}

async function syncOnce(url: string, options: { requestsPerMinute: number; concurrency?: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-bench-'));
  const handle = createDb({ dialect: 'sqlite', path: path.join(dir, 'bench.db') });
  await migrateToLatest(handle.db);
  const client = new PagerDutyClient({
    baseUrl: url,
    token: 'simulator-token',
    requestsPerMinute: options.requestsPerMinute,
    concurrency: options.concurrency ?? 4,
  });
  const deps = { db: handle.db, client, logger: createLogger('silent') };
  return {
    full: async () => {
      const started = performance.now();
      const result = await runSync(deps, { since: new Date(Date.now() - 401 * DAY) });
      return { result, seconds: (performance.now() - started) / 1000 };
    },
    incremental: () => runSync(deps),
    close: async () => {
      await handle.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function syncMediumBenchmark(): Promise<void> {
  console.log(`machine: ${describeMachine()}`);
  console.log(
    'conditions: medium account (100,000 incidents over 400 days), 50 ms latency, simulator enforcing 960/min, client defaults (900/min, concurrency 4), SQLite file',
  );
  const sim = await startSimulatorProcess([
    '--size',
    'medium',
    '--latency',
    '50',
    '--rate-limit',
    '960',
  ]);
  const run = await syncOnce(sim.url, { requestsPerMinute: 900 });
  try {
    const { result, seconds } = await run.full();
    const records = Object.values(result.counts).reduce((a, b) => a + b, 0);
    const bound = (result.requests / 960) * 60;
    console.log(
      `full sync: ${result.requests} requests for ${records.toLocaleString('en-US')} records (${JSON.stringify(result.counts)}); 429s ${result.rateLimited}`,
    );
    console.log(
      `wall time: ${seconds.toFixed(1)} s against the rate-limit bound of ${bound.toFixed(1)} s for those requests: ${((seconds / bound - 1) * 100).toFixed(1)}% over`,
    );
    const incremental = await run.incremental();
    console.log(`no-change incremental sync: ${incremental.requests} requests`);
  } finally {
    await run.close();
    sim.child.kill();
  }
}

export async function syncLargeBenchmark(): Promise<void> {
  console.log(`machine: ${describeMachine()}`);
  console.log(
    'conditions: large account (1,000,000 incidents over 400 days), no latency, rate limit lifted (simulator 1,000,000/min, client 1,000,000/min, concurrency 4), SQLite file; simulator in its own process',
  );
  const sim = await startSimulatorProcess(['--size', 'large', '--rate-limit', '1000000']);
  const run = await syncOnce(sim.url, { requestsPerMinute: 1_000_000 });
  try {
    const { result, seconds } = await run.full();
    const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
    console.log(
      `full sync: ${result.requests} requests, ${rows.toLocaleString('en-US')} rows (${JSON.stringify(result.counts)}) in ${seconds.toFixed(1)} s: ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`,
    );
    console.log(
      `peak RSS of the sync process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    );
  } finally {
    await run.close();
    sim.child.kill();
  }
}
