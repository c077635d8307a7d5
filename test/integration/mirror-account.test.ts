import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { findCursor } from '../../src/db/repositories/sync-cursors-repository.js';
import { createLogger } from '../../src/logger.js';
import { accountTruth } from '../../src/simulator/account-truth.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { AccountMismatchError, findMirrorAccount } from '../../src/sync/mirror-account.js';
import { runSync, type SyncOptions } from '../../src/sync/sync-engine.js';
import { expectMirrorEqualsTruth } from '../helpers/mirror-assertions.js';
import { metricsTruth } from '../helpers/metrics-truth.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';
import { inProcessSyncService } from '../helpers/test-app.js';

// A mirror belongs to one account (the demo's simulator and a real account once shared one
// file), and `since` follows one rule: earlier than the mirror's history, the range before it
// is read; later, nothing is removed. Two simulated accounts (seeds 42 and 7) stand for two
// PagerDuty accounts: each seed has its own subdomain.
const DAY = 24 * 3600 * 1000;
const logger = createLogger('silent');

async function countIncidents(handle: Db): Promise<number> {
  const row = await handle.db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`one account per mirror, one since rule, on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    let first: { account: SimulatedAccount; sim: RunningSimulator };
    let second: { account: SimulatedAccount; sim: RunningSimulator };
    const sync = (
      { account, sim }: { account: SimulatedAccount; sim: RunningSimulator },
      options: SyncOptions = {},
    ) =>
      runSync(
        {
          db: handle.db,
          client: testClient(sim.url),
          logger,
          clock: () => new Date(account.now + 1000),
        },
        options,
      );

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
      await migrateToLatest(handle.db);
      first = await startTestSimulator('small', { seed: 42 });
      second = await startTestSimulator('small', { seed: 7 });
    });
    afterAll(async () => {
      await first?.sim.close();
      await second?.sim.close();
      await handle?.destroy();
      await testDb?.drop();
    });

    it('records the account at the first sync; a later since reads no history before it', async () => {
      const since = new Date(SIM_NOW - 120 * DAY);
      const result = await sync(first, { since });
      expect(result.kind).toBe('full');
      expect(result.account).toEqual({ subdomain: 'sim-42', apiUrl: first.sim.url });
      expect(await findMirrorAccount(handle.db)).toEqual(result.account);
      expect(await findCursor(handle.db, 'full_sync_since')).toBe(since.toISOString());
      const inRange = first.account.incidents.count;
      expect(await countIncidents(handle)).toBeLessThan(inRange);

      const later = await sync(first, { since: new Date(SIM_NOW - 30 * DAY) });
      expect(later.kind).toBe('incremental');
      expect(later.history.backfilled).toBeUndefined();
      expect(later.history.note).toMatch(/already starts at .*nothing removed/);
      expect(await findCursor(handle.db, 'full_sync_since')).toBe(since.toISOString());
    });

    it('backfills the range before the history when since is earlier, then holds it all', async () => {
      const before = await countIncidents(handle);
      const since = new Date(SIM_NOW - 500 * DAY);
      const result = await sync(first, { since });
      expect(result.kind).toBe('incremental');
      expect(result.history.backfilled).toBe(true);
      expect(result.history.note).toContain('backfill');
      expect(await countIncidents(handle)).toBeGreaterThan(before);
      expect(await findCursor(handle.db, 'full_sync_since')).toBe(since.toISOString());
      await expectMirrorEqualsTruth(handle, accountTruth(first.account));
      // The backfilled log entries came with their channels: every interruption is there.
      const zones = new Map(first.account.liveUsers().map((u) => [u.id, u.time_zone]));
      const truth = metricsTruth(first.account, (u) => zones.get(u) ?? 'UTC');
      const stored = await handle.db
        .selectFrom('incident_metrics')
        .select((eb) => eb.fn.sum<number>('interruption_count').as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(truth.reduce((n, t) => n + t.interruptions.length, 0));
    });

    it('stops a sync of another account, naming both, and writes nothing of it', async () => {
      const before = await countIncidents(handle);
      const error = await sync(second).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccountMismatchError);
      expect((error as Error).message).toContain(`sim-42 (${first.sim.url})`);
      expect((error as Error).message).toContain(`sim-7 (${second.sim.url})`);
      expect((error as Error).message).toContain('--fresh');
      expect(await countIncidents(handle)).toBe(before);
      expect((await findMirrorAccount(handle.db))?.subdomain).toBe('sim-42');
    });

    it('refuses it the same way through the service behind POST /sync and serve --sync-every', async () => {
      const service = inProcessSyncService({
        db: handle.db,
        logger,
        createClient: () => testClient(second.sim.url),
        clock: () => new Date(second.account.now + 1000),
      });
      await expect(service.start({ mode: 'auto' })).rejects.toBeInstanceOf(AccountMismatchError);
      await service.stop();
    });

    it('knows the account by its subdomain, not by the port it is read through', async () => {
      const moved = await startTestSimulator('small', { account: first.account });
      try {
        const result = await sync({ account: first.account, sim: moved.sim });
        expect(result.kind).toBe('incremental');
        expect(await findMirrorAccount(handle.db)).toEqual({
          subdomain: 'sim-42',
          apiUrl: moved.sim.url,
        });
      } finally {
        await moved.sim.close();
      }
    });

    it('wipes the mirror and mirrors the other account with fresh, nothing of the first left', async () => {
      const result = await sync(second, { fresh: true, since: new Date(SIM_NOW - 500 * DAY) });
      expect(result.kind).toBe('full');
      expect(await findMirrorAccount(handle.db)).toEqual({
        subdomain: 'sim-7',
        apiUrl: second.sim.url,
      });
      await expectMirrorEqualsTruth(handle, accountTruth(second.account));
    });
  });
}
