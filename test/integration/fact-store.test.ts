import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsRequest } from '../../src/analytics/analytics-request.js';
import {
  FactCache,
  factCacheState,
  loadFactStore,
  type FactStore,
} from '../../src/analytics/fact-store.js';
import type { AnalyticsFilter } from '../../src/analytics/incident-filter.js';
import { incidentMetricsFor, noiseMetricsFor } from '../../src/analytics/incident-metrics.js';
import { conditionFlag, repeatFacts } from '../../src/analytics/incident-conditions.js';
import { noiseRepeats } from '../../src/analytics/noise-repeats.js';
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

const HOUR_MS = 3600 * 1000;
const WINDOW_MS = config.repeatWindowHours * HOUR_MS;

/**
 * Incidents whose repeats are decided at the edges of the definition, as (key, service, hours
 * after a base instant, id): ties at one instant (ids that sort apart by length), the window's
 * inclusive bound and a millisecond past it, a chain, a key shared by two services, null keys,
 * a null service. Service 0 and 1 are the first two services. The expected repeats of each key
 * are counted by hand in the test that reads them.
 */
const CRAFTED: [string | null, 0 | 1 | null, number, string][] = [
  ['k tie', 0, 0, 'QZTIE2'],
  ['k tie', 0, 0, 'QZTIE10'],
  ['k tie', 0, 0, 'QZTIE1'],
  ['k edge', 0, 0, 'QZEDGE1'],
  ['k edge', 0, config.repeatWindowHours, 'QZEDGE2'],
  ['k past', 0, 0, 'QZPAST1'],
  ['k past', 0, config.repeatWindowHours + 1 / HOUR_MS, 'QZPAST2'],
  ['k chain', 0, 0, 'QZCHAIN1'],
  ['k chain', 0, config.repeatWindowHours * 0.8, 'QZCHAIN2'],
  ['k chain', 0, config.repeatWindowHours * 1.6, 'QZCHAIN3'],
  ['k shared', 0, 0, 'QZSHARE1'],
  ['k shared', 1, 1, 'QZSHARE2'],
  ['k shared', 0, 2, 'QZSHARE3'],
  [null, 0, 3, 'QZNULL1'],
  [null, 0, 3, 'QZNULL2'],
  ['k no service', null, 0, 'QZNOSVC1'],
  ['k no service', null, 0, 'QZNOSVC2'],
  ['k tie edge', 1, 0, 'QZTEDGE1'],
  ['k tie edge', 1, config.repeatWindowHours, 'QZTEDGE3'],
  ['k tie edge', 1, config.repeatWindowHours, 'QZTEDGE2'],
];

/**
 * The repeat flag of each incident in primary key order, by the definition read literally: an
 * incident of the service with the key created in [created - window, created], before it (earlier,
 * or at the same instant with a smaller id). Ids compare by code unit: ASCII, as the test
 * databases' binary collations compare them.
 */
function repeatsByDefinition(
  rows: {
    incident_id: string;
    service_id: string | null;
    repeat_key: string | null;
    created_at: unknown;
  }[],
): number[] {
  const at = rows.map((r) => new Date(r.created_at as string).getTime());
  return rows.map((m, i) =>
    m.service_id !== null &&
    m.repeat_key !== null &&
    rows.some(
      (p, j) =>
        p.service_id === m.service_id &&
        p.repeat_key === m.repeat_key &&
        (at[j] ?? 0) >= (at[i] ?? 0) - WINDOW_MS &&
        ((at[j] ?? 0) < (at[i] ?? 0) ||
          ((at[j] ?? 0) === (at[i] ?? 0) && p.incident_id < m.incident_id)),
    )
      ? 1
      : 0,
  );
}

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
    let services: string[] = [];
    /** The instant the crafted incidents are created after. */
    let base = 0;

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect, { db: { taskState: factCacheState(CAP_MB) } });
      cache = new FactCache(CAP_MB * 2 ** 20);
      const read = synced.db.read;
      const pick = async (table: 'services' | 'teams' | 'priorities') =>
        (await read.selectFrom(table).select('id').orderBy('id').limit(2).execute()).map(
          (r) => r.id,
        );
      let teams: string[];
      let priorities: string[];
      [services, teams, priorities] = await Promise.all([
        pick('services'),
        pick('teams'),
        pick('priorities'),
      ]);
      const now = synced.clock().getTime();
      // The crafted incidents: copies of an incident of the account (its facts, priority,
      // urgency and teams) with their own id, time, service and key, written as the mirror's
      // writes are, in a transaction that moves its version.
      base = Math.floor((now - 40 * 24 * HOUR_MS) / 1000) * 1000;
      const source = await read
        .selectFrom('incident_metrics')
        .selectAll()
        .orderBy('created_at')
        .orderBy('incident_id')
        .executeTakeFirstOrThrow();
      const sourceTeams = await read
        .selectFrom('incident_teams')
        .select('team_id')
        .where('incident_id', '=', source.incident_id)
        .execute();
      await writeMirror(mirrorWriter(synced.db.db), synced.clock(), async (trx) => {
        for (const [key, service, hours, id] of CRAFTED) {
          await trx
            .insertInto('incident_metrics')
            .values({
              ...source,
              incident_id: id,
              created_at: new Date(base + Math.round(hours * HOUR_MS)),
              resolved_at: null,
              service_id: service === null ? null : (services[service] ?? null),
              repeat_key: key,
            })
            .execute();
          for (const { team_id } of sourceTeams)
            await trx.insertInto('incident_teams').values({ incident_id: id, team_id }).execute();
        }
      });
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
        // The crafted pairs cut by the range: the incident before stays outside it.
        ['from just after the crafted', { since: new Date(base + HOUR_MS) }],
        [
          "the crafted services' window",
          { serviceId: services, since: new Date(base), until: new Date(base + WINDOW_MS) },
        ],
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

    it('flags each repeat as the definition does, in SQL and in the copy', async () => {
      const db = synced.db.read;
      const rows = await db
        .selectFrom(repeatFacts(db, {}, config).as('m'))
        .select([
          'm.incident_id',
          'm.service_id',
          'm.repeat_key',
          'm.created_at',
          conditionFlag(db, 'repeat', config).as('is_repeat'),
        ])
        .orderBy('m.created_at')
        .orderBy('m.incident_id')
        .execute();
      const expected = repeatsByDefinition(rows);
      // The account repeats, and the crafted incidents are among the rows.
      expect(expected.filter((r) => r === 1).length).toBeGreaterThan(10);
      expect(rows.map((r) => Number(r.is_repeat))).toEqual(expected);
      const store = await cache.load(synced.db, config);
      expect(Array.from(store?.repeat ?? [])).toEqual(expected);
      const crafted = Object.fromEntries(
        rows
          .map((r, i) => [r.incident_id, expected[i]] as const)
          .filter(([id]) => id.startsWith('QZ')),
      );
      expect(crafted).toEqual({
        QZTIE1: 0,
        QZTIE10: 1,
        QZTIE2: 1,
        QZEDGE1: 0,
        QZEDGE2: 1,
        QZPAST1: 0,
        QZPAST2: 0,
        QZCHAIN1: 0,
        QZCHAIN2: 1,
        QZCHAIN3: 1,
        QZSHARE1: 0,
        QZSHARE2: 0,
        QZSHARE3: 1,
        QZNULL1: 0,
        QZNULL2: 0,
        QZNOSVC1: 0,
        QZNOSVC2: 0,
        QZTEDGE1: 0,
        QZTEDGE2: 1,
        QZTEDGE3: 1,
      });
    });

    it('lists the repeating alerts as SQL does, value for value, under every filter', async () => {
      const sql = { read: synced.db.read, readPage: synced.db.readPage };
      const copy = { ...sql, facts: cache };
      const filters = new Map<string, AnalyticsFilter>([['everything', {}]]);
      for (const [what, request] of requests)
        filters.set(what.split(',')[0] ?? what, request.filter);
      const priorities = await sql.read.selectFrom('priorities').select('id').execute();
      for (const { id } of priorities) filters.set(`priority ${id}`, { priorityId: id });
      filters.set('low urgency', { urgency: ['low'] });
      let listed = 0;
      for (const [what, filter] of filters) {
        const reference = await noiseRepeats(sql, filter, config);
        expect(await noiseRepeats(copy, filter, config), what).toEqual(reference);
        listed += reference.length;
      }
      expect(listed).toBeGreaterThan(20);
      // The crafted keys, counted by hand.
      const craftedKeys = new Set(CRAFTED.map(([key]) => key?.slice(2)));
      const crafted = (await noiseRepeats(copy, { serviceId: services }, config))
        .filter((r) => craftedKeys.has(r.repeat_key))
        .map((r) => [
          services.indexOf(r.service_id),
          r.repeat_key,
          r.incident_count,
          r.repeat_incident_count,
        ]);
      expect(crafted).toEqual(
        expect.arrayContaining([
          [0, 'tie', 3, 2],
          [0, 'chain', 3, 2],
          [1, 'tie edge', 3, 2],
          [0, 'edge', 2, 1],
          [0, 'shared', 2, 1],
        ]),
      );
      expect(crafted).toHaveLength(5);
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
        expect(copy?.repeatKeys).toEqual(whole?.repeatKeys);
        for (const column of [
          'created',
          'resolved',
          'service',
          'teamStart',
          'repeat',
          'repeatKey',
        ] as const)
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
      // Once the mirror moves, /health says so before any request has told the copy.
      await writeMirror(mirrorWriter(synced.db.db), synced.clock(), async () => undefined);
      const after = (await synced.app.inject({ method: 'GET', url: '/api/v1/health' })).json<{
        analytics_cache: { state: string } | null;
      }>();
      expect(after.analytics_cache?.state).toBe('stale');
    });
  });
}
