import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsState } from '../../src/analytics/analytics-state.js';
import {
  responderMetrics,
  type ResponderFilter,
  type ResponderRow,
} from '../../src/analytics/responder-metrics.js';
import { teamOnCallLoad } from '../../src/analytics/on-call-load.js';
import { loadResponderStore, ResponderCache } from '../../src/analytics/responder-store.js';
import { startServer } from '../../src/api/server.js';
import { DEFAULT_ANALYTICS_CONFIG, parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { mirrorWriter, writeMirror } from '../../src/mirror/mirror-writer.js';
import { HourClassSplitter } from '../../src/time/hour-class-split.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { databaseUrlOf, dialectsUnderTest } from '../helpers/test-databases.js';

// The responders' copy (src/analytics/responder-store.ts) against the SQL it stands in for:
// the same rows, value for value, for every filter the endpoint takes, on every database; never
// used once the mirror has moved past it; and through the API from the pinned read worker.

const CAP_MB = 64;
const DAY = 24 * 3600 * 1000;
const config = DEFAULT_ANALYTICS_CONFIG;

const byId = (rows: ResponderRow[]) =>
  [...rows].sort((a, b) => (a.responder_id < b.responder_id ? -1 : 1));

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`the responders' copy on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let cache: ResponderCache;
    const filters: [string, ResponderFilter][] = [];

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect, { db: { taskState: analyticsState(CAP_MB) } });
      cache = new ResponderCache(CAP_MB * 2 ** 20);
      const read = synced.db.read;
      const pick = async (table: 'services' | 'teams' | 'users') =>
        (await read.selectFrom(table).select('id').orderBy('id').limit(2).execute()).map(
          (r) => r.id,
        );
      const [services, teams, users] = await Promise.all([
        pick('services'),
        pick('teams'),
        pick('users'),
      ]);
      const now = synced.clock().getTime();
      const since = new Date(now - 120 * DAY);
      const until = new Date(now - 20 * DAY);
      filters.push(
        ['no range (the history start to now)', {}],
        ['a past range', { since, until }],
        ['a range to now', { since: until }],
        ['a range past now', { since, until: new Date(now + 30 * DAY) }],
        ['a range before the history', { since: new Date(now - 5000 * DAY), until: since }],
        ['an hour', { since: new Date(now - 50 * DAY), until: new Date(now - 50 * DAY + 3600e3) }],
        ['teams', { teamId: teams, since }],
        ['a team', { teamId: teams.slice(0, 1) }],
        ['services', { serviceId: services, since }],
        ['a user', { userId: users[0] ?? 'none', since }],
        ['a team and a user', { teamId: teams, userId: users[1] ?? 'none' }],
        ['an empty range', { since: new Date(now + 1000), until: new Date(now + 2000) }],
      );
      expect(await cache.load(synced.db)).toBeDefined();
    });
    afterAll(async () => synced?.close());

    it('holds every responder row and on-call span of the mirror', async () => {
      const count = async (table: 'incident_responders' | 'oncalls') =>
        Number(
          (
            await synced.db.read
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const [parts, spans] = [await count('incident_responders'), await count('oncalls')];
      expect(parts).toBeGreaterThan(100);
      expect(spans).toBeGreaterThan(100);
      expect(cache.status()).toMatchObject({ state: 'ready', parts, spans });
      expect(cache.status().bytes).toBeGreaterThan(0);
    });

    it('answers the responder metrics as SQL does, value for value', async () => {
      const store = await cache.load(synced.db);
      const now = synced.clock();
      // Kept warm across the requests, as the pinned worker keeps it.
      const splitter = new HourClassSplitter(config.hours);
      let rows = 0;
      let onCall = 0;
      for (const [what, filter] of filters) {
        const reference = await responderMetrics(synced.db.read, filter, now, config);
        const fast = await responderMetrics(synced.db.read, filter, now, config, {
          store,
          splitter,
        });
        expect({ ...fast, rows: byId(fast.rows) }, what).toEqual({
          ...reference,
          rows: byId(reference.rows),
        });
        rows += reference.rows.length;
        onCall += reference.rows.filter((r) => r.total_seconds_on_call > 0).length;
      }
      // The matrix answers real rows, on call and not, not only empty ones.
      expect(rows).toBeGreaterThan(50);
      expect(onCall).toBeGreaterThan(10);
    });

    it("answers a team's on-call load as SQL does", async () => {
      const store = await cache.load(synced.db);
      const now = synced.clock();
      const teams = await synced.db.read.selectFrom('teams').select('id').orderBy('id').execute();
      expect(teams.length).toBeGreaterThan(0);
      for (const { id } of teams)
        for (const basis of ['scheduled', 'all'] as const)
          expect(
            await teamOnCallLoad(synced.db.read, id, {}, now, config, basis, { store }),
            `${id} ${basis}`,
          ).toEqual(await teamOnCallLoad(synced.db.read, id, {}, now, config, basis));
    });

    it('reads the same copy whatever the page', async () => {
      const now = synced.clock();
      // Pages of 7 rows, each page's names coded anew (from a SQLite worker) and mapped.
      const paged = await loadResponderStore(synced.db, { parts: 3, spans: 3 }, 7);
      const whole = await cache.load(synced.db);
      expect(paged?.parts.size).toBe(whole?.parts.size);
      expect(paged?.spans.size).toBe(whole?.spans.size);
      for (const [what, filter] of filters.slice(0, 3))
        expect(
          byId(
            (await responderMetrics(synced.db.read, filter, now, config, { store: paged })).rows,
          ),
          what,
        ).toEqual(byId((await responderMetrics(synced.db.read, filter, now, config)).rows));
    });

    it('is never used once the mirror has moved past it', async () => {
      const before = await cache.current(synced.db);
      expect(before).toBeDefined();
      await writeMirror(mirrorWriter(synced.db.db), synced.clock(), async () => undefined);
      expect(await cache.current(synced.db)).toBeUndefined();
      // Not read again at once: a sync moves the version with every page (SQL answers).
      expect(await cache.current(synced.db)).toBeUndefined();
      // Its arrays are let go at once; the status keeps the size it had.
      expect(cache.status()).toMatchObject({
        state: 'stale',
        bytes: 0,
        parts: before?.parts.size,
        spans: before?.spans.size,
      });
      const again = await cache.load(synced.db);
      expect(again?.version).toBe((before?.version ?? 0) + 1);
      expect(await cache.current(synced.db)).toBe(again);
    });

    it('makes requests wait for a copy being read rather than answer from SQL beside it', async () => {
      const fresh = new ResponderCache(CAP_MB * 2 ** 20);
      const [first, second] = await Promise.all([
        fresh.current(synced.db),
        fresh.current(synced.db),
      ]);
      expect(first).toBeDefined();
      expect(second).toBe(first);
      expect(fresh.status()).toMatchObject({ state: 'ready', bytes: first?.bytes });
    });

    it("is read at start-up, after the facts' copy, before any request asks for it", async () => {
      const server = await startServer(
        parseConfig({ DATABASE_URL: databaseUrlOf(synced.target), PORT: '0' }),
        createLogger('silent'),
      );
      try {
        type Copies = { state: string; responders?: { state: string; parts: number } };
        let copies: Copies | null | undefined;
        for (let i = 0; i < 300 && copies?.responders?.state !== 'ready'; i += 1) {
          await new Promise((r) => setTimeout(r, 100));
          const health = await server.app.inject({ method: 'GET', url: '/api/v1/health' });
          copies = health.json<{ analytics_cache: Copies | null }>().analytics_cache;
        }
        expect(copies).toMatchObject({
          state: 'ready',
          responders: { state: 'ready', parts: cache.status().parts },
        });
      } finally {
        await server.close();
      }
    });

    it('serves the API from the worker that keeps it, as /health reports', async () => {
      const now = synced.clock().getTime();
      const url = `/api/v1/analytics/responders?since=${new Date(now - 90 * DAY).toISOString()}&until=${new Date(now - 10 * DAY).toISOString()}&limit=1000`;
      // The first request starts the worker's copy and waits for it.
      const first = await synced.app.inject({ method: 'GET', url });
      expect(first.statusCode).toBe(200);
      let health: { analytics_cache: { responders?: { state: string } } | null } | undefined;
      for (let i = 0; i < 200; i += 1) {
        health = (await synced.app.inject({ method: 'GET', url: '/api/v1/health' })).json();
        if (health?.analytics_cache?.responders?.state === 'ready') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.analytics_cache?.responders).toMatchObject({
        state: 'ready',
        parts: cache.status().parts,
        spans: cache.status().spans,
      });
      const again = await synced.app.inject({ method: 'GET', url });
      expect(again.json()).toEqual(first.json());
    });
  });
}
