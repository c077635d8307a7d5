import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/api/server.js';
import { parseConfig } from '../../src/config.js';
import { createDb } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { upsertRows } from '../../src/db/repositories/table-writer.js';
import { createLogger } from '../../src/logger.js';
import { signPagerDutyBody } from '../../src/sync/webhook-signature.js';
import { rawRequest } from '../helpers/raw-http.js';
import { CLI_PATH } from '../helpers/run-cli.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';

const API_TOKEN = 'read-token-0123456789';
const ADMIN_TOKEN = 'admin-token-0123456789';
const SECRET = 'webhook-secret-abcdef';

async function listen(testApp: TestApp): Promise<number> {
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  const address = testApp.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return address.port;
}

describe('the read token', () => {
  let testApp: TestApp;
  let port: number;
  beforeAll(async () => {
    testApp = await createTestApp({
      config: { apiToken: API_TOKEN, adminToken: ADMIN_TOKEN, webhookSecret: SECRET },
    });
    port = await listen(testApp);
  });
  afterAll(() => testApp.close());

  // Every spelling of a guarded path that once reached a route, and the ones that must not.
  it.each([
    '/api/v1/services/count',
    '/%61pi/v1/services/count',
    '/api/%761/services/count',
    '/%61%70%69/%76%31/services/count',
    '/api/v1/services/%63ount',
    '/api/v1/reports/incidents',
    '/%61pi/v1/reports/incidents',
    '/%61pi/v1/users/inactive',
    '/api/v1/no-such-route',
    '/%61pi/v1/no-such-route',
  ])('is required on %s however the path is spelled', async (target) => {
    const res = await rawRequest(port, target);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('"count"');
  });

  it.each([
    'http://127.0.0.1/api/v1/services/count',
    'http://evil.example/api/v1/users/inactive',
    'https://127.0.0.1/api/v1/reports/incidents',
  ])('refuses the absolute-form target %s', async (target) => {
    const res = await rawRequest(port, target);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('invalid_request_target');
  });

  it.each([
    '//api/v1/services/count',
    '/api//v1/services/count',
    '/api/v1/../v1/services/count',
    '/api/v1/./services/count',
    '/api/v1/%2e%2e/v1/services/count',
    '/API/v1/services/count',
    '/Api/V1/services/count',
  ])('never answers data to %s', async (target) => {
    const res = await rawRequest(port, target);
    expect([400, 401, 404]).toContain(res.status);
    expect(res.body).not.toContain('"count"');
  });

  it('still opens health, the docs and the webhook, and reads with either token', async () => {
    expect((await rawRequest(port, '/api/v1/health')).status).toBe(200);
    expect((await rawRequest(port, '/%61pi/v1/health')).status).toBe(200);
    expect((await rawRequest(port, '/api/openapi.json')).status).toBe(200);
    const webhook = await rawRequest(port, '/api/v1/webhooks/pagerduty', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(webhook.status).toBe(401);
    expect(JSON.parse(webhook.body).error.message).toContain('X-PagerDuty-Signature');
    for (const token of [API_TOKEN, ADMIN_TOKEN]) {
      const res = await rawRequest(port, '/%61pi/v1/services/count', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
    }
  });
});

describe('loopback without tokens', () => {
  let testApp: TestApp;
  let port: number;
  beforeAll(async () => {
    testApp = await createTestApp({ config: { allowedHosts: ['pd.example.com'] } });
    port = await listen(testApp);
  });
  afterAll(() => testApp.close());

  it('answers only Host values that name this machine or ALLOWED_HOSTS (DNS rebinding)', async () => {
    for (const host of ['127.0.0.1', `127.0.0.1:${port}`, `localhost:${port}`, '[::1]:5000'])
      expect((await rawRequest(port, '/api/v1/services/count', { headers: { host } })).status).toBe(
        200,
      );
    expect(
      (await rawRequest(port, '/api/v1/services/count', { headers: { host: 'PD.example.com' } }))
        .status,
    ).toBe(200);
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1.evil.example', ''])
      for (const target of ['/', '/api/v1/services/count', '/api/v1/reports/incidents']) {
        const res = await rawRequest(port, target, { headers: { host } });
        expect(res.status, `${host} ${target}`).toBe(403);
      }
  });

  it('refuses cross-origin and body-less syncs that a web page could send', async () => {
    const post = (headers: Record<string, string>, body?: string) =>
      rawRequest(port, '/api/v1/sync', {
        method: 'POST',
        headers,
        ...(body === undefined ? {} : { body }),
      });
    const crossOrigin = await post(
      { origin: 'http://evil.example', 'content-type': 'application/json' },
      '{}',
    );
    expect(crossOrigin.status).toBe(403);
    expect(JSON.parse(crossOrigin.body).error.code).toBe('cross_origin_refused');
    expect((await post({ origin: 'null', 'content-type': 'application/json' }, '{}')).status).toBe(
      403,
    );
    expect(
      (await post({ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{}'))
        .status,
    ).toBe(403);
    const bodyless = await post({});
    expect(bodyless.status).toBe(415);
    expect(JSON.parse(bodyless.body).error.code).toBe('json_required');
    expect((await post({ 'content-type': 'text/plain' }, '{}')).status).toBe(415);
    // The dashboard's own request passes the guards (and finds no sync configured here).
    const own = await post(
      {
        origin: `http://127.0.0.1:${port}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      '{}',
    );
    expect(own.status).toBe(503);
  });

  it('warns at start-up when serving beyond loopback without API_TOKEN', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-sec-'));
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => lines.push(line) });
    const config = parseConfig({
      DATABASE_URL: `sqlite:${path.join(dir, 'open.db')}`,
      HOST: '0.0.0.0',
      PORT: '0',
      ADMIN_TOKEN,
    });
    const server = await startServer(config, logger);
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(lines.join('\n')).toContain('serving beyond loopback without API_TOKEN');
  });
});

describe('webhook replays', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp({ config: { webhookSecret: SECRET } });
  });
  afterAll(() => testApp.close());

  const send = (body: unknown, deliveryId: string) => {
    const raw = JSON.stringify(body);
    return testApp.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/pagerduty',
      headers: {
        'content-type': 'application/json',
        'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
        'x-webhook-id': deliveryId,
      },
      payload: raw,
    });
  };
  const event = (id: string, type: string, status: string, occurredAt: number) => ({
    event: {
      id,
      event_type: type,
      resource_type: 'incident',
      occurred_at: new Date(occurredAt).toISOString(),
      agent: null,
      data: {
        id: 'QREPLAY1',
        type: 'incident',
        number: 42,
        title: 'Replayed',
        status,
        urgency: 'high',
        created_at: new Date(occurredAt - 60_000).toISOString(),
        service: { id: 'PSVC1', type: 'service_reference' },
      },
    },
  });
  const status = async () =>
    (
      await testApp.db.db
        .selectFrom('incidents')
        .select('status')
        .where('id', '=', 'QREPLAY1')
        .executeTakeFirst()
    )?.status;

  it('applies a captured body once, whatever X-Webhook-Id it is sent with', async () => {
    const now = Date.now();
    const triggered = event('01JREPLAYTRIGGER', 'incident.triggered', 'triggered', now - 120_000);
    expect((await send(triggered, 'first-delivery')).json()).toEqual({ status: 'applied' });
    const resolved = event('01JREPLAYRESOLVE', 'incident.resolved', 'resolved', now - 60_000);
    expect((await send(resolved, 'second-delivery')).json()).toEqual({ status: 'applied' });
    expect(await status()).toBe('resolved');
    // The attacker re-sends the captured trigger with a fresh delivery id: nothing reopens.
    expect((await send(triggered, 'forged-delivery-id')).json()).toEqual({ status: 'duplicate' });
    expect(await status()).toBe('resolved');
  });

  it('does not apply events older than the window, and stores nothing for them', async () => {
    const old = event('01JREPLAYOLD', 'incident.triggered', 'triggered', Date.now() - 2 * 3600_000);
    expect((await send(old, 'late')).json()).toEqual({ status: 'stale' });
    expect(await status()).toBe('resolved');
    const delivery = await testApp.db.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('id', '=', '01JREPLAYOLD')
      .executeTakeFirst();
    expect(delivery).toBeUndefined();
  });
});

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`hostile input on ${dialect}`, () => {
    let testDb: TestDatabase;
    let testApp: TestApp;
    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      testApp = await createTestApp({ target: testDb.target, config: { webhookSecret: SECRET } });
    });
    afterAll(async () => {
      await testApp?.close();
      await testDb?.drop();
    });

    const signed = (raw: string, headers: Record<string, string> = {}) =>
      testApp.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/pagerduty',
        headers: {
          'content-type': 'application/json',
          'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
          ...headers,
        },
        payload: raw,
      });
    const incidentEvent = (id: string, data: Record<string, unknown>) =>
      JSON.stringify({
        event: {
          id,
          event_type: 'incident.triggered',
          resource_type: 'incident',
          occurred_at: new Date(Date.now() - 60_000).toISOString(),
          data: {
            id: 'QHOSTILE1',
            number: 7,
            status: 'triggered',
            created_at: new Date(Date.now() - 120_000).toISOString(),
            ...data,
          },
        },
      });

    it.each([
      ['status', { status: 'bogus' }],
      ['number', { number: 'x' }],
      ['number', { number: 1.5 }],
      ['teams', { teams: 'PT1' }],
      ['teams', { teams: [{ id: "x'; drop table incidents; --" }] }],
      ['id', { id: {} }],
      ['id', { id: 'Q\u0000NUL' }],
      ['urgency', { urgency: 'extreme' }],
      ['created_at', { created_at: 'yesterday' }],
      ['service', { service: 'PSVC1' }],
    ])('refuses a signed event with a malformed %s, storing nothing', async (field, data) => {
      const res = await signed(
        incidentEvent(`01JBAD${field}${String(Math.random()).slice(2, 8)}`, data),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error.parameter).toContain(field);
      expect(await testApp.db.db.selectFrom('incidents').select('id').execute()).toEqual([]);
      expect(await testApp.db.db.selectFrom('webhook_deliveries').select('id').execute()).toEqual(
        [],
      );
    });

    it('refuses an over-long X-Webhook-Id or event id with 400', async () => {
      const long = 'x'.repeat(200);
      expect((await signed(incidentEvent('01JOK', {}), { 'x-webhook-id': long })).statusCode).toBe(
        400,
      );
      expect((await signed(incidentEvent(long, {}))).statusCode).toBe(400);
    });

    it('still applies a well-formed event, and the by-status totals count it', async () => {
      expect((await signed(incidentEvent('01JGOOD', {}))).json()).toEqual({ status: 'applied' });
      const res = await testApp.app.inject({
        method: 'GET',
        url: '/api/v1/incidents?status=triggered',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().total).toBe(1);
    });

    it.each([
      '/services/P%00X',
      '/services/P%00X/incidents',
      '/incidents?service_id=P%00X',
      '/incidents?team_id=P%00X',
      '/incidents/by-status?service_id=P%00X',
      '/incidents/by-service?team_id=P%00X',
      '/incidents/by-service-status?service_id=P%00X',
      '/incidents/over-time?team_id=P%00X',
      '/services?service_id=P%00X',
      '/services/most-incidents?service_id=P%00X',
      '/services/chart?team_id=P%00X',
      '/teams?team_id=P%00X',
      '/sync/runs/P%00X',
      '/reports/incidents_status_count_by_service/P%00X',
      '/reports/incidents?service_id=P%00X',
    ])('answers 400 to a NUL byte in an id: %s', async (url) => {
      const res = await testApp.app.inject({ method: 'GET', url: `/api/v1${url}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_parameter');
    });
  });
}

describe('a large CSV download', () => {
  let dir: string;
  let testApp: TestApp;
  let port: number;
  const INCIDENTS = 100_000;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-csv-'));
    const target = { dialect: 'sqlite' as const, path: path.join(dir, 'big.db') };
    const fill = createDb(target);
    await migrateToLatest(fill.db);
    const now = new Date();
    await fill.db.transaction().execute(async (trx) => {
      const rows = Array.from({ length: INCIDENTS }, (_, i) => ({
        id: `Q${i}`,
        incident_number: i + 1,
        title: `Incident ${i}`,
        status: 'resolved',
        urgency: 'high',
        priority_id: null,
        service_id: `PS${i % 50}`,
        escalation_policy_id: null,
        created_at: new Date(now.getTime() - (INCIDENTS - i) * 60_000),
        updated_at: null,
        last_status_change_at: null,
        resolved_at: null,
        first_acknowledged_at: null,
        alert_count_all: 1,
        alert_count_triggered: 0,
        alert_count_resolved: 1,
        resolve_reason: null,
        incident_key: null,
        html_url: null,
        synced_at: now,
        deleted_at: null,
      }));
      await upsertRows(trx, 'incidents', rows);
    });
    await fill.destroy();
    testApp = await createTestApp({ target });
    port = await listen(testApp);
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the server answering other requests while it streams', async () => {
    const started = performance.now();
    // Four at once, as a team downloading the same report would.
    const downloads = [0, 1, 2, 3].map(() =>
      fetch(`http://127.0.0.1:${port}/api/v1/reports/incidents`).then(async (r) => {
        const text = await r.text();
        return { at: performance.now(), lines: text.split('\n').length };
      }),
    );
    // Let the download begin, then ask for health while it runs.
    await new Promise((r) => setTimeout(r, 100));
    const health: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      expect(res.status).toBe(200);
      health.push(performance.now() - t);
    }
    const healthDone = performance.now();
    const done = await Promise.all(downloads);
    for (const d of done) expect(d.lines).toBe(INCIDENTS + 2);
    const first = Math.min(...done.map((d) => d.at));
    console.log(
      `/health during four ${INCIDENTS.toLocaleString('en-US')}-row CSV downloads: ${health.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}; the first download took ${(first - started).toFixed(0)} ms`,
    );
    expect(healthDone).toBeLessThan(first);
  }, 120_000);
});

describe('start-up', () => {
  it('marks runs of a process that died interrupted, before any sync', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-runs-'));
    const file = path.join(dir, 'runs.db');
    const db = createDb({ dialect: 'sqlite', path: file });
    await migrateToLatest(db.db);
    const startedAt = new Date();
    await db.db
      .insertInto('sync_runs')
      .values({
        id: 'killed-run',
        kind: 'full',
        status: 'running',
        started_at: startedAt,
        heartbeat_at: startedAt,
        finished_at: null,
        counts: '{}',
        requests: 0,
        rate_limited: 0,
        retries: 0,
        error: null,
        // A process of this host that does not exist: what a SIGKILL leaves behind.
        owner: `${os.hostname()}:2147483646`,
      })
      .execute();
    await db.destroy();
    const server = await startServer(
      parseConfig({ DATABASE_URL: `sqlite:${file}`, PORT: '0' }),
      createLogger('silent'),
    );
    try {
      const health = await fetch(`${server.url}/api/v1/health`);
      expect(((await health.json()) as { last_sync: unknown }).last_sync).toMatchObject({
        id: 'killed-run',
        status: 'failed',
        error: expect.stringContaining('interrupted'),
      });
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs migrations once when several processes start on a new SQLite file at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-race-'));
    try {
      for (let round = 0; round < 5; round += 1) {
        const env = {
          PATH: process.env['PATH'] ?? '',
          DATABASE_URL: `sqlite:${path.join(dir, `race-${round}.db`)}`,
        };
        const children = [0, 1, 2].map(() => {
          const child = spawn(process.execPath, [CLI_PATH, 'migrate'], {
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          return once(child, 'close').then(([code]) => ({ code, stderr }));
        });
        for (const result of await Promise.all(children))
          expect(result, `round ${round}`).toEqual({ code: 0, stderr: '' });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
