import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { runSync } from '../../src/sync/sync-engine.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';

// The one timing this project asserts (issue 22): /health answers in under 100 ms while eight of
// the heaviest analytics requests run, over real HTTP, on every database. The heavy parts run in
// the read workers; the server's thread only validates and sends. On a loaded two-core machine
// any single probe can be descheduled, so the bound is on the median of many probes, each sent
// while all the heavy requests are still running. The heavy requests come from Node processes of their own,
// as from other machines: read in this process, their megabytes of answer were the test's own
// load on the event loop it measures.

const DAY = 24 * 3600 * 1000;
const run = promisify(execFile);
/** Fetches argv[1] to the end and prints the status code. */
const FETCH_STATUS =
  'fetch(process.argv[1]).then(async (r) => { await r.arrayBuffer(); process.stdout.write(String(r.status)); })';
const HEALTH_BOUND_MS = 100;
/** The widest answers the caps allow: 5000 periods, per group, in a zone with DST, on-call unions. */
const HEAVY = [
  '/analytics/incidents?aggregate_unit=day&since=2013-01-03&until=2026-09-10&time_zone=America/New_York',
  '/incidents/over-time?interval=day&since=2013-01-03&until=2026-09-10&time_zone=Australia/Sydney',
  '/analytics/incidents?group_by=team&aggregate_unit=week&since=2025-11-01&until=2026-11-28',
  '/analytics/responders?since=2025-10-01&until=2026-11-28&limit=1000',
  '/analytics/incidents?aggregate_unit=day&since=2013-01-03&until=2026-09-10&time_zone=Europe/Paris',
  '/incidents/over-time?interval=day&since=2013-01-03&until=2026-09-10&time_zone=Asia/Kolkata',
  '/analytics/incidents?group_by=service&aggregate_unit=month&since=2025-10-01&until=2026-11-28',
  '/reports/responder_metrics?since=2025-10-01&until=2026-11-28',
];

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`bounded, non-blocking requests on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    let account: SimulatedAccount;
    let app: FastifyInstance;
    let base: string;

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
      await migrateToLatest(handle.db);
      const started = await startTestSimulator('small');
      account = started.account;
      await runSync(
        {
          db: handle.db,
          client: testClient(started.sim.url),
          logger: createLogger('silent'),
          clock: () => new Date(account.now + 1000),
        },
        { since: new Date(SIM_NOW - 500 * DAY) },
      );
      await started.sim.close();
      app = await buildApp({
        config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
        db: handle,
        logger: createLogger('silent'),
        clock: () => new Date(account.now + 1000),
      });
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      // Workers started, as a server starts them.
      await handle.warm();
    });
    afterAll(async () => {
      await app?.close();
      await handle?.destroy();
      await testDb?.drop();
    });

    it('answers the widest request with a 400 naming the cap', async () => {
      // The widest range the one date parser takes (years 1970 to 9999).
      const res = await fetch(
        `${base}/api/v1/analytics/incidents?group_by=service&aggregate_unit=week&since=1970-01-01&until=9999-12-31`,
      );
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { parameter: string; message: string } };
      expect(body.error.parameter).toBe('aggregate_unit');
      expect(body.error.message).toMatch(
        /aggregate_unit=week from since 1970-01-01.* until 9999-12-31.*5000/,
      );
      // The issue's own request: year 1 is no date the parser takes, refused at once.
      const ancient = await fetch(
        `${base}/api/v1/analytics/incidents?group_by=service&aggregate_unit=week&since=0001-01-01&until=9999-12-31`,
      );
      expect(ancient.status).toBe(400);
      expect(((await ancient.json()) as { error: { parameter: string } }).error.parameter).toBe(
        'since',
      );
    });

    it('answers /health in under 100 ms while eight of the heaviest requests run', async () => {
      let running = HEAVY.length;
      const heavy = HEAVY.map(async (url) => {
        // A process of its own (Node, which every machine and image running the suite has;
        // curl is not in the Docker test stage), so its client does not load the measured loop.
        const { stdout } = await run(
          process.execPath,
          ['-e', FETCH_STATUS, `${base}/api/v1${url}`],
          { timeout: 120_000 },
        );
        running -= 1;
        return [url, Number(stdout)] as const;
      });
      const latencies: number[] = [];
      while (running > 0) {
        const allRunning = running === HEAVY.length;
        const started = performance.now();
        const res = await fetch(`${base}/api/v1/health`);
        await res.arrayBuffer();
        // Only probes sent while every heavy request was still running count.
        if (allRunning) latencies.push(performance.now() - started);
        expect(res.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const [url, status] of await Promise.all(heavy)) expect(status, url).toBe(200);
      expect(latencies.length, 'probes while all eight ran').toBeGreaterThanOrEqual(3);
      const sorted = [...latencies].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? Infinity;
      expect(
        median,
        `/health latencies under load (ms): ${sorted.map((l) => l.toFixed(1)).join(' ')}`,
      ).toBeLessThan(HEALTH_BOUND_MS);
    });
  });
}
