import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { accountTruth } from '../../src/simulator/account-truth.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { expectMirrorEqualsTruth } from '../helpers/mirror-assertions.js';
import { CLI_PATH, runCliProcess } from '../helpers/run-cli.js';
import { SIM_TOKEN, startTestSimulator } from '../helpers/simulator-fixture.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js';

describe('a sync killed with SIGKILL mid-run', () => {
  let account: SimulatedAccount;
  let sim: RunningSimulator;
  let testDb: TestDatabase;
  beforeAll(async () => {
    // Latency stretches the run so that the kill lands inside the incident backfill.
    ({ account, sim } = await startTestSimulator('small', { faults: { latencyMs: 40 } }));
    testDb = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await sim?.close();
    await testDb?.drop();
  });

  it('is completed by the next run, which ends with a correct database', async () => {
    if (testDb.target.dialect !== 'sqlite') throw new Error('sqlite expected');
    const env = {
      DATABASE_URL: `sqlite:${testDb.target.path}`,
      PAGERDUTY_API_URL: sim.url,
      PAGERDUTY_TOKEN: SIM_TOKEN,
      PAGERDUTY_RATE_LIMIT: '100000',
    };
    const child = spawn(process.execPath, [CLI_PATH, 'sync', '--since', '2025-01-01'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: 'ignore',
    });
    const reader: Db = createDb(testDb.target);
    let incidentsAtKill = 0;
    try {
      // Kill as soon as some incidents are stored: the backfill is under way.
      for (let i = 0; i < 600 && incidentsAtKill === 0; i += 1) {
        await new Promise((r) => setTimeout(r, 25));
        try {
          const row = await reader.db
            .selectFrom('incidents')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirst();
          incidentsAtKill = Number(row?.n ?? 0);
        } catch {
          // The tables do not exist until the child has migrated.
        }
      }
      child.kill('SIGKILL');
      await once(child, 'close');
      expect(incidentsAtKill).toBeGreaterThan(0);
      expect(incidentsAtKill).toBeLessThan(account.incidents.count);
      const killed = await reader.db.selectFrom('sync_runs').selectAll().executeTakeFirstOrThrow();
      expect(killed.status).toBe('running');

      const second = await runCliProcess(['sync'], env, 60_000);
      expect(second.stderr).not.toContain('pd-analytics:');
      expect(second.code).toBe(0);
      // The interrupted full sync is resumed (not restarted as incremental) and completes it.
      expect(second.stdout).toContain('(full) succeeded');
      const runs = await reader.db
        .selectFrom('sync_runs')
        .select(['id', 'status', 'error'])
        .orderBy('started_at')
        .execute();
      expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
      expect(runs[0]?.error).toContain('interrupted');
      await expectMirrorEqualsTruth(reader, accountTruth(account));
      console.log(
        `killed with ${incidentsAtKill} of ${account.incidents.count} incidents stored; the next run completed the mirror`,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await reader.destroy();
    }
  }, 90_000);
});
