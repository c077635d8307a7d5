import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { parseConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { readMirrorVersion } from '../../src/db/repositories/mirror-state-repository.js';
import { findLease } from '../../src/db/repositories/sync-leases-repository.js';
import { createLogger } from '../../src/logger.js';
import { MirrorVersion } from '../../src/mirror/mirror-version.js';
import { accountTruth } from '../../src/simulator/account-truth.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { SYNC_LEASE, SyncAlreadyRunningError } from '../../src/sync/sync-lease.js';
import type { SyncEvent } from '../../src/sync/sync-progress.js';
import { SyncService } from '../../src/sync/sync-service.js';
import { WorkerSyncRunner } from '../../src/sync/worker-sync-runner.js';
import { expectMirrorEqualsTruth } from '../helpers/mirror-assertions.js';
import { SIM_TOKEN, startTestSimulator } from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  databaseUrlOf,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';

// `serve` runs its syncs in a worker thread (src/sync/worker-sync-runner.ts) with a connection
// and a PagerDuty client of its own; here on every database, over the simulator's real HTTP.
// The worker runs on the real clock: the simulated account's now is in the past.
const ADMIN = 'admin-token-0123456789';
/** Latency on every simulator answer, so that a run lasts long enough to be caught mid-way. */
const SLOW_MS = 25;

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined) {
  for (let i = 0; i < 1000; i += 1) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runRow(db: Db, id: string) {
  return db.db
    .selectFrom('sync_runs')
    .select(['status', 'error', 'kind'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`the sync worker on ${dialect}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let account: SimulatedAccount;
    let sim: RunningSimulator;
    let runner: WorkerSyncRunner;
    let service: SyncService;
    // Never started: it moves only by what the worker's commits tell this thread, not by polling.
    let mirror: MirrorVersion;
    const committed: number[] = [];
    const logger = createLogger('silent');

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      db = createDb(testDb.target);
      await migrateToLatest(db.db);
      ({ account, sim } = await startTestSimulator('small'));
      mirror = new MirrorVersion(db.read);
      runner = new WorkerSyncRunner({
        target: testDb.target,
        client: () => ({ baseUrl: sim.url, token: SIM_TOKEN, requestsPerMinute: 100_000 }),
        logger,
        onCommitted: (version) => {
          committed.push(version);
          mirror.observe(version);
        },
        db: db.db,
      });
      service = new SyncService({ runner, logger });
    });
    afterAll(async () => {
      await service?.close();
      await sim?.close();
      await db?.destroy();
      await testDb?.drop();
    });

    it('mirrors the account from its thread, and this thread follows every committed version', async () => {
      const events: SyncEvent[] = [];
      const result = await service.run({}, [(event) => events.push(event)]);
      expect(result).toMatchObject({ kind: 'full', status: 'succeeded', rateLimited: 0 });
      expect(result.counts.services).toBe(account.liveServices().length);
      expect(result.counts.incidents).toBe(account.incidents.count);
      expect(result.account.subdomain).toBe('sim-42');
      await expectMirrorEqualsTruth(db, accountTruth(account));
      expect(events[0]).toMatchObject({ type: 'run-started', runId: result.runId, kind: 'full' });
      expect(events.at(-1)).toEqual({
        type: 'run-finished',
        runId: result.runId,
        status: 'succeeded',
      });
      expect(events.filter((e) => e.type === 'resource-finished')).toContainEqual({
        type: 'resource-finished',
        resource: 'incidents',
        written: account.incidents.count,
      });
      // A page at a time: many commits, each a later version, the last the database's.
      expect(committed.length).toBeGreaterThan(10);
      expect(committed).toEqual([...committed].sort((a, b) => a - b));
      expect(new Set(committed).size).toBe(committed.length);
      expect(mirror.current).toBe(await readMirrorVersion(db.db));
      expect(await runRow(db, result.runId)).toEqual({
        status: 'succeeded',
        error: null,
        kind: 'full',
      });
    });

    it('keeps one worker and one client across runs: a second run is incremental', async () => {
      const result = await service.run({}, []);
      expect(result).toMatchObject({ kind: 'incremental', status: 'succeeded' });
      expect(result.counts.incidents).toBe(0);
      expect(result.requests).toBeLessThan(20);
    });

    it('fails the run of a worker that ends mid-run, releases its lease, and starts another worker for the next run', async () => {
      sim.setFaults({ latencyMs: SLOW_MS });
      try {
        // The incidents only: the directory is there already, and the run reaches them at once.
        const id = await service.start({ mode: 'full', resources: ['incidents', 'log_entries'] });
        await waitFor('incidents being written', () =>
          (service.progress(id)?.resources.incidents?.written ?? 0) > 0 ? true : undefined,
        );
        // close() ends the worker whatever it is doing: as a crash would, from this thread's side.
        await runner.close();
        expect(await runRow(db, id)).toEqual({
          status: 'failed',
          error: 'interrupted: the sync worker stopped (exit code 1)',
          kind: 'full',
        });
        expect(await findLease(db.db, SYNC_LEASE)).toBeUndefined();
        await waitFor('the run to leave the live list', () =>
          service.progress(id) === undefined ? true : undefined,
        );
      } finally {
        sim.setFaults({});
      }
      const next = await service.run({}, []);
      // The interrupted full sync is resumed by the next run, in a new worker.
      expect(next).toMatchObject({ kind: 'full', status: 'succeeded' });
      await expectMirrorEqualsTruth(db, accountTruth(account));
    });
  });

  describe.skipIf(!available)(`serve's syncs on ${dialect}`, () => {
    let testDb: TestDatabase;
    let account: SimulatedAccount;
    let sim: RunningSimulator;
    let server: RunningServer;
    const lines: string[] = [];
    const post = () =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/sync',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { mode: 'full' },
      });
    const getRun = async (id: string) =>
      (await server.app.inject({ method: 'GET', url: `/api/v1/sync/runs/${id}` })).json<{
        status: string;
        error: string | null;
        counts: Record<string, number>;
        progress: Record<string, { state: string; written: number }> | null;
      }>();

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      ({ account, sim } = await startTestSimulator('small'));
      const config = parseConfig({
        DATABASE_URL: databaseUrlOf(testDb.target),
        PORT: '0',
        ADMIN_TOKEN: ADMIN,
        PAGERDUTY_TOKEN: SIM_TOKEN,
        PAGERDUTY_API_URL: sim.url,
        PAGERDUTY_RATE_LIMIT: '100000',
      });
      // The worker logs at this logger's level, through it.
      server = await startServer(config, createLogger('info', { write: (l) => lines.push(l) }));
    });
    afterAll(async () => {
      await server?.close();
      await sim?.close();
      await testDb?.drop();
    });

    it('shows the live progress of POST /api/v1/sync, moves the ETags, and logs through the server without the token', async () => {
      const etag = (await server.app.inject({ method: 'GET', url: '/api/v1/services' })).headers[
        'etag'
      ];
      const version = server.mirror.current;
      sim.setFaults({ latencyMs: SLOW_MS / 5 });
      const res = await post();
      expect(res.statusCode).toBe(202);
      const { id } = res.json<{ id: string }>();
      const seen = new Set<string>();
      const run = await waitFor('the run to finish', async () => {
        const current = await getRun(id);
        for (const [resource, p] of Object.entries(current.progress ?? {}))
          if (p.written > 0) seen.add(`${resource}:${p.state}`);
        // Over once it left the live list: the worker has released the lease by then.
        return current.status === 'running' || current.progress !== null ? undefined : current;
      });
      sim.setFaults({});
      expect(run).toMatchObject({ status: 'succeeded', error: null, progress: null });
      expect(run.counts['services']).toBe(account.liveServices().length);
      expect(run.counts['incidents']).toBe(account.incidents.count);
      // Progress read while it ran: the worker's events reached this thread's tracker.
      expect(seen).toContain('incidents:running');
      expect(seen).toContain('services:done');
      expect(server.mirror.current).toBeGreaterThan(version);
      const after = await server.app.inject({ method: 'GET', url: '/api/v1/services' });
      expect(after.headers['etag']).not.toBe(etag);
      expect(after.json<{ total: number }>().total).toBe(account.liveServices().length);
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged).toContainEqual(
        expect.objectContaining({ msg: 'sync finished', run_id: id, kind: 'full' }),
      );
      expect(lines.join('\n')).not.toContain(SIM_TOKEN);
    });

    it('refuses a second start while one runs, and stop() leaves the run failed and the lease free', async () => {
      sim.setFaults({ latencyMs: SLOW_MS });
      try {
        const id = await server.syncService.start({
          mode: 'full',
          resources: ['incidents', 'log_entries'],
        });
        await expect(server.syncService.start()).rejects.toThrow(SyncAlreadyRunningError);
        await expect(server.syncService.start()).rejects.toMatchObject({
          runId: id,
          message: `a sync is already running (run ${id})`,
        });
        const conflict = await post();
        expect(conflict.statusCode).toBe(409);
        expect(conflict.json()).toEqual({
          error: {
            code: 'sync_already_running',
            message: `a sync is already running (run ${id})`,
            run_id: id,
          },
        });
        await waitFor('incidents being written', () =>
          (server.syncService.progress(id)?.resources.incidents?.written ?? 0) > 0
            ? true
            : undefined,
        );
        await server.syncService.stop();
        // Recorded by the worker before stop() resolves: no waiting here.
        const run = await getRun(id);
        expect(run.status).toBe('failed');
        expect(run.error).toMatch(/aborted/);
        expect(run.progress).toBeNull();
        expect(await findLease(server.db.db, SYNC_LEASE)).toBeUndefined();
      } finally {
        sim.setFaults({});
      }
    });
  });
}
