import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countIncidents, segmentsOf } from '../../src/analytics/incident-counts.js';
import type { Db } from '../../src/db/connection.js';
import * as acrossServicesMigration from '../../src/db/migrations/0012-counts-across-services-and-upcoming-shifts.js';
import { MirrorVersion } from '../../src/mirror/mirror-version.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { signPagerDutyBody } from '../../src/sync/webhook-signature.js';
import { SIM_NOW } from '../helpers/simulator-fixture.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { dialectsUnderTest } from '../helpers/test-databases.js';

const SECRET = 'caching-webhook-secret-01';
const DAY = 24 * 3600 * 1000;

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`caching and rollups on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let handle: Db;
    let account: SimulatedAccount;
    let app: FastifyInstance;
    let mirror: MirrorVersion;
    let queries = 0;
    const sync = () => synced.sync();
    const dataPaths = async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
        paths: Record<string, Record<string, unknown>>;
      };
      return Object.keys(doc.paths)
        .filter((p) => p.startsWith('/api/v1/') && doc.paths[p]?.['get'] && !p.includes('{'))
        .filter((p) => !/\/(health|sync\/runs)$/.test(p));
    };
    const etags = async (paths: string[]) =>
      Object.fromEntries(
        await Promise.all(
          paths.map(async (p) => {
            const res = await app.inject({ method: 'GET', url: p });
            expect(res.statusCode, p).toBe(200);
            return [p, String(res.headers['etag'])] as const;
          }),
        ),
      );

    /** A webhook of a new incident (the n-th of this file) of a service. */
    const triggerIncident = (n: number, serviceId: string) => {
      const raw = JSON.stringify({
        event: {
          id: `01JCACHING-${n}`,
          event_type: 'incident.triggered',
          resource_type: 'incident',
          occurred_at: new Date(account.now).toISOString(),
          data: {
            id: `QCACHING${n}`,
            number: 990_099 + n,
            status: 'triggered',
            urgency: 'high',
            created_at: new Date(account.now - 60_000).toISOString(),
            service: { id: serviceId, type: 'service_reference' },
          },
        },
      });
      return app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/pagerduty',
        headers: {
          'content-type': 'application/json',
          'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
        },
        payload: raw,
      });
    };

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect, {
        db: {
          log: (event) => {
            if (event.level === 'query') queries += 1;
          },
        },
        webhookSecret: SECRET,
        beforeSync: async (db) => {
          mirror = new MirrorVersion(db.read, 60_000);
          await mirror.start();
          return { onCommitted: (v) => mirror.observe(v), mirror };
        },
      });
      ({ app, db: handle, account } = synced);
    });
    afterAll(async () => {
      mirror?.stop();
      await synced?.close();
    });

    it('answers If-None-Match with 304 before any query, and tells browsers to revalidate', async () => {
      const first = await app.inject({ method: 'GET', url: '/api/v1/incidents/by-service' });
      expect(first.headers['cache-control']).toBe('private, no-cache');
      const etag = String(first.headers['etag']);
      expect(etag).toMatch(/^W\/".+"$/);
      const before = queries;
      const again = await app.inject({
        method: 'GET',
        url: '/api/v1/incidents/by-service',
        headers: { 'if-none-match': etag },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(queries - before).toBe(0);
      // Another request, another tag.
      const other = await app.inject({ method: 'GET', url: '/api/v1/incidents/by-status' });
      expect(other.headers['etag']).not.toBe(etag);
    });

    it('sends the lists of services and teams again without a query until the mirror moves', async () => {
      type Teams = { teams: { services: { id: string; incident_count: number }[] }[] };
      const teamsUrl = '/api/v1/teams?limit=100';
      const teams = await app.inject({ method: 'GET', url: teamsUrl });
      const service = (teams.json() as Teams).teams.flatMap((t) => t.services)[0];
      expect(service).toBeDefined();
      const serviceId = String(service?.id);
      const servicesUrl = `/api/v1/services?service_id=${serviceId}`;
      const services = await app.inject({ method: 'GET', url: servicesUrl });
      const before = queries;
      for (const [url, first] of [
        [teamsUrl, teams],
        [servicesUrl, services],
      ] as const) {
        const again = await app.inject({ method: 'GET', url });
        expect(again.statusCode).toBe(200);
        expect(again.body).toBe(first.body);
        expect(again.headers['etag']).toBe(first.headers['etag']);
        expect(again.headers['content-type']).toBe(first.headers['content-type']);
      }
      expect(queries - before).toBe(0);

      // A webhook moves the mirror: both lists are read again, with the new incident.
      expect((await triggerIncident(2, serviceId)).json()).toEqual({ status: 'applied' });
      const counts = (body: Teams) =>
        body.teams
          .flatMap((t) => t.services.filter((s) => s.id === serviceId))
          .map((s) => s.incident_count);
      const teamsAfter = await app.inject({ method: 'GET', url: teamsUrl });
      expect(counts(teamsAfter.json() as Teams)).toEqual(
        counts(teams.json() as Teams).map((n) => n + 1),
      );
      const servicesAfter = await app.inject({ method: 'GET', url: servicesUrl });
      type Services = { services: { incident_count: number }[] };
      expect((servicesAfter.json() as Services).services[0]?.incident_count).toBe(
        Number((services.json() as Services).services[0]?.incident_count) + 1,
      );
      expect(queries - before).toBeGreaterThan(0);
    });

    it('moves every endpoint with a webhook, and with a sync', async () => {
      const paths = await dataPaths();
      expect(paths.length).toBeGreaterThan(20);
      const start = await etags(paths);
      const status = async () =>
        (await app.inject({ method: 'GET', url: '/api/v1/incidents/by-status' })).json() as {
          total: number;
        };
      const totalBefore = (await status()).total;

      const hook = await triggerIncident(1, 'PV00002');
      expect(hook.json()).toEqual({ status: 'applied' });
      const afterHook = await etags(paths);
      for (const p of paths) expect(afterHook[p], p).not.toBe(start[p]);
      expect((await status()).total).toBe(totalBefore + 1);
      const revalidated = await app.inject({
        method: 'GET',
        url: '/api/v1/incidents/by-status',
        headers: { 'if-none-match': String(start['/api/v1/incidents/by-status']) },
      });
      expect(revalidated.statusCode).toBe(200);

      const changes = account.mutate();
      await sync();
      const afterSync = await etags(paths);
      for (const p of paths) expect(afterSync[p], p).not.toBe(afterHook[p]);
      expect((await status()).total).toBe(totalBefore + 1 + changes.newIncidentIds.length);
    });

    it('counts from the rollups exactly what the incidents hold, for any bounds', async () => {
      const raw = async (since?: number, until?: number) => {
        let q = handle.db
          .selectFrom('incidents')
          .select(['service_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy(['service_id', 'status']);
        if (since !== undefined) q = q.where('created_at', '>=', new Date(since));
        if (until !== undefined) q = q.where('created_at', '<', new Date(until));
        const rows = await q.execute();
        return Object.fromEntries(
          rows.map((r) => [`${r.service_id ?? ''}:${r.status}`, Number(r.n)]),
        );
      };
      const rolled = async (since?: number, until?: number) => {
        const rows = await countIncidents(handle.read, {
          ...(since === undefined ? {} : { since: new Date(since) }),
          ...(until === undefined ? {} : { until: new Date(until) }),
        });
        const sums: Record<string, number> = {};
        for (const r of rows)
          sums[`${r.service_id}:${r.status}`] = (sums[`${r.service_id}:${r.status}`] ?? 0) + r.n;
        return Object.fromEntries(Object.entries(sums).filter(([, n]) => n > 0));
      };
      expect(await rolled()).toEqual(await raw());
      const bounds: [number | undefined, number | undefined][] = [
        [SIM_NOW - 200 * DAY, undefined],
        [undefined, SIM_NOW - 37.3 * DAY],
        [Date.UTC(2026, 1, 1), Date.UTC(2026, 4, 1)],
        [Date.UTC(2026, 1, 14, 7, 13), Date.UTC(2026, 6, 2, 19, 5)],
        [Date.UTC(2026, 2, 3, 1), Date.UTC(2026, 2, 3, 23)],
        [SIM_NOW - 1.5 * DAY, SIM_NOW + DAY],
      ];
      for (const [since, until] of bounds)
        expect(await rolled(since, until), `${since} ${until}`).toEqual(await raw(since, until));

      // Summed across services (the grains counts over time and by status read).
      const byStatus = (counts: Record<string, number>) => {
        const out: Record<string, number> = {};
        for (const [key, n] of Object.entries(counts)) {
          const status = key.slice(key.indexOf(':') + 1);
          out[status] = (out[status] ?? 0) + n;
        }
        return out;
      };
      const across = async (since?: number, until?: number) => {
        const rows = await countIncidents(
          handle.read,
          {
            ...(since === undefined ? {} : { since: new Date(since) }),
            ...(until === undefined ? {} : { until: new Date(until) }),
          },
          { acrossServices: true, perDay: true },
        );
        const out: Record<string, number> = {};
        for (const r of rows) out[r.status] = (out[r.status] ?? 0) + r.n;
        return Object.fromEntries(Object.entries(out).filter(([, n]) => n > 0));
      };
      for (const [since, until] of [[undefined, undefined], ...bounds] as const)
        expect(await across(since, until), `across ${since} ${until}`).toEqual(
          byStatus(await raw(since, until)),
        );

      // The migration that built those grains from the per-service ones builds the same rows
      // the writes kept.
      const kept = async () =>
        (
          await handle.db
            .selectFrom('incident_counts')
            .selectAll()
            .where('grain', 'in', ['xall', 'xmonth', 'xday'])
            .where('n', '<>', 0)
            .orderBy('grain')
            .orderBy('bucket')
            .orderBy('status')
            .orderBy('urgency')
            .execute()
        ).map((r) => ({ ...r, n: Number(r.n) }));
      const written = await kept();
      expect(written.length).toBeGreaterThan(100);
      await acrossServicesMigration.down(handle.db as unknown as Kysely<unknown>);
      expect(await kept()).toEqual([]);
      await acrossServicesMigration.up(handle.db as unknown as Kysely<unknown>);
      expect(await kept()).toEqual(written);
    });
  });
}

describe('segments of a time filter', () => {
  it('cuts bounds into raw ends, whole days and whole UTC months', () => {
    const s = segmentsOf(
      new Date(Date.UTC(2026, 0, 30, 12)),
      new Date(Date.UTC(2026, 3, 2, 6)),
      false,
    );
    expect(s.map((x) => [x.grain, x.from, x.to])).toEqual([
      ['raw', '', ''],
      ['day', '2026-01-31', '2026-02-01'],
      ['month', '2026-02', '2026-04'],
      ['day', '2026-04-01', '2026-04-02'],
      ['raw', '', ''],
    ]);
    expect(segmentsOf(undefined, undefined, false)).toEqual([{ grain: 'all', from: '', to: '~' }]);
    // Open ends reach the first or last bucket in one segment, without walking the calendar.
    const cut = (since?: Date, until?: Date, perDay = false) =>
      segmentsOf(since, until, perDay).map((x) => [x.grain, x.from, x.to]);
    const at = (iso: string) => new Date(iso);
    expect(cut(at('2026-06-01T00:00:00Z'))).toEqual([['month', '2026-06', '~']]);
    expect(cut(at('2026-06-15T10:00:00Z'))).toEqual([
      ['raw', '', ''],
      ['day', '2026-06-16', '2026-07-01'],
      ['month', '2026-07', '~'],
    ]);
    expect(cut(at('2026-06-15T10:00:00Z'), undefined, true)).toEqual([
      ['raw', '', ''],
      ['day', '2026-06-16', '~'],
    ]);
    expect(cut(undefined, at('2026-03-03T12:00:00Z'))).toEqual([
      ['month', '', '2026-03'],
      ['day', '2026-03-01', '2026-03-03'],
      ['raw', '', ''],
    ]);
    expect(cut(undefined, at('2026-03-01T00:00:00Z'), true)).toEqual([['day', '', '2026-03-01']]);
  });
});
