// The analytics API on a database of 1,000,000 incidents and 2,000 services (SQLite file, filled
// directly): median and p95 latency of every aggregate endpoint, throughput of two of them under
// concurrent load, and the CSV of all incidents streamed by a separate server process (rows/s,
// that process's peak RSS).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/api/app.js';
import { createDb } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { upsertRows } from '../src/db/repositories/table-writer.js';
import type { NewIncident } from '../src/db/schema.js';
import { createLogger } from '../src/logger.js';
import { createRandom } from '../src/simulator/random.js';
import { describeMachine } from './machine.js';

const INCIDENTS = Number(process.env['BENCH_ANALYTICS_INCIDENTS'] ?? 1_000_000);
const SERVICES = 2000;
const TEAMS = 100;
const CLI = fileURLToPath(new URL('../bin/pd-analytics.js', import.meta.url));
const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;

/** Fills a SQLite file with the benchmark's account. */
export async function analyticsFill(file: string): Promise<void> {
  const handle = createDb({ dialect: 'sqlite', path: file });
  await migrateToLatest(handle.db);
  const now = new Date();
  const random = createRandom(7);
  await handle.db.transaction().execute(async (trx) => {
    await upsertRows(
      trx,
      'teams',
      Array.from({ length: TEAMS }, (_, i) => ({
        id: `PT${i}`,
        name: `Team ${i}`,
        description: null,
        html_url: null,
        synced_at: now,
        deleted_at: null,
      })),
    );
    await upsertRows(
      trx,
      'escalation_policies',
      Array.from({ length: 300 }, (_, i) => ({
        id: `PE${i}`,
        name: `Policy ${i}`,
        description: null,
        num_loops: 1,
        html_url: null,
        synced_at: now,
        deleted_at: null,
      })),
    );
    await upsertRows(
      trx,
      'services',
      Array.from({ length: SERVICES }, (_, i) => ({
        id: `PS${i}`,
        name: `Service ${String(i).padStart(4, '0')}`,
        description: null,
        status: 'active',
        created_at: now,
        last_incident_timestamp: null,
        escalation_policy_id: `PE${i % 300}`,
        html_url: null,
        synced_at: now,
        deleted_at: null,
      })),
    );
    await upsertRows(
      trx,
      'service_teams',
      Array.from({ length: SERVICES }, (_, i) => ({
        service_id: `PS${i}`,
        team_id: `PT${i % TEAMS}`,
      })),
    );
  });
  const start = Date.now() - 400 * 24 * 3600 * 1000;
  for (let base = 0; base < INCIDENTS; base += 50_000) {
    const batch: NewIncident[] = [];
    const teams: { incident_id: string; team_id: string }[] = [];
    for (let i = base; i < Math.min(base + 50_000, INCIDENTS); i += 1) {
      // Zipf-like: a few services page a lot.
      const service = Math.floor(SERVICES * random() ** 3);
      const status = STATUSES[random() < 0.02 ? 0 : random() < 0.03 ? 1 : 2] ?? 'resolved';
      const created = new Date(start + (i / INCIDENTS) * 400 * 24 * 3600 * 1000);
      batch.push({
        id: `Q${i}`,
        incident_number: i + 1,
        title: `Incident ${i}`,
        status,
        urgency: random() < 0.7 ? 'high' : 'low',
        priority_id: null,
        service_id: `PS${service}`,
        escalation_policy_id: `PE${service % 300}`,
        created_at: created,
        updated_at: created,
        last_status_change_at: created,
        resolved_at: status === 'resolved' ? new Date(created.getTime() + 3_600_000) : null,
        first_acknowledged_at: new Date(created.getTime() + 300_000),
        alert_count_all: 1,
        alert_count_triggered: 0,
        alert_count_resolved: 1,
        resolve_reason: null,
        incident_key: null,
        html_url: null,
        synced_at: now,
        deleted_at: null,
      });
      teams.push({ incident_id: `Q${i}`, team_id: `PT${service % TEAMS}` });
    }
    await handle.db.transaction().execute(async (trx) => {
      await upsertRows(trx, 'incidents', batch);
      await upsertRows(trx, 'incident_teams', teams);
    });
  }
  await handle.destroy();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function analyticsBenchmark(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-analytics-'));
  const file = path.join(dir, 'bench.db');
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `conditions: SQLite file, ${INCIDENTS.toLocaleString('en-US')} incidents, ${SERVICES} services, ${TEAMS} teams; latency measured in-process (inject), 20 requests per endpoint after 2 warm-ups`,
  );
  let started = performance.now();
  await analyticsFill(file);
  console.log(`filled in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const handle = createDb({ dialect: 'sqlite', path: file });
  const app = await buildApp({
    config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
    db: handle,
    logger: createLogger('silent'),
  });
  const endpoints = [
    '/services/count',
    '/services?limit=100',
    '/services/most-incidents',
    '/services/chart',
    '/services/PS1',
    '/incidents/by-status',
    '/incidents/by-service',
    '/incidents/by-service-status?limit=100',
    '/incidents?limit=100',
    '/teams?limit=100',
    '/escalation-policies?limit=100',
    '/users/inactive',
    '/incidents/by-status?since=2026-06-01&status=resolved&urgency=high',
    '/incidents/by-service-status?team_id=PT3&limit=100',
  ];
  console.log('endpoint | median ms | p95 ms');
  for (const url of endpoints) {
    const times: number[] = [];
    for (let i = 0; i < 22; i += 1) {
      const t = performance.now();
      const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
      if (i >= 2) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${url} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)}`,
    );
  }

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1`;
  for (const url of ['/services?limit=100', '/incidents/by-service-status?limit=100']) {
    let done = 0;
    const until = performance.now() + 5000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          const res = await fetch(`${base}${url}`);
          await res.arrayBuffer();
          done += 1;
        }
      }),
    );
    console.log(
      `throughput ${url}: ${(done / 5).toFixed(1)} req/s (8 concurrent clients over loopback, 5 s)`,
    );
  }
  await app.close();
  await handle.destroy();

  // The CSV of every incident, from a server process of its own so that its peak RSS is measured alone.
  const server = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const serverUrl = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API:\s+(\S+)\/api/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
  });
  started = performance.now();
  const res = await fetch(`${serverUrl}/api/v1/reports/incidents`);
  let rows = -1;
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) rows += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
  server.kill();
  console.log(
    `CSV of all incidents: ${rows.toLocaleString('en-US')} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(1)} s: ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s; server peak RSS ${Math.round(Number(hwm) / 1024)} MB`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}
