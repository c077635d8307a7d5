import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsRequest } from '../../src/analytics/analytics-request.js';
import {
  FactCache,
  factCacheState,
  loadFactStore,
  type FactStore,
} from '../../src/analytics/fact-store.js';
import { incidentMetricsFor, noiseMetricsFor } from '../../src/analytics/incident-metrics.js';
import { DEFAULT_ANALYTICS_CONFIG } from '../../src/config.js';
import { writeMirror, mirrorWriter } from '../../src/mirror/mirror-writer.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { dialectsUnderTest } from '../helpers/test-databases.js';

// The analytics' copy of the facts (src/analytics/fact-store.ts) against the SQL it stands in
// for: the same answers, value for value, for every grouping, unit and filter, on every
// database; never used once the mirror has moved past it; and in the server, kept by the pinned
// read worker and reported by /health.

const CAP_MB = 64;
const config = DEFAULT_ANALYTICS_CONFIG;

/** Each incident's team names, sorted. */
function teamsOf(store: FactStore | undefined): string[][] {
  if (!store) return [];
  return Array.from({ length: store.size }, (_, i) =>
    Array.from(store.teams.subarray(store.teamStart[i], store.teamStart[i + 1]), (t) =>
      String(store.names.team[t]),
    ).sort(),
  );
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`the facts' copy on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let cache: FactCache;
    const requests: [string, AnalyticsRequest][] = [];

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect, { db: { taskState: factCacheState(CAP_MB) } });
      cache = new FactCache(CAP_MB * 2 ** 20);
      const read = synced.db.read;
      const pick = async (table: 'services' | 'teams' | 'priorities') =>
        (await read.selectFrom(table).select('id').orderBy('id').limit(2).execute()).map(
          (r) => r.id,
        );
      const [services, teams, priorities] = await Promise.all([
        pick('services'),
        pick('teams'),
        pick('priorities'),
      ]);
      const now = synced.clock().getTime();
      const since = new Date(now - 120 * 24 * 3600 * 1000);
      const until = new Date(now - 20 * 24 * 3600 * 1000);
      const groups = [
        'none',
        'service',
        'team',
        'escalation_policy',
        'urgency',
        'priority',
      ] as const;
      for (const groupBy of groups)
        for (const unit of [undefined, 'week', 'month'] as const)
          requests.push([
            `group_by=${groupBy} unit=${unit ?? '-'}`,
            { filter: {}, groupBy, unit, zone: 'UTC' },
          ]);
      const filtered: [string, AnalyticsRequest['filter']][] = [
        ['a range', { since, until }],
        ['a recent range', { since: until, until: new Date(now) }],
        ['services', { serviceId: services }],
        ['teams', { teamId: teams, since }],
        ['high urgency, open', { urgency: ['high'], status: ['triggered', 'acknowledged'] }],
        ['resolved', { status: ['resolved'] }],
        ['a priority', { priorityId: priorities[0] ?? 'none' }],
        ['nothing', { serviceId: ['PNOSUCH'] }],
        ['an empty range', { since: new Date(now + 1000), until: new Date(now + 2000) }],
      ];
      for (const [what, filter] of filtered)
        for (const groupBy of ['none', 'service', 'team'] as const)
          requests.push([
            `${what}, group_by=${groupBy}, weeks in New York`,
            { filter, groupBy, unit: 'week', zone: 'America/New_York' },
          ]);
      expect(await cache.load(synced.db, config)).toBeDefined();
    });
    afterAll(async () => synced?.close());

    it('holds every incident of the mirror', async () => {
      const row = await synced.db.read
        .selectFrom('incident_metrics')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(row.n)).toBeGreaterThan(100);
      expect(cache.status()).toMatchObject({ state: 'ready', incidents: Number(row.n) });
      expect(cache.status().bytes).toBeGreaterThan(0);
    });

    it('answers the incident and noise metrics as SQL does, value for value', async () => {
      const sql = { read: synced.db.read, readPage: synced.db.readPage };
      const copy = { ...sql, facts: cache };
      const now = synced.clock();
      let rows = 0;
      for (const [what, request] of requests) {
        const reference = await incidentMetricsFor(sql, request, now, config);
        expect(await incidentMetricsFor(copy, request, now, config), what).toEqual(reference);
        expect(await noiseMetricsFor(copy, request, now, config), `noise, ${what}`).toEqual(
          await noiseMetricsFor(sql, request, now, config),
        );
        rows += reference.length;
      }
      // The matrix answers real rows, not only empty ones.
      expect(rows).toBeGreaterThan(500);
    });

    it('reads the same copy whatever the page and however few incidents it expected', async () => {
      const whole = await cache.load(synced.db, config);
      // Pages of 7 incidents, each page's names coded anew (from a SQLite worker) and mapped.
      const paged = await loadFactStore(synced.db, config, 0, 7);
      // Sized for 3 incidents: its columns grow as pages come.
      const grownCopy = await loadFactStore(synced.db, config, 3, 7);
      expect(whole?.size).toBeGreaterThan(100);
      for (const copy of [paged, grownCopy]) {
        expect(copy?.size).toBe(whole?.size);
        expect(copy?.names).toEqual(whole?.names);
        for (const column of ['created', 'resolved', 'service', 'teamStart', 'repeat'] as const)
          expect(copy?.[column], column).toEqual(whole?.[column]);
        // An incident's teams are a set: PostgreSQL gives them in either order.
        expect(teamsOf(copy)).toEqual(teamsOf(whole));
        expect(copy?.facts).toEqual(whole?.facts);
      }
    });

    it('is never used once the mirror has moved past it', async () => {
      const before = await cache.current(synced.db, config);
      expect(before).toBeDefined();
      await writeMirror(mirrorWriter(synced.db.db), synced.clock(), async () => undefined);
      expect(await cache.current(synced.db, config)).toBeUndefined();
      // Not read again at once: a sync moves the version with every page (SQL answers).
      expect(await cache.current(synced.db, config)).toBeUndefined();
      // Its arrays are let go at once: a stale copy is never answered from.
      expect(cache.status()).toMatchObject({ state: 'stale', bytes: 0, incidents: before?.size });
      const again = await cache.load(synced.db, config);
      expect(again?.version).toBe((before?.version ?? 0) + 1);
      expect(await cache.current(synced.db, config)).toBe(again);
    });

    it('makes requests wait for a copy being read rather than answer from SQL beside it', async () => {
      const fresh = new FactCache(CAP_MB * 2 ** 20);
      const [first, second] = await Promise.all([
        fresh.current(synced.db, config),
        fresh.current(synced.db, config),
      ]);
      expect(first).toBeDefined();
      expect(second).toBe(first);
      expect(fresh.status().state).toBe('ready');
    });

    it('serves the API from the worker that keeps it, as /health reports', async () => {
      const url = '/api/v1/analytics/incidents?group_by=service&aggregate_unit=month';
      const first = await synced.app.inject({ method: 'GET', url });
      expect(first.statusCode).toBe(200);
      // The first request starts the worker's copy and waits for it.
      let health: { analytics_cache: { state: string; incidents: number } | null } | undefined;
      for (let i = 0; i < 200; i += 1) {
        const res = await synced.app.inject({ method: 'GET', url: '/api/v1/health' });
        health = res.json();
        if (health?.analytics_cache?.state === 'ready') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.analytics_cache).toMatchObject({
        state: 'ready',
        incidents: cache.status().incidents,
      });
      const fast = await synced.app.inject({ method: 'GET', url });
      expect(fast.json()).toEqual(first.json());
    });
  });
}
