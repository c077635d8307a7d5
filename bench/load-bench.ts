// Load while a sync writes (SQLite file, one process as `serve --sync-every` runs): 8 readers on
// the aggregate endpoints and a webhook sender, first for 10 s with no sync, then for 20 s while
// a full sync of the medium account writes (the sync is then stopped). Errors, and p99 latency of
// reads and of webhooks, with the ratio of the two phases. Bounded in time, loopback only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/api/app.js';
import { createDb } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createLogger } from '../src/logger.js';
import { PagerDutyClient } from '../src/pagerduty/pagerduty-client.js';
import { SimulatedAccount } from '../src/simulator/simulated-account.js';
import { startSimulator } from '../src/simulator/simulator-server.js';
import { signPagerDutyBody } from '../src/sync/webhook-signature.js';
import { runSync } from '../src/sync/sync-engine.js';
import { describeMachine } from './machine.js';

const READERS = 8;
const SECRET = 'bench-webhook-secret';
const TOKEN = 'bench-token';
const NOW = Date.UTC(2026, 10, 27, 12);
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

export async function loadBenchmark(): Promise<void> {
  console.log(`machine: ${describeMachine()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-load-'));
  const handle = createDb({ dialect: 'sqlite', path: path.join(dir, 'load.db') });
  await migrateToLatest(handle.db);
  const small = new SimulatedAccount({ seed: 42, size: 'small', now: NOW });
  const medium = new SimulatedAccount({ seed: 43, size: 'medium', now: NOW });
  const simSmall = await startSimulator({ account: small, token: TOKEN, rateLimitPerMinute: 1e6 });
  const simMedium = await startSimulator({
    account: medium,
    token: TOKEN,
    rateLimitPerMinute: 1e6,
  });
  const client = (url: string) =>
    new PagerDutyClient({ baseUrl: url, token: TOKEN, requestsPerMinute: 1e6, concurrency: 4 });
  const logger = createLogger('silent');
  await runSync({
    db: handle.db,
    client: client(simSmall.url),
    logger,
    clock: () => new Date(NOW),
  });
  const app = await buildApp({
    config: {
      apiToken: undefined,
      adminToken: undefined,
      host: '127.0.0.1',
      webhookSecret: SECRET,
    },
    db: handle,
    logger,
    clock: () => new Date(NOW),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1`;
  const incident = await handle.db.selectFrom('incidents').select('id').executeTakeFirstOrThrow();
  console.log(
    `conditions: SQLite file holding the small account; ${READERS} readers cycling over ${ENDPOINTS.length} aggregate endpoints and one webhook sender (every 50 ms), in-process server over loopback; 10 s alone, then 20 s while a full sync of the medium account (100,000 incidents) writes in the same process`,
  );

  const phase = async (seconds: number) => {
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
            occurred_at: new Date(NOW).toISOString(),
            agent: null,
            data: { id: incident.id, type: 'incident', status: 'acknowledged' },
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
  };

  const quiet = await phase(10);
  const stop = new AbortController();
  const syncing = runSync(
    { db: handle.db, client: client(simMedium.url), logger, clock: () => new Date(NOW) },
    { mode: 'full', signal: stop.signal },
  ).catch(() => undefined);
  const busy = await phase(20);
  const written = await handle.db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  stop.abort();
  await syncing;
  for (const [name, a, b] of [
    ['reads', quiet.reads, busy.reads],
    ['webhooks', quiet.hooks, busy.hooks],
  ] as const)
    console.log(
      `${name}: p99 ${p99(a).toFixed(1)} ms alone (${a.length}), ${p99(b).toFixed(1)} ms during the sync (${b.length}); ratio ${(p99(b) / p99(a)).toFixed(1)}x`,
    );
  console.log(
    `errors: ${quiet.errors} alone, ${busy.errors} during the sync; incidents in the mirror when stopped: ${Number(written.n).toLocaleString('en-US')}`,
  );
  await app.close();
  await simSmall.close();
  await simMedium.close();
  await handle.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}
