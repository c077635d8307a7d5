import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { runSync } from '../../src/sync/sync-engine.js';
import type { SyncService } from '../../src/sync/sync-service.js';
import { signPagerDutyBody } from '../../src/sync/webhook-signature.js';
import { rawRequest } from '../helpers/raw-http.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';
import { inProcessSyncService } from '../helpers/test-app.js';

// Every route of the OpenAPI document, each parameter in turn given each hostile value: no
// answer may be a 5xx, and none may show internals (a stack, a source path, SQL, a secret).
// The routes come from the document, so a new route is fuzzed without anyone adding it here.
// Bounded: about 15,000 requests per database through inject(), a few seconds each.

const API_TOKEN = 'fuzz-read-token-0123456789';
const ADMIN_TOKEN = 'fuzz-admin-token-0123456789';
const SECRET = 'fuzz-webhook-secret-0123';
const DAY = 24 * 3600 * 1000;

/** Values no parameter should choke on. Raw strings: each is percent-encoded where sent. */
const HOSTILE = [
  '',
  ' ',
  '-1',
  '0',
  '1.5',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '99999999999999999999',
  '9007199254740993',
  '0x10',
  'true',
  'null',
  '[]',
  '{}',
  "' OR 1=1 --",
  '"; DROP TABLE incidents; --',
  'x\u0000y',
  '\u0000',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '<script>alert(1)</script>',
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  '\r\nX-Injected: 1',
  'ünïcödé',
  '😀'.repeat(40),
  '\ud800',
  'a'.repeat(65),
  'A'.repeat(10_000),
  '2026-13-45',
  '2026-02-30',
  '0000-00-00',
  '2026-01-01T25:61:61Z',
  '9999-12-31T23:59:59Z',
  '1970-01-01',
  '-271821-04-19',
  'yesterday',
  'PNOSUCHID',
];

const LEAKS = [
  /\s+at\s+\S+\s+\(/, // a stack frame
  /node_modules|\/work\/|\.ts:\d+|file:\/\//, // source paths
  /SQLITE_[A-Z]|SqliteError|\bER_[A-Z_]{3,}\b|SQLSTATE/, // driver errors
  /syntax error|select .* from /i, // SQL text
  new RegExp(`${API_TOKEN}|${ADMIN_TOKEN}|${SECRET}`), // secrets
];

interface Operation {
  method: string;
  path: string;
  query: string[];
  pathParams: string[];
}

function operations(app: FastifyInstance): Operation[] {
  const doc = app.swagger() as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
    })),
  );
}

/** Percent-encodes a value; a lone surrogate (no UTF-8 form) goes as the invalid bytes it would be. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function expectSafe(status: number, body: string, what: string): void {
  expect(status, `${what}: ${body.slice(0, 300)}`).toBeLessThan(500);
  for (const leak of LEAKS) expect(body, what).not.toMatch(leak);
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`the API under hostile input on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    let app: FastifyInstance;
    let ops: Operation[];
    let sim: RunningSimulator;
    let syncService: SyncService;
    const auth = { authorization: `Bearer ${API_TOKEN}` };

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
      await migrateToLatest(handle.db);
      const started = await startTestSimulator('small');
      sim = started.sim;
      const client = testClient(sim.url);
      const clock = () => new Date(started.account.now + 1000);
      await runSync(
        { db: handle.db, client, logger: createLogger('silent'), clock },
        { since: new Date(SIM_NOW - 500 * DAY) },
      );
      // POST /sync is fuzzed too: a well-formed one starts a real (incremental) sync.
      syncService = inProcessSyncService({
        db: handle.db,
        logger: createLogger('silent'),
        createClient: () => client,
        clock,
      });
      app = await buildApp({
        config: {
          apiToken: API_TOKEN,
          adminToken: ADMIN_TOKEN,
          host: '127.0.0.1',
          webhookSecret: SECRET,
        },
        db: handle,
        logger: createLogger('silent'),
        syncService,
      });
      await app.ready();
      ops = operations(app);
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      await syncService?.stop();
      await sim?.close();
      await handle?.destroy();
      await testDb?.drop();
    });

    it('answers every parameter of every route without a 5xx or a leak', async () => {
      let requests = 0;
      const started = performance.now();
      for (const op of ops) {
        const basePath = op.path.replace(/\{(\w+)\}/g, 'PV00002');
        const send = async (url: string) => {
          requests += 1;
          const res = await app.inject({
            method: op.method as 'GET',
            url,
            headers: { ...auth, 'content-type': 'application/json' },
            ...(op.method === 'POST' ? { payload: '{}' } : {}),
          });
          expectSafe(res.statusCode, res.body, `${op.method} ${url}`);
        };
        for (const value of HOSTILE) {
          const encoded = encode(value);
          for (const name of op.query) {
            await send(`${basePath}?${name}=${encoded}`);
            // Repeated parameters arrive as arrays.
            await send(`${basePath}?${name}=${encoded}&${name}=${encoded}`);
          }
          for (const name of op.pathParams)
            await send(op.path.replace(`{${name}}`, encoded).replace(/\{(\w+)\}/g, 'PV00002'));
          // Unknown parameters, and values that look like paging.
          await send(`${basePath}?${encode(value.slice(0, 100)) || 'x'}=1`);
        }
        for (const method of ['PUT', 'DELETE', 'PATCH']) {
          requests += 1;
          const res = await app.inject({ method: method as 'PUT', url: basePath, headers: auth });
          expectSafe(res.statusCode, res.body, `${method} ${basePath}`);
        }
      }
      console.log(
        `${dialect}: ${requests} hostile requests over ${ops.length} operations in ${((performance.now() - started) / 1000).toFixed(1)} s, no 5xx`,
      );
      expect(requests).toBeGreaterThan(1000);
    }, 300_000);

    it.each(
      [
        '/services',
        '/incidents',
        '/incidents/by-service-status',
        '/teams',
        '/escalation-policies',
        '/users/inactive',
        '/sync/runs',
      ].flatMap((route) =>
        [
          ['limit', '1e309'],
          ['offset', '1e309'],
          ['offset', '99999999999999999999'],
        ].map(([name, value]) => [route, name, value] as const),
      ),
    )('answers 400 naming the parameter to %s?%s=%s', async (route, name, value) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1${route}?${name}=${value}`,
        headers: auth,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.parameter).toBe(name);
    });

    it('answers hostile bodies, content types and sizes to every POST', async () => {
      const bodies: [string, string][] = [
        ['application/json', ''],
        ['application/json', '{'],
        ['application/json', 'null'],
        ['application/json', '[]'],
        ['application/json', '"x"'],
        ['application/json', '{"mode":{"$gt":""}}'],
        ['application/json', '{"since":"2026-13-45"}'],
        ['application/json', '{"resources":["users","x\\u0000"]}'],
        ['application/json', `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`],
        ['application/json', '{"__proto__":{"polluted":true}}'],
        ['text/plain', 'hello'],
        ['application/x-www-form-urlencoded', 'mode=full'],
        ['multipart/form-data; boundary=x', '--x\r\n\r\nhi\r\n--x--'],
        ['application/xml', '<a/>'],
      ];
      for (const op of ops.filter((o) => o.method === 'POST'))
        for (const [type, body] of bodies) {
          const res = await app.inject({
            method: 'POST',
            url: op.path,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': type },
            payload: body,
          });
          expectSafe(res.statusCode, res.body, `POST ${op.path} ${type} ${body.slice(0, 40)}`);
        }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('refuses signed but malformed webhooks without storing them', async () => {
      const before = await handle.db.selectFrom('webhook_deliveries').select('id').execute();
      const occurred = new Date().toISOString();
      const shapes: unknown[] = [
        {},
        { event: null },
        { event: [] },
        { event: { id: 'E1' } },
        { event: { id: 'E2', event_type: 'incident.triggered', data: {} } },
        {
          event: {
            id: 'E3',
            event_type: 'incident.triggered',
            resource_type: 'incident',
            occurred_at: 'yesterday',
            data: { id: 'Q1' },
          },
        },
      ];
      for (const [field, value] of [
        ['id', {}],
        ['id', 'Q\u0000'],
        ['id', 'x'.repeat(100)],
        ['status', 'bogus'],
        ['number', 'x'],
        ['number', -1],
        ['teams', 'PT1'],
        ['teams', [null]],
        ['assignees', [{ id: 5 }]],
        ['title', 'x'.repeat(20_000)],
        ['incident_key', 'k'.repeat(300)],
        ['html_url', 'u'.repeat(2000)],
        ['priority', []],
      ] as const)
        shapes.push({
          event: {
            id: `EBAD-${field}-${String(value).length}`,
            event_type: 'incident.triggered',
            resource_type: 'incident',
            occurred_at: occurred,
            data: {
              id: 'QFUZZ1',
              number: 1,
              status: 'triggered',
              created_at: occurred,
              [field]: value,
            },
          },
        });
      for (const shape of shapes) {
        const raw = JSON.stringify(shape);
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/webhooks/pagerduty',
          headers: {
            'content-type': 'application/json',
            'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
          },
          payload: raw,
        });
        expectSafe(res.statusCode, res.body, raw.slice(0, 120));
        expect(res.statusCode, raw.slice(0, 120)).toBe(400);
      }
      expect(await handle.db.selectFrom('webhook_deliveries').select('id').execute()).toEqual(
        before,
      );
      const fuzzIncident = await handle.db
        .selectFrom('incidents')
        .select('id')
        .where('id', '=', 'QFUZZ1')
        .executeTakeFirst();
      expect(fuzzIncident).toBeUndefined();
    });
  });
}

describe('the server under hostile request lines and headers', () => {
  let app: FastifyInstance;
  let handle: Db;
  let port: number;
  beforeAll(async () => {
    handle = createDb({ dialect: 'sqlite', path: ':memory:' });
    await migrateToLatest(handle.db);
    app = await buildApp({
      config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
      db: handle,
      logger: createLogger('silent'),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await app?.close();
    await handle?.destroy();
  });

  it.each([
    // Traversal on the static routes.
    '/assets/../../package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/assets/..%5c..%5cpackage.json',
    '/assets/dashboard.js%00.png',
    '/assets/%00',
    '/api/docs/../../.env',
    '/api/docs/static/..%2f..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/etc/passwd',
    // Encoded and odd spellings of routes.
    '/%61pi/v1/services/count',
    '/api/v1/services%2fcount',
    '/api/v1/services/count%00',
    '/api/v1/services/%00',
    '//api//v1//services',
    '/api/v1/%2e%2e/v1/health',
    // Absolute-form targets.
    'http://127.0.0.1/api/v1/services/count',
    'http://evil.example/api/v1/users/inactive',
    '*',
  ])('answers %s without a 5xx, a leak or a file outside the assets', async (target) => {
    const res = await rawRequest(port, target);
    expectSafe(res.status, res.body, target);
    expect(res.body).not.toContain('"name": "pd-analytics"');
    expect(res.body).not.toContain('root:');
  });

  it('refuses foreign Host values and cross-origin writes', async () => {
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1@evil.example',
      'x'.repeat(300),
    ]) {
      const res = await rawRequest(port, '/api/v1/services/count', { headers: { host } });
      expectSafe(res.status, res.body, host);
      expect(res.status, host).toBe(403);
    }
    const res = await rawRequest(port, '/api/v1/sync', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
  });

  it('survives oversized headers and bodies', async () => {
    const big = await rawRequest(port, '/api/v1/health', {
      headers: { 'x-big': 'y'.repeat(20_000) },
    });
    expectSafe(big.status, big.body, 'big header');
    const body = await rawRequest(port, '/api/v1/webhooks/pagerduty', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"x":"${'a'.repeat(3 * 1024 * 1024)}"}`,
    }).catch(() => ({ status: 413, body: '' }));
    expectSafe(body.status, body.body, 'big body');
    expect((await rawRequest(port, '/api/v1/health')).status).toBe(200);
  });
});
