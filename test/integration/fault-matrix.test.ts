import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/api/server.js';
import { parseConfig } from '../../src/config.js';
import { createDb } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import { accountTruth } from '../../src/simulator/account-truth.js';
import type { FaultOptions } from '../../src/simulator/simulator-server.js';
import { runSync } from '../../src/sync/sync-engine.js';
import { expectMirrorEqualsTruth } from '../helpers/mirror-assertions.js';
import { rawRequest } from '../helpers/raw-http.js';
import { CLI_PATH, runCliProcess } from '../helpers/run-cli.js';
import {
  SIM_NOW,
  SIM_TOKEN,
  startTestSimulator,
  testClient,
} from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  TEST_POSTGRES_URL,
  type TestDatabase,
} from '../helpers/test-databases.js';

// What faults do to a sync, each on its own: PagerDuty's misbehaviours (429 storms with and
// without their headers, 5xx bursts, dropped connections, truncated bodies), and the process
// killed with SIGKILL between pages and inside a write transaction. After each, the mirror must
// equal the generator's truth (after one plain sync, for the kills). Bounded: about a minute.

const DAY = 24 * 3600 * 1000;
const SINCE = new Date(SIM_NOW - 500 * DAY);

describe('a sync under each fault', () => {
  const faults: [string, FaultOptions][] = [
    ['429 storm with rate-limit headers', { rate429: 0.35, bare429Share: 0 }],
    ['429 storm without headers or body', { rate429: 0.35, bare429Share: 1 }],
    ['5xx bursts', { burst5xx: { every: 40, length: 5 } }],
    ['dropped connections', { rateDrop: 0.15 }],
    ['truncated bodies', { rateTruncate: 0.15 }],
    [
      'all at once, with latency',
      { rate429: 0.1, rate5xx: 0.05, rateDrop: 0.05, rateTruncate: 0.05, latencyMs: 5 },
    ],
  ];

  it.each(faults)(
    '%s: ends with the mirror equal to the account',
    async (name, fault) => {
      const testDb = await createTestDatabase('sqlite');
      const handle = createDb(testDb.target);
      const { account, sim } = await startTestSimulator('small', { faults: fault, faultSeed: 7 });
      try {
        await migrateToLatest(handle.db);
        const client = testClient(sim.url, { maxRetries: 12 });
        const result = await runSync(
          {
            db: handle.db,
            client,
            logger: createLogger('silent'),
            clock: () => new Date(account.now + 1000),
          },
          { since: SINCE, mode: 'full' },
        );
        await expectMirrorEqualsTruth(handle, accountTruth(account));
        console.log(
          `fault "${name}": ${result.requests} requests, ${result.retries} retries, ${result.rateLimited} rate-limited; simulator injected ${sim.stats.faults} faults`,
        );
        expect(result.retries).toBeGreaterThan(0);
      } finally {
        await sim.close();
        await handle.destroy();
        await testDb.drop();
      }
    },
    60_000,
  );
});

/** Whether the sync process is inside a write transaction right now, and how many incidents are stored. */
interface Probe {
  inTransaction(): Promise<boolean>;
  incidents(): Promise<number>;
  close(): Promise<void>;
}

function sqliteProbe(file: string): Probe {
  let db: Database.Database | undefined;
  // timeout 0: a busy file answers SQLITE_BUSY at once instead of waiting for the lock.
  const open = () => (db ??= new Database(file, { fileMustExist: true, timeout: 0 }));
  return {
    async inTransaction() {
      try {
        // The sync's transactions begin immediate: while one is open, this cannot start.
        open().exec('begin immediate');
        open().exec('rollback');
        return false;
      } catch (error) {
        if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
        throw error;
      }
    },
    async incidents() {
      try {
        const row = open().prepare('select count(*) as n from incidents').get() as { n: number };
        return row.n;
      } catch {
        return 0; // Not migrated yet.
      }
    },
    async close() {
      db?.close();
    },
  };
}

function postgresProbe(database: string): Probe {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  const connected = client.connect();
  return {
    async inTransaction() {
      await connected;
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid() and xact_start is not null
           and backend_xid is not null`,
        [database],
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
    async incidents() {
      await connected;
      const other = new pg.Client({
        connectionString: TEST_POSTGRES_URL.replace(/\/[^/]*$/, `/${database}`),
      });
      await other.connect();
      try {
        const { rows } = await other.query<{ n: string }>('select count(*) as n from incidents');
        return Number(rows[0]?.n ?? 0);
      } catch {
        return 0;
      } finally {
        await other.end();
      }
    },
    async close() {
      await connected;
      await client.end();
    },
  };
}

async function killWhen(
  child: ChildProcess,
  probe: Probe,
  point: 'between pages' | 'inside a transaction',
): Promise<number> {
  for (let i = 0; i < 4000; i += 1) {
    if ((await probe.incidents()) > 0) {
      const inside = await probe.inTransaction();
      if (inside === (point === 'inside a transaction')) {
        child.kill('SIGKILL');
        await once(child, 'close');
        return probe.incidents();
      }
    }
    if (child.exitCode !== null) throw new Error('the sync ended before the kill');
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`never saw the sync ${point}`);
}

for (const { dialect, available } of await dialectsUnderTest()) {
  if (dialect === 'mysql') continue;
  describe.skipIf(!available)(`a sync killed with SIGKILL on ${dialect}`, () => {
    it.each(['between pages', 'inside a transaction'] as const)(
      'killed %s, is completed by the next plain sync, with the database intact',
      async (point) => {
        // Latency stretches the run so that the kill lands inside the incident backfill.
        const { account, sim } = await startTestSimulator('small', { faults: { latencyMs: 25 } });
        const testDb: TestDatabase = await createTestDatabase(dialect);
        const url =
          testDb.target.dialect === 'sqlite' ? `sqlite:${testDb.target.path}` : testDb.target.url;
        const env = {
          DATABASE_URL: url,
          PAGERDUTY_API_URL: sim.url,
          PAGERDUTY_TOKEN: SIM_TOKEN,
          PAGERDUTY_RATE_LIMIT: '100000',
        };
        const probe =
          testDb.target.dialect === 'sqlite'
            ? sqliteProbe(testDb.target.path)
            : postgresProbe(new URL(testDb.target.url).pathname.slice(1));
        const child = spawn(
          process.execPath,
          [CLI_PATH, 'sync', '--since', SINCE.toISOString().slice(0, 10)],
          {
            env: { PATH: process.env['PATH'] ?? '', ...env },
            stdio: 'ignore',
          },
        );
        try {
          const stored = await killWhen(child, probe, point);
          const atKill = createDb(testDb.target);
          try {
            // Killed mid-run: the run was still recorded as running.
            const run = await atKill.db.selectFrom('sync_runs').select('status').executeTakeFirst();
            expect(run?.status).toBe('running');
          } finally {
            await atKill.destroy();
          }
          if (testDb.target.dialect === 'sqlite') {
            const file = new Database(testDb.target.path);
            expect(file.pragma('integrity_check', { simple: true })).toBe('ok');
            file.close();
          }
          const next = await runCliProcess(['sync'], env, 60_000);
          expect(next.stderr).not.toContain('pd-analytics:');
          expect(next.code).toBe(0);
          const reader = createDb(testDb.target);
          try {
            await expectMirrorEqualsTruth(reader, accountTruth(account));
            const runs = await reader.db
              .selectFrom('sync_runs')
              .select(['status', 'error'])
              .orderBy('started_at')
              .execute();
            expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
            expect(runs[0]?.error).toContain('interrupted');
          } finally {
            await reader.destroy();
          }
          console.log(
            `${dialect}: killed ${point} with ${stored} of ${account.incidents.count} incidents stored; the next sync completed the mirror`,
          );
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
          await probe.close();
          await sim.close();
          await testDb.drop();
        }
      },
      90_000,
    );
  });
}

describe('a CSV download cut off by its client', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-cut-'));
    const { account, sim } = await startTestSimulator('small');
    const file = path.join(dir, 'cut.db');
    const handle = createDb({ dialect: 'sqlite', path: file });
    await migrateToLatest(handle.db);
    await runSync(
      {
        db: handle.db,
        client: testClient(sim.url),
        logger: createLogger('silent'),
        clock: () => new Date(account.now + 1000),
      },
      { since: SINCE },
    );
    await handle.destroy();
    await sim.close();
    server = await startServer(
      parseConfig({ DATABASE_URL: `sqlite:${file}`, PORT: '0' }),
      createLogger('silent'),
    );
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the server serving, downloads included', async () => {
    const port = Number(new URL(server.url).port);
    for (let i = 0; i < 5; i += 1) {
      // Read the first bytes of the report, then hang up.
      await new Promise<void>((resolve, reject) => {
        const socket = (async () => (await import('node:net')).connect(port, '127.0.0.1'))();
        void socket.then((s) => {
          s.on('error', reject);
          s.write(`GET /api/v1/reports/incidents HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
          s.once('data', () => {
            s.destroy();
            resolve();
          });
        });
      });
    }
    expect((await rawRequest(port, '/api/v1/health')).status).toBe(200);
    const whole = await fetch(`${server.url}/api/v1/reports/incidents`);
    expect(whole.status).toBe(200);
    expect((await whole.text()).trim().split('\n').length).toBeGreaterThan(1);
  });
});
