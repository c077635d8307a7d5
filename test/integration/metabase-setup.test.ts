import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/db/database-url.js';
import { MetabaseApiError, MetabaseClient } from '../../src/metabase/metabase-client.js';
import { metabaseDatabase } from '../../src/metabase/metabase-database.js';
import { QUESTIONS, setupMetabase } from '../../src/metabase/metabase-setup.js';
import { startMetabaseStandIn, type StandIn } from '../helpers/metabase-stand-in.js';
import { runCliProcess } from '../helpers/run-cli.js';

/** Metabase's default rule: at least 6 characters, a digit, not a common password. */
const ADMIN = { email: 'admin@example.com', password: 'pd-analytics-admin-7' };
const DATABASE = metabaseDatabase(
  parseDatabaseUrl('postgres://metabase_ro:db-secret@127.0.0.1:5432/pd'),
);
const login = (mb: StandIn, who = ADMIN) =>
  new MetabaseClient(mb.url, { username: who.email, password: who.password });
const writes = (mb: StandIn) => mb.calls.filter((c) => !c.startsWith('GET '));

/** A clock and a sleep that only move when asked, so no test waits for real. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('pd-analytics metabase setup (against a stand-in of Metabase)', () => {
  it('sets up a brand-new Metabase, then updates in place when run again', async () => {
    const mb = await startMetabaseStandIn({ version: 'v0.50.3' });
    try {
      const first = await setupMetabase(login(mb), {
        database: DATABASE,
        admin: ADMIN,
      });
      expect(first.created).toEqual(
        expect.arrayContaining([
          'admin user',
          `database ${first.databaseId}`,
          `collection ${first.collectionId}`,
          `dashboard ${first.dashboardId}`,
        ]),
      );
      expect(first.cardIds).toHaveLength(QUESTIONS.length);
      const db = mb.state.databases.find((d) => d.id === first.databaseId);
      expect(db).toMatchObject({
        name: 'pd-analytics',
        engine: 'postgres',
        details: { host: '127.0.0.1', dbname: 'pd', user: 'metabase_ro' },
      });
      const card = mb.state.cards[0];
      expect(card).toMatchObject({
        collection_id: first.collectionId,
        dataset_query: { type: 'native', database: first.databaseId },
      });
      const dashboard = mb.state.dashboards[0];
      expect(dashboard?.dashcards.map((d) => d.card_id)).toEqual(first.cardIds);
      for (const d of dashboard?.dashcards ?? []) expect(d.col + d.size_x).toBeLessThanOrEqual(24);
      expect(mb.calls).toContain('POST /api/database/' + first.databaseId + '/sync_schema');

      const dashcardIds = dashboard?.dashcards.map((d) => d.id);
      const counts = () => [
        mb.state.databases.length,
        mb.state.collections.length,
        mb.state.cards.length,
        mb.state.dashboards.length,
      ];
      const before = counts();
      const second = await setupMetabase(login(mb), {
        database: DATABASE,
        admin: ADMIN,
      });
      expect(counts()).toEqual(before);
      expect(second.created).toEqual([]);
      expect(second.cardIds).toEqual(first.cardIds);
      expect(mb.state.dashboards[0]?.dashcards.map((d) => d.id)).toEqual(dashcardIds);
    } finally {
      await mb.close();
    }
  });

  it('works with an API key', async () => {
    const mb = await startMetabaseStandIn({
      version: 'v1.52.0',
      admin: ADMIN,
      apiKey: 'mb_secretkey',
    });
    try {
      const result = await setupMetabase(new MetabaseClient(mb.url, { apiKey: 'mb_secretkey' }), {
        database: DATABASE,
      });
      expect(result.cardIds).toHaveLength(QUESTIONS.length);
      expect(mb.calls).not.toContain('POST /api/session');
    } finally {
      await mb.close();
    }
  });

  it.each([
    ['v0.47.2', 'PUT /api/dashboard/ID/cards'],
    ['v0.46.6', 'POST /api/dashboard/ID/cards'],
  ])('lays out the dashboard the way Metabase %s takes it', async (version, call) => {
    const mb = await startMetabaseStandIn({ version, admin: ADMIN });
    try {
      const result = await setupMetabase(login(mb), { database: DATABASE });
      expect(mb.calls).toContain(call.replace('ID', String(result.dashboardId)));
      expect(mb.state.dashboards[0]?.dashcards).toHaveLength(QUESTIONS.length);
      const grid = version === 'v0.46.6' ? 18 : 24;
      for (const d of mb.state.dashboards[0]?.dashcards ?? [])
        expect(d.col + d.size_x).toBeLessThanOrEqual(grid);
      // Again: no duplicate dashcards.
      await setupMetabase(login(mb), { database: DATABASE });
      expect(mb.state.dashboards[0]?.dashcards).toHaveLength(QUESTIONS.length);
    } finally {
      await mb.close();
    }
  });

  it('fails with a clear message and no secret on a wrong password or an unreachable database', async () => {
    const mb = await startMetabaseStandIn({ admin: ADMIN });
    try {
      const wrong = setupMetabase(login(mb, { ...ADMIN, password: 'not-the-password-1' }), {
        database: DATABASE,
      });
      await expect(wrong).rejects.toBeInstanceOf(MetabaseApiError);
      await expect(wrong).rejects.toThrow('did not match stored password');
      await expect(wrong).rejects.not.toThrow('not-the-password-1');
      const far = metabaseDatabase(parseDatabaseUrl('mysql://ro:db-secret@db.internal:3306/pd'));
      const unreachable = setupMetabase(login(mb), { database: far });
      await expect(unreachable).rejects.toThrow("Host 'db.internal' is not reachable");
      await expect(unreachable).rejects.not.toThrow('db-secret');
    } finally {
      await mb.close();
    }
  });

  it('waits, bounded, while Metabase refuses connections and then initialises', async () => {
    const port = await freePort();
    let mb: StandIn | undefined;
    const time = fakeTime();
    const lines: string[] = [];
    try {
      // Nothing listens on the port for the first two polls, then Metabase starts and answers
      // 503 "initializing" three times.
      const sleep = async (ms: number) => {
        await time.sleep(ms);
        if (time.slept.length === 2)
          mb = await startMetabaseStandIn({
            port,
            startingFor: 3,
            admin: ADMIN,
          });
      };
      const client = new MetabaseClient(`http://127.0.0.1:${port}`, {
        username: ADMIN.email,
        password: ADMIN.password,
      });
      const result = await setupMetabase(client, {
        database: DATABASE,
        wait: { timeoutMs: 60_000, intervalMs: 2_000, now: time.now, sleep },
        log: (line) => lines.push(line),
      });
      expect(result.cardIds).toHaveLength(QUESTIONS.length);
      expect(time.slept).toEqual([2_000, 2_000, 2_000, 2_000, 2_000]);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^waiting for Metabase to start: not answering/),
          'waiting for Metabase to start: initializing 50%',
        ]),
      );
      expect(mb?.calls.filter((c) => c === 'GET /api/health')).toHaveLength(4);
    } finally {
      await mb?.close();
    }
  });

  it('gives up after the bound when Metabase never becomes ready', async () => {
    const mb = await startMetabaseStandIn({ startingFor: 1_000, admin: ADMIN });
    const time = fakeTime();
    try {
      const never = setupMetabase(login(mb), {
        database: DATABASE,
        wait: {
          timeoutMs: 30_000,
          intervalMs: 4_000,
          now: time.now,
          sleep: time.sleep,
        },
      });
      await expect(never).rejects.toThrow(/not ready after 30 s \(last: initializing 50%\)/);
      expect(time.slept.reduce((a, b) => a + b, 0)).toBe(30_000);
      expect(mb.calls.every((c) => c === 'GET /api/health')).toBe(true);
    } finally {
      await mb.close();
    }
  });

  it('stops at once when the URL answers, but not as Metabase', async () => {
    // A web server that is not Metabase: a page for every path.
    const other = http.createServer((_req, res) => res.end('<html>Welcome</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const time = fakeTime();
    try {
      const { port } = other.address() as net.AddressInfo;
      const client = new MetabaseClient(`http://127.0.0.1:${port}`, { apiKey: 'mb_key' });
      const wrong = setupMetabase(client, {
        database: DATABASE,
        wait: { now: time.now, sleep: time.sleep },
      });
      await expect(wrong).rejects.toThrow(/answered 200: this does not look like Metabase/);
      expect(time.slept).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it("states Metabase's password rule when it refuses the first admin's password, without the password", async () => {
    for (const password of ['a-long-unique-password', 'ab1', 'Password1']) {
      const mb = await startMetabaseStandIn();
      try {
        const refused = setupMetabase(login(mb, { ...ADMIN, password }), {
          database: DATABASE,
          admin: { ...ADMIN, password },
        });
        await expect(refused).rejects.toThrow(
          /password was refused \(password is too common\.\): Metabase requires at least 6 characters including a digit, and not a common password/,
        );
        await expect(refused).rejects.not.toThrow(password);
        expect(mb.state.databases.filter((d) => !d.is_sample)).toEqual([]);
      } finally {
        await mb.close();
      }
    }
  });

  it('checks that the user is an admin before it changes anything', async () => {
    const member = {
      email: 'analyst@example.com',
      password: 'analyst-password-3',
    };
    const mb = await startMetabaseStandIn({
      admin: ADMIN,
      members: [member],
      apiKey: 'mb_notadmin',
      apiKeyIsAdmin: false,
    });
    try {
      const asMember = setupMetabase(login(mb, member), { database: DATABASE });
      await expect(asMember).rejects.toThrow(
        'Metabase user analyst@example.com is not a Metabase admin',
      );
      const asKey = setupMetabase(new MetabaseClient(mb.url, { apiKey: 'mb_notadmin' }), {
        database: DATABASE,
      });
      await expect(asKey).rejects.toThrow(/API key's user is not a Metabase admin/);
      await expect(asKey).rejects.not.toThrow('mb_notadmin');
      expect(writes(mb)).toEqual(['POST /api/session']);
    } finally {
      await mb.close();
    }
  });

  it('runs from the CLI and exits 2 without credentials', async () => {
    const mb = await startMetabaseStandIn({ version: 'v0.55.1', admin: ADMIN });
    try {
      const env = {
        DATABASE_URL: 'postgres://ro:db-secret@127.0.0.1:5432/pd',
        METABASE_PASSWORD: ADMIN.password,
      };
      const ok = await runCliProcess(
        ['metabase', 'setup', '--url', mb.url, '--user', ADMIN.email],
        env,
      );
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`${mb.url}/dashboard/`);
      expect(ok.stdout).not.toContain('db-secret');
      const missing = await runCliProcess(['metabase', 'setup', '--url', mb.url], {
        DATABASE_URL: 'sqlite::memory:',
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--user');
      const wait = await runCliProcess(
        ['metabase', 'setup', '--url', mb.url, '--user', ADMIN.email, '--wait', 'soon'],
        env,
      );
      expect(wait.code).toBe(2);
      expect(wait.stderr).toContain('--wait');
    } finally {
      await mb.close();
    }
  });

  it('registers a SQLite file given by a relative path, and refuses what Metabase cannot open', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-mb-'));
    const file = path.join(dir, 'pd.db');
    new Database(file).exec('CREATE TABLE t (x INTEGER)').close();
    const mb = await startMetabaseStandIn({ admin: ADMIN });
    try {
      const env = { METABASE_PASSWORD: ADMIN.password };
      const args = ['metabase', 'setup', '--url', mb.url, '--user', ADMIN.email];
      // The CLI runs in this process's working directory; Metabase in its own.
      const relative = path.relative(process.cwd(), file);
      const ok = await runCliProcess(args, {
        ...env,
        DATABASE_URL: `sqlite:${relative}`,
      });
      expect(ok.stderr).toBe('');
      expect(mb.state.databases.find((d) => d.engine === 'sqlite')?.details).toEqual({ db: file });

      const memory = await runCliProcess(args, {
        ...env,
        DATABASE_URL: 'sqlite::memory:',
      });
      expect(memory.code).toBe(2);
      expect(memory.stderr).toContain('in-memory SQLite');
      const elsewhere = await runCliProcess(
        ['metabase', 'setup', '--url', 'http://metabase.internal:3000', '--user', ADMIN.email],
        { ...env, DATABASE_URL: `sqlite:${relative}` },
      );
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toContain('--sqlite-path');
    } finally {
      await mb.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
