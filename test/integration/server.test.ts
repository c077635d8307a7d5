import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../src/db/migrator.js';
import { REPORTS } from '../../src/reports/reports.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('the HTTP server', () => {
  let testApp: TestApp | undefined;
  afterEach(async () => {
    await testApp?.close();
    testApp = undefined;
  });

  it('reports health with the schema version', async () => {
    testApp = await createTestApp();
    const res = await testApp.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      database: { dialect: 'sqlite', reachable: true, schema_version: LATEST_SCHEMA_VERSION },
      last_sync: null,
    });
  });

  it('answers 503 when the database does not', async () => {
    testApp = await createTestApp();
    await testApp.db.destroy();
    const res = await testApp.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', database: { reachable: false } });
  });

  it('gives every CSV report that has the rows of an endpoint the query parameters of that endpoint', async () => {
    testApp = await createTestApp();
    const doc = (await testApp.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
    };
    const queryOf = (path: string) =>
      (doc.paths[path]?.get?.parameters ?? [])
        .filter((p) => p.in === 'query' && p.name !== 'limit' && p.name !== 'offset')
        .map((p) => p.name)
        .sort();
    // Each says so in its summary: "(as GET /analytics/noise/repeats, every row)".
    const pairs = REPORTS.flatMap((r) => {
      const endpoint = /\(as GET (\/[^,)\s]+)/.exec(r.summary)?.[1];
      return endpoint ? [[r.name, endpoint] as const] : [];
    });
    expect(pairs.map(([name]) => name)).toContain('noise_repeats');
    for (const [name, endpoint] of pairs) {
      expect(queryOf(`/api/v1${endpoint}`).length, endpoint).toBeGreaterThan(0);
      expect(queryOf(`/api/v1/reports/${name}`), name).toEqual(queryOf(`/api/v1${endpoint}`));
    }
  });

  it('serves the OpenAPI document, Swagger UI from local assets, and links to both', async () => {
    testApp = await createTestApp();
    const doc = (await testApp.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/health', '/api']));
    expect(doc.paths['/api/v1/health'].get.responses).toHaveProperty('503');

    const ui = await testApp.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    expect(ui.body).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    const bundle = await testApp.app.inject({
      method: 'GET',
      url: '/api/docs/static/swagger-ui-bundle.js',
    });
    expect(bundle.statusCode).toBe(200);

    const root = await testApp.app.inject({ method: 'GET', url: '/api' });
    expect(root.json()).toMatchObject({ docs: '/api/docs', openapi: '/api/openapi.json' });
    // "Links to everything": every operation of the OpenAPI document, none left out.
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const listed = (root.json() as { routes: { method: string; path: string }[] }).routes
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(listed).toEqual(operations);
    expect(listed).toContain('GET /api/v1/analytics/responders');
    expect(listed).toContain('POST /api/v1/sync');
  });

  it('answers unknown routes with the one error shape', async () => {
    testApp = await createTestApp();
    const res = await testApp.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'not_found', message: 'no route for GET /api/v1/nothing-here' },
    });
  });

  it('requires the bearer token on /api/v1 when API_TOKEN is set, but not on health', async () => {
    const apiToken = 'read-token-0123456789';
    const adminToken = 'admin-token-0123456789';
    testApp = await createTestApp({ config: { apiToken, adminToken } });
    const { app } = testApp;
    const denied = await app.inject({ method: 'GET', url: '/api/v1/anything' });
    expect(denied.statusCode).toBe(401);
    expect(denied.json().error.code).toBe('unauthorized');
    const wrong = await app.inject({
      method: 'GET',
      url: '/api/v1/anything',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain(apiToken);
    for (const token of [apiToken, adminToken]) {
      const allowed = await app.inject({
        method: 'GET',
        url: '/api/v1/anything',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(allowed.statusCode).toBe(404);
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
  });
});
