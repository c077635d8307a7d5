import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { runCliProcess, startCliProcess } from '../helpers/run-cli.js';
import { SIM_TOKEN, startTestSimulator } from '../helpers/simulator-fixture.js';

// A new user's first day, through the built CLI as they would run it: a port already taken, a
// second account synced into the first one's mirror, a backup taken while the server runs.
const ADMIN_TOKEN = 'first-day-admin-token';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-first-day-'));

/** Holds a port as another program would; resolves with it. */
async function takePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return { port, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a busy port', () => {
  let held: { port: number; release: () => Promise<void> };
  beforeAll(async () => {
    held = await takePort();
  });
  afterAll(async () => held?.release());

  it.each([
    ['serve', ['serve', '--port'], '--port or PORT'],
    ['demo', ['demo', '--simulator-port', '0', '--port'], '--port or PORT'],
    [
      'demo --simulator-port',
      ['demo', '--port', '0', '--simulator-port'],
      '--simulator-port (0 picks a free one)',
    ],
    ['simulate', ['simulate', '--port'], '--port (0 picks a free one)'],
  ])('stops %s at once with one line naming the port', async (_name, args, chosenBy) => {
    const started = Date.now();
    const result = await runCliProcess([...args, String(held.port)], {
      DATABASE_URL: `sqlite:${path.join(dir, 'busy.db')}`,
      LOG_LEVEL: 'warn',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `pd-analytics: port ${held.port} on 127.0.0.1 is in use by another program: stop it, or choose another port with ${chosenBy}`,
    ]);
    // "At once": no retries, no waiting for a sync (the demo's takes longer than this).
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('two accounts, one mirror, and a backup while serving', () => {
  let first: { account: SimulatedAccount; sim: RunningSimulator };
  let second: { account: SimulatedAccount; sim: RunningSimulator };
  const file = path.join(dir, 'mirror.db');
  const env = (sim: RunningSimulator): Record<string, string> => ({
    DATABASE_URL: `sqlite:${file}`,
    PAGERDUTY_API_URL: sim.url,
    PAGERDUTY_TOKEN: SIM_TOKEN,
    PAGERDUTY_RATE_LIMIT: '100000',
  });
  beforeAll(async () => {
    first = await startTestSimulator('small', { seed: 42 });
    second = await startTestSimulator('small', { seed: 7 });
  });
  afterAll(async () => {
    await first?.sim.close();
    await second?.sim.close();
  });

  it('syncs the first account fully, with an estimate of its cost', async () => {
    const result = await runCliProcess(['sync'], env(first.sim), 120_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(full) succeeded');
    expect(result.stdout).toContain(`account sim-42 (${first.sim.url}); full sync`);
    expect(result.stdout).toMatch(
      /full sync of the whole history: back to \S+; 600 incidents: about \d+ requests, a minute or less at 100000 requests\/min/,
    );
  });

  it('stops a sync of a second account with exit 2 and one line naming both', async () => {
    const result = await runCliProcess(['sync'], env(second.sim), 60_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `pd-analytics: this mirror holds the PagerDuty account sim-42 (${first.sim.url}), not sim-7 (${second.sim.url}): use another DATABASE_URL, or sync --fresh to wipe the mirror and sync the new account`,
    ]);
  });

  it('refuses an impossible --since with exit 2, naming the option and the value', async () => {
    const result = await runCliProcess(['sync', '--since', '2026-02-30'], env(first.sim));
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "pd-analytics: --since: '2026-02-30' is not a real calendar date; use an ISO date such as 2026-01-01 or date-time such as 2026-01-01T00:00:00Z",
    );
  });

  it('fails at once, without retries, when PagerDuty cannot be reached', async () => {
    // A refused connection, the same on every machine: an unknown host (ENOTFOUND) takes the
    // same path, but where no resolver answers (a container without DNS) the lookup itself hangs.
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const started = Date.now();
    const result = await runCliProcess(['sync'], {
      ...env(first.sim),
      PAGERDUTY_API_URL: `http://127.0.0.1:${closed}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `pd-analytics: PagerDuty GET /users failed: cannot reach 127.0.0.1:${closed}: connection refused (ECONNREFUSED); check PAGERDUTY_API_URL and the network`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('backs the mirror up while the server runs: the copy counts what the API answers', async () => {
    const server = await startCliProcess(
      ['serve', '--port', '0'],
      { ...env(first.sim), HOST: '0.0.0.0', ADMIN_TOKEN },
      'Health:',
    );
    try {
      // Listening on every interface, it prints an address a browser can open.
      expect(server.stdout()).not.toContain('//0.0.0.0');
      const api = /API:\s+(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(server.stdout())?.[1];
      expect(api).toBeDefined();
      const backup = path.join(dir, 'backups', 'copy.db');
      const result = await runCliProcess(['backup', backup], env(first.sim));
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`to ${backup}`);

      const copy = new BetterSqlite3(backup, { readonly: true });
      const count = (table: string) =>
        (copy.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      const read = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
      const byStatus = (await (await fetch(`${api}/api/v1/incidents/by-status`, read)).json()) as {
        total: number;
      };
      const services = (await (await fetch(`${api}/api/v1/services/count`, read)).json()) as {
        count: number;
      };
      expect(count('incidents')).toBe(byStatus.total);
      expect(byStatus.total).toBe(first.account.incidents.count);
      expect(
        (
          copy.prepare('select count(*) as n from services where deleted_at is null').get() as {
            n: number;
          }
        ).n,
      ).toBe(services.count);
      copy.close();

      // The same date rule over HTTP: a query string and a request body.
      const query = await fetch(`${api}/api/v1/incidents/by-status?since=2026-02-30`, read);
      expect(query.status).toBe(400);
      expect(((await query.json()) as { error: { message: string } }).error.message).toBe(
        "invalid querystring parameter 'since': '2026-02-30' is not a real calendar date; use an ISO date such as 2026-01-01 or date-time such as 2026-01-01T00:00:00Z",
      );
      const body = await fetch(`${api}/api/v1/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ since: '2026-02-30' }),
      });
      expect(body.status).toBe(400);
      expect(((await body.json()) as { error: { message: string } }).error.message).toContain(
        "invalid body parameter 'since': '2026-02-30' is not a real calendar date",
      );

      const again = await runCliProcess(['backup', backup], env(first.sim));
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('exists');
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'close');
    }
  });

  it('names the native tools for a server database', async () => {
    const result = await runCliProcess(['backup', path.join(dir, 'x.sql')], {
      DATABASE_URL: 'mysql://pd@db.example:3306/pd_analytics',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'mysqldump --single-transaction --host db.example --port 3306 --user pd -p pd_analytics > FILE.sql',
    );
  });
});
