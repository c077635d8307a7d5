import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { acquireSyncLease, releaseSyncLease } from '../../src/sync/sync-lease.js';
import { scheduleSyncs } from '../../src/sync/sync-scheduler.js';
import { signPagerDutyBody } from '../../src/sync/webhook-signature.js';
import { startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import { createTestApp, type TestApp, inProcessSyncService } from '../helpers/test-app.js';

const ADMIN = 'admin-token-0123456789';
const SECRET = 'webhook-secret-abcdef';

async function waitForRun(testApp: TestApp, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i += 1) {
    const run = (
      await testApp.app.inject({ method: 'GET', url: `/api/v1/sync/runs/${id}` })
    ).json();
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('run did not finish');
}

describe('the sync API', () => {
  let account: SimulatedAccount;
  let sim: RunningSimulator;
  let testApp: TestApp;
  beforeAll(async () => {
    ({ account, sim } = await startTestSimulator('small'));
    const client = testClient(sim.url);
    testApp = await createTestApp({
      config: { adminToken: ADMIN },
      syncService: (db) =>
        inProcessSyncService({
          db: db.db,
          logger: createLogger('silent'),
          createClient: () => client,
          clock: () => new Date(account.now + 1000),
        }),
    });
  });
  afterAll(async () => {
    await testApp.close();
    await sim.close();
  });

  it('starts a sync with the admin token, answers 202 with its id, and reports it', async () => {
    const denied = await testApp.app.inject({ method: 'POST', url: '/api/v1/sync' });
    expect(denied.statusCode).toBe(401);
    const res = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/sync',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { mode: 'full', since: '2025-01-01' },
    });
    expect(res.statusCode).toBe(202);
    const { id, links } = res.json();
    expect(links.self).toBe(`/api/v1/sync/runs/${id}`);
    const run = await waitForRun(testApp, id);
    expect(run).toMatchObject({ id, kind: 'full', status: 'succeeded', error: null });
    expect((run['counts'] as Record<string, number>)['services']).toBe(
      account.liveServices().length,
    );
    const list = (
      await testApp.app.inject({ method: 'GET', url: '/api/v1/sync/runs?limit=5' })
    ).json();
    expect(list.total).toBeGreaterThanOrEqual(1);
    expect(list.runs[0].id).toBe(id);
  });

  it('answers 409 with the running run id while another sync holds the lease', async () => {
    await acquireSyncLease(testApp.db.db, 'someone-else', new Date());
    try {
      const res = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/sync',
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({
        error: {
          code: 'sync_already_running',
          message: 'a sync is already running (run someone-else)',
          run_id: 'someone-else',
        },
      });
    } finally {
      await releaseSyncLease(testApp.db.db, 'someone-else');
    }
  });

  it('rejects bad input with 400 naming the parameter, and unknown runs with 404', async () => {
    const bad = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/sync',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { mode: 'sometimes' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.parameter).toBe('mode');
    const limit = await testApp.app.inject({ method: 'GET', url: '/api/v1/sync/runs?limit=abc' });
    expect(limit.statusCode).toBe(400);
    expect(limit.json().error.message).toContain("'limit'");
    expect(
      (await testApp.app.inject({ method: 'GET', url: '/api/v1/sync/runs/nope' })).statusCode,
    ).toBe(404);
  });

  it('refuses syncs without an admin token when listening beyond loopback', async () => {
    const open = await createTestApp({ config: { host: '0.0.0.0' } });
    try {
      const res = await open.app.inject({ method: 'POST', url: '/api/v1/sync' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('admin_token_required');
    } finally {
      await open.close();
    }
  });
});

describe('PagerDuty webhooks', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp({ config: { webhookSecret: SECRET } });
  });
  afterAll(() => testApp.close());

  let occurredAt = Date.now() - 10 * 60_000;
  const event = (id: string, type: string, data: Record<string, unknown>) => ({
    event: {
      id,
      event_type: type,
      resource_type: type.split('.')[0],
      // Webhooks older than an hour are stale: these occurred minutes ago, one second apart.
      occurred_at: new Date((occurredAt += 1000)).toISOString(),
      agent: null,
      data,
    },
  });
  const incidentData = (status: string) => ({
    id: 'QWEBHOOK1',
    type: 'incident',
    number: 99001,
    title: 'Checkout errors',
    status,
    urgency: 'high',
    created_at: '2026-11-27T09:55:00Z',
    service: { id: 'PSVC1', type: 'service_reference', summary: 'Checkout' },
    escalation_policy: { id: 'PEP1', type: 'escalation_policy_reference' },
    teams: [{ id: 'PT1', type: 'team_reference' }],
    priority: null,
    assignees: [{ id: 'PU1', type: 'user_reference' }],
  });
  const post = (body: unknown, signature?: string, deliveryId?: string) => {
    const raw = JSON.stringify(body);
    return testApp.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/pagerduty',
      headers: {
        'content-type': 'application/json',
        ...(signature === undefined ? {} : { 'x-pagerduty-signature': signature }),
        ...(deliveryId ? { 'x-webhook-id': deliveryId } : {}),
      },
      payload: raw,
    });
  };

  it('rejects a missing or wrong signature with 401 and stores nothing', async () => {
    const body = event('E1', 'incident.triggered', incidentData('triggered'));
    expect((await post(body)).statusCode).toBe(401);
    expect((await post(body, signPagerDutyBody('tampered', SECRET))).statusCode).toBe(401);
    expect(
      (await post(body, signPagerDutyBody(JSON.stringify(body), 'other-secret'))).statusCode,
    ).toBe(401);
    const stored = await testApp.db.db.selectFrom('incidents').select('id').execute();
    expect(stored).toEqual([]);
    expect(await testApp.db.db.selectFrom('webhook_deliveries').select('id').execute()).toEqual([]);
  });

  it('applies incident events at once, accepts any of several signatures, and deduplicates deliveries', async () => {
    const triggered = event('E2', 'incident.triggered', incidentData('triggered'));
    const raw = JSON.stringify(triggered);
    // During a secret rotation PagerDuty sends one signature per secret.
    const res = await post(
      triggered,
      `${signPagerDutyBody(raw, 'old-secret')},${signPagerDutyBody(raw, SECRET)}`,
      'D2',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'applied' });
    const acked = event('E3', 'incident.acknowledged', incidentData('acknowledged'));
    expect(
      (await post(acked, signPagerDutyBody(JSON.stringify(acked), SECRET), 'D3')).json(),
    ).toEqual({ status: 'applied' });
    expect(
      (await post(acked, signPagerDutyBody(JSON.stringify(acked), SECRET), 'D3')).json(),
    ).toEqual({ status: 'duplicate' });
    const incident = await testApp.db.db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', 'QWEBHOOK1')
      .executeTakeFirstOrThrow();
    expect(incident.status).toBe('acknowledged');
    expect(incident.first_acknowledged_at).not.toBeNull();
    const resolved = event('E4', 'incident.resolved', incidentData('resolved'));
    await post(resolved, signPagerDutyBody(JSON.stringify(resolved), SECRET), 'D4');
    const after = await testApp.db.db
      .selectFrom('incidents')
      .select(['status', 'resolved_at'])
      .where('id', '=', 'QWEBHOOK1')
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('resolved');
    expect(after.resolved_at).not.toBeNull();
    expect(
      await testApp.db.db
        .selectFrom('incident_assignments')
        .select('user_id')
        .where('incident_id', '=', 'QWEBHOOK1')
        .execute(),
    ).toEqual([]);
  });

  it('marks a service deleted on service.deleted', async () => {
    await testApp.db.db
      .insertInto('services')
      .values({
        id: 'PSVCGONE',
        name: 'Legacy',
        description: null,
        status: 'active',
        created_at: null,
        last_incident_timestamp: null,
        escalation_policy_id: null,
        html_url: null,
        synced_at: new Date(),
        deleted_at: null,
      })
      .execute();
    const body = event('E5', 'service.deleted', { id: 'PSVCGONE', type: 'service' });
    expect((await post(body, signPagerDutyBody(JSON.stringify(body), SECRET))).statusCode).toBe(
      200,
    );
    const service = await testApp.db.db
      .selectFrom('services')
      .select('deleted_at')
      .where('id', '=', 'PSVCGONE')
      .executeTakeFirstOrThrow();
    expect(service.deleted_at).not.toBeNull();
  });

  it('answers 503 when no webhook secret is configured', async () => {
    const plain = await createTestApp();
    try {
      expect(
        (
          await plain.app.inject({
            method: 'POST',
            url: '/api/v1/webhooks/pagerduty',
            headers: { 'content-type': 'application/json' },
            payload: '{}',
          })
        ).statusCode,
      ).toBe(503);
    } finally {
      await plain.close();
    }
  });
});

describe('scheduled syncs', () => {
  it('run a sync at once and then on every tick, the later ones incremental', async () => {
    const { account, sim } = await startTestSimulator('small');
    const testApp = await createTestApp();
    const client = testClient(sim.url);
    const service = inProcessSyncService({
      db: testApp.db.db,
      logger: createLogger('silent'),
      createClient: () => client,
      clock: () => new Date(account.now + 1000),
    });
    const stop = scheduleSyncs(service, 300, createLogger('silent'));
    try {
      let runs: { kind: string; status: string }[] = [];
      for (let i = 0; i < 200 && runs.filter((r) => r.status === 'succeeded').length < 2; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        runs = await testApp.db.db
          .selectFrom('sync_runs')
          .select(['kind', 'status'])
          .orderBy('started_at')
          .execute();
      }
      const done = runs.filter((r) => r.status === 'succeeded');
      expect(done.length).toBeGreaterThanOrEqual(2);
      expect(done[0]?.kind).toBe('full');
      expect(done[1]?.kind).toBe('incremental');
    } finally {
      stop();
      await service.stop();
      await testApp.close();
      await sim.close();
    }
  });
});
