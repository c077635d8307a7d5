import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { startCliProcess } from '../helpers/run-cli.js';
import { SIM_TOKEN, startTestSimulator } from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';

// Past one server: two `serve --sync-every` replicas on one PostgreSQL or MariaDB database, as
// the README's deployment section describes (behind a load balancer). The sync lease lets one
// run at a time; both answer the same, with the same ETag, once it has committed.

type Replica = Awaited<ReturnType<typeof startCliProcess>> & { base: string };

for (const { dialect, available } of (await dialectsUnderTest()).filter(
  (d) => d.dialect !== 'sqlite',
)) {
  describe.skipIf(!available)(`two serve --sync-every replicas on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    let sim: RunningSimulator;
    const replicas: Replica[] = [];

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
      await migrateToLatest(handle.db);
      ({ sim } = await startTestSimulator('small'));
      const url = testDb.target.dialect === 'sqlite' ? '' : testDb.target.url;
      const started = await Promise.all(
        [0, 1].map(() =>
          startCliProcess(
            ['serve', '--port', '0', '--sync-every', '60s'],
            {
              DATABASE_URL: url,
              PAGERDUTY_TOKEN: SIM_TOKEN,
              PAGERDUTY_API_URL: sim.url,
              LOG_LEVEL: 'info',
            },
            'Health:',
            60_000,
          ),
        ),
      );
      for (const r of started) {
        const health = /Health:\s+(http:\/\/[^/\s]+)/.exec(r.stdout())?.[1];
        replicas.push({ ...r, base: String(health) });
      }
    }, 90_000);
    afterAll(async () => {
      for (const r of replicas) {
        r.child.kill('SIGTERM');
        if (r.child.exitCode === null) await once(r.child, 'close');
      }
      await sim?.close();
      await handle?.destroy();
      await testDb?.drop();
    });

    it('lets exactly one sync at a time, and both answer the same after it', async () => {
      const deadline = Date.now() + 120_000;
      let runs: {
        id: string;
        status: string;
        started_at: unknown;
        finished_at: unknown;
        owner: string | null;
      }[] = [];
      while (Date.now() < deadline) {
        runs = await handle.db
          .selectFrom('sync_runs')
          .select(['id', 'status', 'started_at', 'finished_at', 'owner'])
          .orderBy('started_at')
          .execute();
        if (runs.length > 0 && runs.every((r) => r.status !== 'running')) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      // Both replicas ticked at start; one took the lease, the other stood aside.
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
      const spans = runs.map((r) => [
        new Date(r.started_at as string).getTime(),
        new Date(r.finished_at as string).getTime(),
      ]);
      for (let i = 1; i < spans.length; i += 1)
        expect(spans[i]?.[0] ?? 0).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0);
      const output = replicas.map((r) => r.stdout() + r.stderr()).join('\n');
      expect(runs.length === 1 ? output : 'skipped').toContain('skipped');
      const counts = await handle.db
        .selectFrom('incidents')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(counts.n)).toBeGreaterThan(0);

      // Each replica learns of the other's writes from the mirror's version within a second.
      await new Promise((r) => setTimeout(r, 1500));
      for (const path of [
        '/api/v1/services/count',
        '/api/v1/incidents/by-status',
        '/api/v1/teams?limit=100',
        '/api/v1/escalation-policies?limit=100',
      ]) {
        const [a, b] = await Promise.all(replicas.map((r) => fetch(`${r.base}${path}`)));
        expect(a?.status, path).toBe(200);
        expect(await a?.text(), path).toBe(await b?.text());
        const etag = a?.headers.get('etag');
        expect(etag, path).toBeTruthy();
        expect(b?.headers.get('etag'), path).toBe(etag);
        // An ETag from one replica revalidates on the other.
        const again = await fetch(`${replicas[1]?.base}${path}`, {
          headers: { 'if-none-match': String(etag) },
        });
        expect(again.status, path).toBe(304);
      }
    }, 150_000);
  });
}
