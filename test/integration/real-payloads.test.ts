import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createDb, type Db } from '../../src/db/connection.js';
import * as m0013 from '../../src/db/migrations/0013-notification-medium-and-resolve-times.js';
import * as m0014 from '../../src/db/migrations/0014-on-call-pay-days.js';
import * as m0015 from '../../src/db/migrations/0015-noise-and-parity-facts.js';
import * as m0016 from '../../src/db/migrations/0016-noise-view-repeat-window.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { writePage } from '../../src/sync/incidents-sync.js';
import { mirrorWriter } from '../../src/mirror/mirror-writer.js';
import { runSync } from '../../src/sync/sync-engine.js';
import { signPagerDutyBody } from '../../src/sync/webhook-signature.js';
import { metricsTruth, type TruthIncident } from '../helpers/metrics-truth.js';
import {
  SIM_NOW,
  SIM_TOKEN,
  startTestSimulator,
  testClient,
} from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';
import {
  WEBHOOK_EVENT_TYPES,
  webhookPayload,
  type PayloadIncident,
} from '../helpers/webhook-payloads.js';

// Real PagerDuty shapes, end to end: the simulator writes log entries and incidents as PagerDuty
// does (a notification's medium only in channel.notification with include[]=channels, in both
// spellings; channel.type `auto` on notify entries and on some timeout escalations; resolved
// incidents without resolved_at), and the figures must equal the generator's own truth
// (test/helpers/metrics-truth.ts), on a new mirror and on one synced by an earlier release.
// Then one realistic delivery of every webhook event type, signed, over HTTP.

const SECRET = 'real-payloads-secret-0123';
const DAY = 24 * 3600 * 1000;
const MIGRATION_0013 = '0013-notification-medium-and-resolve-times';
const MIGRATION_0014 = '0014-on-call-pay-days';
const MIGRATION_0015 = '0015-noise-and-parity-facts';
const MIGRATION_0016 = '0016-noise-view-repeat-window';

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`real PagerDuty payloads on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    let account: SimulatedAccount;
    let sim: RunningSimulator;
    let app: FastifyInstance;
    let baseUrl: string;
    let truth: Map<string, TruthIncident>;
    const now = () => new Date(account.now + 60_000);
    const sync = (mode?: 'full' | 'incremental') =>
      runSync(
        { db: handle.db, client: testClient(sim.url), logger: createLogger('silent'), clock: now },
        { since: new Date(SIM_NOW - 500 * DAY), ...(mode ? { mode } : {}) },
      );

    /** Every stored incident's facts against the truth, field by field. */
    async function expectFactsEqualTruth(): Promise<void> {
      const rows = await handle.db
        .selectFrom('incident_metrics')
        .select([
          'incident_id',
          'seconds_to_resolve',
          'timeout_escalated',
          'manual_escalated',
          'notification_count',
          'interruption_count',
          'business_hour_interruptions',
          'off_hour_interruptions',
          'sleep_hour_interruptions',
          'engaged_seconds',
        ])
        .execute();
      expect(rows.length).toBe(truth.size);
      const kinds = (t: TruthIncident, k: string) =>
        t.interruptions.filter((x) => x.kind === k).length;
      for (const r of rows) {
        const t = truth.get(r.incident_id);
        expect(t, r.incident_id).toBeDefined();
        if (!t) continue;
        expect(
          {
            resolve: r.seconds_to_resolve === null ? null : Number(r.seconds_to_resolve),
            timeout: Number(r.timeout_escalated) === 1,
            manual: Number(r.manual_escalated) === 1,
            notifications: Number(r.notification_count),
            interruptions: Number(r.interruption_count),
            business: Number(r.business_hour_interruptions),
            off: Number(r.off_hour_interruptions),
            sleep: Number(r.sleep_hour_interruptions),
            engaged: Number(r.engaged_seconds),
          },
          r.incident_id,
        ).toEqual({
          resolve: t.resolveSeconds,
          timeout: t.timeoutEscalated,
          manual: t.manualEscalated,
          notifications: t.notifications,
          interruptions: t.interruptions.length,
          business: kinds(t, 'business'),
          off: kinds(t, 'off'),
          sleep: kinds(t, 'sleep'),
          engaged: t.engagedSeconds,
        });
      }
      const resolved = await handle.db
        .selectFrom('incidents')
        .select(['id', 'resolved_at'])
        .where('status', '=', 'resolved')
        .execute();
      for (const r of resolved)
        expect(r.resolved_at === null ? null : new Date(r.resolved_at).getTime(), r.id).toBe(
          truth.get(r.id)?.resolvedAt,
        );
    }

    /** The API's all-time totals against the truth's. */
    async function expectApiTotalsEqualTruth(): Promise<void> {
      const res = await fetch(`${baseUrl}/api/v1/analytics/incidents?since=2025-01-01`);
      expect(res.status).toBe(200);
      const row = ((await res.json()) as { data: Record<string, number>[] }).data[0];
      const all = [...truth.values()];
      const sum = (f: (t: TruthIncident) => number) => all.reduce((n, t) => n + f(t), 0);
      expect(Number(row?.['total_interruptions'])).toBe(sum((t) => t.interruptions.length));
      expect(Number(row?.['total_incidents_timeout_escalated'])).toBe(
        all.filter((t) => t.timeoutEscalated).length,
      );
      expect(Number(row?.['total_engaged_seconds'])).toBe(sum((t) => t.engagedSeconds));
    }

    /** A delivery signed with the subscription's secret, over HTTP. */
    const post = async (body: unknown) => {
      const raw = JSON.stringify(body);
      return fetch(`${baseUrl}/api/v1/webhooks/pagerduty`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
          'x-webhook-id': crypto.randomUUID(),
        },
        body: raw,
      });
    };

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
      await migrateToLatest(handle.db);
      ({ account, sim } = await startTestSimulator('small'));
      await sync();
      const zones = new Map(account.liveUsers().map((u) => [u.id, u.time_zone]));
      truth = new Map(
        metricsTruth(account, (u) => zones.get(u) ?? 'UTC').map((t) => [t.id, t] as const),
      );
      app = await buildApp({
        config: {
          apiToken: undefined,
          adminToken: undefined,
          host: '127.0.0.1',
          webhookSecret: SECRET,
        },
        db: handle,
        logger: createLogger('silent'),
        clock: now,
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      baseUrl = `http://127.0.0.1:${address.port}`;
    }, 180_000);
    afterAll(async () => {
      await app?.close();
      await sim?.close();
      await handle?.destroy();
      await testDb?.drop();
    });

    it('is fed the shapes real accounts send', async () => {
      const get = async (path: string) => {
        const res = await fetch(`${sim.url}${path}`, {
          headers: { authorization: `Token token=${SIM_TOKEN}` },
        });
        expect(res.status).toBe(200);
        return (await res.json()) as Record<string, Record<string, unknown>[]>;
      };
      const window = 'since=2026-06-01T00:00:00Z&until=2026-11-27T00:00:00Z&limit=100';
      const plain = (await get(`/log_entries?${window}`))['log_entries'] ?? [];
      const withChannels =
        (await get(`/log_entries?${window}&include[]=channels`))['log_entries'] ?? [];
      const notify = (list: Record<string, unknown>[]) =>
        list.filter((e) => e['type'] === 'notify_log_entry');
      const channel = (e: Record<string, unknown>) =>
        e['channel'] as { type: string; notification?: { type: string } };
      expect(notify(plain).length).toBeGreaterThan(0);
      // Without include[]=channels, no medium; with it, in channel.notification.type.
      for (const e of notify(plain)) expect(channel(e)).toEqual({ type: 'auto' });
      const media = new Set(notify(withChannels).map((e) => channel(e).notification?.type));
      expect(media).toContain('sms');
      expect(
        [...media].some((m) => m?.endsWith('_notification') && m !== 'push_notification'),
      ).toBe(true);
      const incidents =
        (await get('/incidents?statuses[]=resolved&since=2026-06-01T00:00:00Z&limit=100'))[
          'incidents'
        ] ?? [];
      expect(incidents.some((i) => !('resolved_at' in i))).toBe(true);
      // The mirror stored both channel spellings of timeout escalations.
      const escalations = await handle.db
        .selectFrom('log_entries')
        .select(['channel_type', 'agent_type'])
        .where('type', '=', 'escalate_log_entry')
        .execute();
      expect(escalations.some((e) => e.channel_type === 'auto' && e.agent_type === 'service')).toBe(
        true,
      );
      expect(escalations.some((e) => e.channel_type === 'timeout')).toBe(true);
    });

    it('reads interruptions, resolve times and timeout escalations as the account implies', async () => {
      const all = [...truth.values()];
      expect(all.reduce((n, t) => n + t.interruptions.length, 0)).toBeGreaterThan(100);
      expect(all.filter((t) => t.timeoutEscalated).length).toBeGreaterThan(5);
      await expectFactsEqualTruth();
      await expectApiTotalsEqualTruth();
    });

    it('brings a mirror synced by an earlier release to the same figures', async () => {
      // The mirror as the earlier release left it: no medium column (channel.type `auto` stored
      // for every notification), no resolved_at where the incident object had none (here: none
      // at all), and figures computed under the old definitions (every interruption 0).
      // The later migrations undone first, as a release from before them never ran them.
      await m0016.down(handle.db as unknown as Kysely<unknown>);
      await m0015.down(handle.db as unknown as Kysely<unknown>);
      await m0014.down(handle.db as unknown as Kysely<unknown>);
      await m0013.down(handle.db as unknown as Kysely<unknown>);
      await handle.db
        .deleteFrom('kysely_migration' as never)
        .where(sql.ref('name'), 'in', [
          MIGRATION_0013,
          MIGRATION_0014,
          MIGRATION_0015,
          MIGRATION_0016,
        ])
        .execute();
      await handle.db
        .updateTable('incidents')
        .set({ resolved_at: null })
        .where('status', '=', 'resolved')
        .execute();
      await handle.db
        .updateTable('incident_metrics')
        .set({ interruption_count: 0, seconds_to_resolve: null })
        .execute();
      await handle.db.deleteFrom('interruptions').execute();
      await handle.db
        .updateTable('sync_cursors')
        .set({ cursor: '1:figures of the earlier release' })
        .where('resource', '=', 'incident_facts_key')
        .execute();

      expect(await migrateToLatest(handle.db)).toEqual([
        MIGRATION_0013,
        MIGRATION_0014,
        MIGRATION_0015,
        MIGRATION_0016,
      ]);
      const marker = await handle.db
        .selectFrom('sync_cursors')
        .select('cursor')
        .where('resource', '=', 'log_entries_reread_until')
        .executeTakeFirst();
      expect(marker).toBeDefined();
      const stillOpen = await handle.db
        .selectFrom('incidents')
        .select('id')
        .where('status', '=', 'resolved')
        .where('resolved_at', 'is', null)
        .execute();
      expect(stillOpen).toEqual([]);

      const result = await sync();
      expect(result.kind).toBe('incremental');
      const left = await handle.db
        .selectFrom('sync_cursors')
        .select('resource')
        .where('resource', 'in', ['log_entries_reread_until', 'log_entries_reread'])
        .execute();
      expect(left).toEqual([]);
      await expectFactsEqualTruth();
      await expectApiTotalsEqualTruth();
    });

    it('answers every webhook event type with 2xx and refreshes the incident it is about', async () => {
      const stored = await handle.db
        .selectFrom('incidents')
        .select([
          'id',
          'incident_number',
          'status',
          'created_at',
          'service_id',
          'escalation_policy_id',
          'title',
        ])
        .orderBy('incident_number')
        .execute();
      const types = Object.keys(WEBHOOK_EVENT_TYPES);
      const occurredAt = new Date(account.now + 30_000);
      const asPayload = (row: (typeof stored)[number]): PayloadIncident => ({
        id: row.id,
        number: row.incident_number,
        status: row.status as PayloadIncident['status'],
        created_at: new Date(row.created_at).toISOString(),
        service_id: row.service_id ?? 'PSERVICE',
        policy_id: row.escalation_policy_id ?? 'PPOLICY',
        title: row.title ?? 'An incident',
      });
      const expected = (type: string, known: boolean) => {
        const dataType = WEBHOOK_EVENT_TYPES[type];
        if (type === 'service.deleted') return 'applied';
        if (type.startsWith('service.') || dataType === 'ping') return 'ignored';
        if (dataType === 'incident') return known ? 'applied' : 'pending';
        return 'pending';
      };
      const subResourceIncidents: string[] = [];
      const unknownIds: string[] = [];
      for (const [n, type] of types.entries()) {
        const row = stored[n];
        if (!row) throw new Error('not enough incidents');
        // The mirror's copy goes stale, so that a refresh shows.
        await handle.db
          .updateTable('incidents')
          .set({ title: 'stale title' })
          .where('id', '=', row.id)
          .execute();
        if (WEBHOOK_EVENT_TYPES[type] !== 'incident' && expected(type, true) === 'pending')
          subResourceIncidents.push(row.id);
        // An incident the mirror lacks, with a 14-character id and a number the mirror already
        // gives another incident (a mirror of another account: the insert would collide).
        const unknown: PayloadIncident = {
          ...asPayload(row),
          id: `Q0SDD3HB6SG${n.toString(36).toUpperCase().padStart(3, '0')}`,
        };
        for (const [known, incident] of [
          [true, asPayload(row)],
          [false, unknown],
        ] as const) {
          const body = webhookPayload(type, {
            eventId: `01J${known ? 'K' : 'U'}${type.replace(/[._]/g, '').toUpperCase()}`.slice(
              0,
              40,
            ),
            occurredAt,
            incident,
            serviceId: 'PSVCQ0SDD3HB6S',
          });
          const res = await post(body);
          const text = await res.text();
          expect(res.status, `${type} ${known ? 'known' : 'unknown'}: ${text}`).toBe(200);
          expect(JSON.parse(text), `${type} ${known ? 'known' : 'unknown'}`).toEqual({
            status: expected(type, known),
          });
          if (!known && expected(type, false) === 'pending') unknownIds.push(incident.id);
        }
      }
      const pending = (
        await handle.db.selectFrom('pending_incidents').select('incident_id').execute()
      )
        .map((r) => r.incident_id)
        .sort();
      // Only incidents: never a note's, a status update's or a workflow's id.
      expect(pending).toEqual([...new Set([...subResourceIncidents, ...unknownIds])].sort());

      // The next sync reads each pending incident again: the known ones are fresh, the ids
      // PagerDuty does not know (404) are dropped.
      await sync();
      expect(
        await handle.db.selectFrom('pending_incidents').select('incident_id').execute(),
      ).toEqual([]);
      const refreshed = await handle.db
        .selectFrom('incidents')
        .select(['id', 'title'])
        .where('id', 'in', subResourceIncidents)
        .execute();
      expect(refreshed).toHaveLength(subResourceIncidents.length);
      for (const r of refreshed) expect(r.title, r.id).not.toBe('stale title');
      const strays = await handle.db
        .selectFrom('incidents')
        .select('id')
        .where('id', 'in', unknownIds)
        .execute();
      expect(strays).toEqual([]);
    });

    it('answers 503 with Retry-After, and keeps nothing, when the database cannot take an event', async () => {
      // A table the event needs is gone: the write fails inside its transaction.
      await handle.db.schema.dropTable('pending_incidents').execute();
      const stored = await handle.db
        .selectFrom('incidents')
        .select(['id', 'incident_number', 'created_at'])
        .executeTakeFirstOrThrow();
      const body = webhookPayload('incident.annotated', {
        eventId: '01JDBDOWNANNOTATED',
        occurredAt: new Date(account.now + 40_000),
        incident: {
          id: stored.id,
          number: stored.incident_number,
          status: 'triggered',
          created_at: new Date(stored.created_at).toISOString(),
          service_id: 'PSERVICE',
          policy_id: 'PPOLICY',
          title: 'x',
        },
        serviceId: 'PSERVICE',
      });
      const res = await post(body);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      const text = await res.text();
      expect(text).not.toMatch(/pending_incidents|SQL|at .*\.ts/i);
      // Not recorded as delivered: PagerDuty's retry is applied.
      const delivered = await handle.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('id', '=', '01JDBDOWNANNOTATED')
        .executeTakeFirst();
      expect(delivered).toBeUndefined();
    });

    it('keeps the last resolve of a reopened incident whose entries arrive after it', async () => {
      const created = Date.parse('2026-11-20T10:00:00Z');
      const at = (minutes: number) => new Date(created + minutes * 60_000).toISOString();
      const entry = (id: string, minutes: number) => ({
        id,
        type: 'resolve_log_entry',
        created_at: at(minutes),
        agent: { id: 'PUSER01', type: 'user_reference' },
        channel: { type: 'website' },
        incident: { id: 'QREOPENEDQ0SDD', type: 'incident_reference' },
      });
      const writer = mirrorWriter(handle.db);
      // The incident as PagerDuty lists it: resolved the second time, with no resolved_at.
      await writePage(writer, now(), {
        incidents: [
          {
            id: 'QREOPENEDQ0SDD',
            type: 'incident',
            incident_number: 990_100,
            status: 'resolved',
            created_at: at(0),
            updated_at: at(90),
            title: 'Flapping',
          },
        ],
        logEntries: [entry('RREOPEN1', 30)],
      });
      // The second resolve comes with a later page of log entries.
      await writePage(writer, now(), { logEntries: [entry('RREOPEN2', 90)] });
      const row = await handle.db
        .selectFrom('incident_metrics')
        .select('seconds_to_resolve')
        .where('incident_id', '=', 'QREOPENEDQ0SDD')
        .executeTakeFirstOrThrow();
      expect(Number(row.seconds_to_resolve)).toBe(90 * 60);
      await writePage(writer, now(), { logEntries: [entry('RREOPEN1', 30)] });
      const again = await handle.db
        .selectFrom('incidents')
        .select('resolved_at')
        .where('id', '=', 'QREOPENEDQ0SDD')
        .executeTakeFirstOrThrow();
      expect(new Date(again.resolved_at ?? 0).toISOString()).toBe(at(90));
    });
  });
}
