// Load while a sync writes, as `serve --sync-every` runs it: a server (startServer) over a SQLite
// file holding the small account, 8 readers on the aggregate endpoints and a webhook sender;
// 10 s with no sync, then 20 s while a full sync of the medium account (100,000 incidents)
// writes (the sync is then stopped). Measured twice, each on its own copy of the same database:
// with the sync on the server's thread (InProcessSyncRunner, as serve ran it before), then in
// serve's sync worker (WorkerSyncRunner). Errors, and p99 latency of reads and of webhooks, with
// the ratio of the two phases. The medium account is served by a simulator in a process of its
// own, as PagerDuty is elsewhere: on this thread it would load the event loop measured.
// Bounded in time, loopback only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../src/api/server.js';
import { parseConfig } from '../src/config.js';
import { createDb } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createLogger } from '../src/logger.js';
import { PagerDutyClient } from '../src/pagerduty/pagerduty-client.js';
import { SimulatedAccount } from '../src/simulator/simulated-account.js';
import { startSimulator } from '../src/simulator/simulator-server.js';
import { runSync } from '../src/sync/sync-engine.js';
import { InProcessSyncRunner } from '../src/sync/sync-runner.js';
import { SyncService } from '../src/sync/sync-service.js';
import { signPagerDutyBody } from '../src/sync/webhook-signature.js';
import { describeMachine } from './machine.js';
import { startSimulatorProcess } from './sync-bench.js';

const READERS = 8;
const SECRET = 'bench-webhook-secret';
const TOKEN = 'simulator-token';
/** Discarded: the first answers load the analytics' copy of the facts. */
const WARM_UP_S = 3;
const ALONE_S = 10;
const SYNCING_S = 20;
const ENDPOINTS = [
  '/services?limit=100',
  '/incidents/by-status',
  '/incidents/by-service-status?limit=100',
  '/teams?limit=100',
  '/services/most-incidents',
  '/analytics/incidents',
];

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? NaN;
}

interface Phase {
  reads: number[];
  hooks: number[];
  errors: number;
}

/** Readers cycling over the endpoints and one signed webhook every 50 ms, for `seconds`. */
async function phase(server: RunningServer, incidentId: string, seconds: number): Promise<Phase> {
  const base = `${server.url}/api/v1`;
  const reads: number[] = [];
  const hooks: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const readers = Array.from({ length: READERS }, async (_, r) => {
    for (let i = r; performance.now() < until; i += 1) {
      const t = performance.now();
      const res = await fetch(`${base}${ENDPOINTS[i % ENDPOINTS.length]}`);
      await res.arrayBuffer();
      if (res.status !== 200) errors += 1;
      reads.push(performance.now() - t);
    }
  });
  const sender = (async () => {
    while (performance.now() < until) {
      n += 1;
      const raw = JSON.stringify({
        event: {
          id: `LOAD-${Date.now()}-${n}`,
          event_type: 'incident.acknowledged',
          resource_type: 'incident',
          occurred_at: new Date().toISOString(),
          agent: null,
          data: { id: incidentId, type: 'incident', status: 'acknowledged' },
        },
      });
      const t = performance.now();
      const res = await fetch(`${base}/webhooks/pagerduty`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
        },
        body: raw,
      });
      await res.arrayBuffer();
      if (res.status >= 300) errors += 1;
      hooks.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await Promise.all([...readers, sender]);
  return { reads, hooks, errors };
}

/** The server over `file`; alone, then while `service` runs a full sync; the figures printed. */
async function measure(
  label: string,
  file: string,
  simUrl: string,
  service: (server: RunningServer) => SyncService,
): Promise<void> {
  const logger = createLogger('silent');
  const config = parseConfig({
    DATABASE_URL: `sqlite:${file}`,
    PORT: '0',
    PAGERDUTY_TOKEN: TOKEN,
    PAGERDUTY_API_URL: simUrl,
    PAGERDUTY_RATE_LIMIT: '100000',
    PAGERDUTY_WEBHOOK_SECRET: SECRET,
  });
  const server = await startServer(config, logger);
  try {
    const incident = await server.db.db
      .selectFrom('incidents')
      .select('id')
      .executeTakeFirstOrThrow();
    await phase(server, incident.id, WARM_UP_S);
    const alone = await phase(server, incident.id, ALONE_S);
    const syncs = service(server);
    const runId = await syncs.start({ mode: 'full' });
    const busy = await phase(server, incident.id, SYNCING_S);
    const records = Object.values(syncs.progress(runId)?.counts() ?? {}).reduce((a, b) => a + b, 0);
    const written = await server.db.db
      .selectFrom('incidents')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    await syncs.close();
    console.log(`${label}:`);
    for (const [name, a, b] of [
      ['reads', alone.reads, busy.reads],
      ['webhooks', alone.hooks, busy.hooks],
    ] as const)
      console.log(
        `  ${name}: p99 ${p99(a).toFixed(1)} ms alone (${a.length}), ${p99(b).toFixed(1)} ms during the sync (${b.length}); ratio ${(p99(b) / p99(a)).toFixed(2)}x`,
      );
    console.log(
      `  errors: ${alone.errors} alone, ${busy.errors} during the sync; incidents in the mirror when stopped: ${Number(written.n).toLocaleString('en-US')}; records the sync wrote: ${records.toLocaleString('en-US')}`,
    );
  } finally {
    await server.close();
  }
}

export async function loadBenchmark(): Promise<void> {
  console.log(`machine: ${describeMachine()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-load-'));
  // Seed 42 for both accounts: one subdomain, so the medium sync is taken for the mirror's own
  // account (another one is refused before anything is written).
  const small = new SimulatedAccount({ seed: 42, size: 'small' });
  const simSmall = await startSimulator({ account: small, token: TOKEN, rateLimitPerMinute: 1e6 });
  const seeded = path.join(dir, 'seeded.db');
  const handle = createDb({ dialect: 'sqlite', path: seeded });
  await migrateToLatest(handle.db);
  await runSync({
    db: handle.db,
    client: new PagerDutyClient({ baseUrl: simSmall.url, token: TOKEN, requestsPerMinute: 1e6 }),
    logger: createLogger('silent'),
  });
  await handle.destroy();
  await simSmall.close();
  const medium = await startSimulatorProcess([
    '--size',
    'medium',
    '--seed',
    '42',
    '--rate-limit',
    '1000000',
  ]);
  console.log(
    `conditions: SQLite file holding the small account, served by startServer (read workers, the analytics' copy of the facts); ${READERS} readers cycling over ${ENDPOINTS.length} aggregate endpoints and one webhook sender (every 50 ms) over loopback; ${ALONE_S} s alone (after ${WARM_UP_S} s of warm-up), then ${SYNCING_S} s while a full sync of the medium account (100,000 incidents, simulator in its own process, rate limit lifted) writes; each runner on its own copy of the database`,
  );
  try {
    const copy = (name: string) => {
      const file = path.join(dir, name);
      fs.copyFileSync(seeded, file);
      return file;
    };
    await measure(
      'sync on the server thread (InProcessSyncRunner)',
      copy('same.db'),
      medium.url,
      (server) =>
        new SyncService({
          // What serve did before the worker: the sync on the server's connection and thread.
          runner: new InProcessSyncRunner({
            db: server.db.db,
            createClient: () =>
              new PagerDutyClient({
                baseUrl: medium.url,
                token: TOKEN,
                requestsPerMinute: 100_000,
                concurrency: 4,
              }),
            logger: createLogger('silent'),
            onCommitted: (version) => server.mirror.observe(version),
          }),
          logger: createLogger('silent'),
        }),
    );
    await measure(
      "sync in serve's worker thread (WorkerSyncRunner)",
      copy('worker.db'),
      medium.url,
      (server) => server.syncService,
    );
  } finally {
    medium.child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
