import { Ajv } from 'ajv';
import { addFormats } from '../helpers/add-formats.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import { accountTruth, type AccountTruth } from '../../src/simulator/account-truth.js';
import { scheduleEntries } from '../../src/simulator/schedule-model.js';
import {
  incidentId,
  parseIncidentId,
  type SimulatedAccount,
} from '../../src/simulator/simulated-account.js';
import { runSync } from '../../src/sync/sync-engine.js';
import { buildApp } from '../../src/api/app.js';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { QUESTIONS } from '../../src/metabase/metabase-setup.js';
import { listInactiveUsers } from '../../src/analytics/users-analytics.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';

const DAY = 24 * 3600 * 1000;
type Breakdown = { triggered: number; acknowledged: number; resolved: number };
const total = (b: Breakdown | undefined) => (b ? b.triggered + b.acknowledged + b.resolved : 0);
const byName = <T extends { name: string; id: string }>(a: T, b: T) =>
  a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** The inactive users the generator's own state implies, at `now`. */
function inactiveTruth(account: SimulatedAccount, now: number): Map<string, string[]> {
  const e = account.entities;
  const onSchedules = new Set(e.schedules.flatMap((s) => s.layers.flatMap((l) => l.userIds)));
  const onRules = new Set(
    e.policies.flatMap((p) =>
      p.rules.flatMap((r) => r.targets.filter((t) => t.type === 'user_reference').map((t) => t.id)),
    ),
  );
  const withShift = new Set(
    e.schedules.flatMap((s) =>
      scheduleEntries(s, { since: now, until: now + 90 * DAY }).map((x) => x.userId),
    ),
  );
  const result = new Map<string, string[]>();
  for (const u of e.users) {
    const reasons: string[] = [];
    if (u.deletedAt !== null && (onSchedules.has(u.id) || onRules.has(u.id)))
      reasons.push('deleted');
    if (onSchedules.has(u.id) && u.deletedAt === null && u.invitation_sent)
      reasons.push('invitation_pending');
    if (onSchedules.has(u.id) && !withShift.has(u.id)) reasons.push('no_upcoming_shift');
    if (reasons.length > 0) result.set(u.id, reasons);
  }
  return result;
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`the analytics API on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    let account: SimulatedAccount;
    let truth: AccountTruth;
    let app: FastifyInstance;
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBe(200);
      return res.json();
    };

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
      await migrateToLatest(handle.db);
      const started = await startTestSimulator('small');
      account = started.account;
      await runSync(
        {
          db: handle.db,
          client: testClient(started.sim.url),
          logger: createLogger('silent'),
          clock: () => new Date(account.now + 1000),
        },
        { since: new Date(SIM_NOW - 500 * DAY) },
      );
      await started.sim.close();
      truth = accountTruth(account);
      app = await buildApp({
        config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
        db: handle,
        logger: createLogger('silent'),
        clock: () => new Date(account.now + 1000),
      });
    });
    afterAll(async () => {
      await app?.close();
      await handle?.destroy();
      await testDb?.drop();
    });

    it('counts services, teams and escalation policies', async () => {
      expect(await get('/services/count')).toEqual({ count: truth.services.length });
      expect(await get('/teams/count')).toEqual({ count: truth.teams.length });
      expect(await get('/escalation-policies/count')).toEqual({ count: truth.policies.length });
    });

    it('lists every service with its incident count, 0 when none, by name', async () => {
      const body = await get('/services?limit=1000');
      const expected = truth.services
        .map((s) => ({
          id: s.id,
          name: s.name,
          incident_count: total(truth.incidentsByServiceStatus.get(s.id)),
        }))
        .sort(byName);
      expect(body.total).toBe(truth.services.length);
      expect(
        body.services.map((s: { id: string; name: string; incident_count: number }) => ({
          id: s.id,
          name: s.name,
          incident_count: s.incident_count,
        })),
      ).toEqual(expected);
      expect(expected.some((s) => s.incident_count === 0)).toBe(true);
      const paged = await get('/services?limit=5&offset=5');
      expect(paged.services.map((s: { id: string }) => s.id)).toEqual(
        expected.slice(5, 10).map((s) => s.id),
      );
    });

    it('finds the service with the most incidents, with every status present', async () => {
      const ranked = truth.services
        .map((s) => ({
          ...s,
          b: truth.incidentsByServiceStatus.get(s.id) ?? {
            triggered: 0,
            acknowledged: 0,
            resolved: 0,
          },
        }))
        .sort((a, b) => total(b.b) - total(a.b) || byName(a, b));
      const top = ranked[0];
      expect(await get('/services/most-incidents')).toEqual({
        service_id: top?.id,
        service_name: top?.name,
        total_incidents: total(top?.b),
        status_breakdown: top?.b,
      });
      const chart = await get('/services/chart');
      expect(chart).toMatchObject({
        service_id: top?.id,
        categories: ['triggered', 'acknowledged', 'resolved'],
        values: [top?.b.triggered, top?.b.acknowledged, top?.b.resolved],
      });
    });

    it('breaks incidents down by status, by service, and by service and status', async () => {
      const all = [...truth.incidentsByServiceStatus.values()].reduce(
        (acc, b) => ({
          triggered: acc.triggered + b.triggered,
          acknowledged: acc.acknowledged + b.acknowledged,
          resolved: acc.resolved + b.resolved,
        }),
        { triggered: 0, acknowledged: 0, resolved: 0 },
      );
      expect(await get('/incidents/by-status')).toEqual({ ...all, total: truth.incidentCount });
      const byService = await get('/incidents/by-service');
      expect(byService.total_incidents).toBe(truth.incidentCount);
      expect(
        Object.fromEntries(
          byService.services.map((s: { service_id: string; incident_count: number }) => [
            s.service_id,
            s.incident_count,
          ]),
        ),
      ).toEqual(
        Object.fromEntries([...truth.incidentsByServiceStatus].map(([id, b]) => [id, total(b)])),
      );
      const grid = await get('/incidents/by-service-status?limit=1000');
      for (const row of grid.services) {
        const b = truth.incidentsByServiceStatus.get(row.service_id) ?? {
          triggered: 0,
          acknowledged: 0,
          resolved: 0,
        };
        expect(row).toEqual({
          service_id: row.service_id,
          service_name: row.service_name,
          ...b,
          total: total(b),
        });
      }
      expect(grid.total).toBe(truth.services.length);
    });

    it('applies the filters to the numbers', async () => {
      const store = account.incidents;
      const since = SIM_NOW - 120 * DAY;
      const until = SIM_NOW - 30 * DAY;
      const service = truth.services[1]?.id ?? '';
      let expected = 0;
      for (let i = 0; i < store.count; i += 1) {
        const created = store.createdAt[i] ?? 0;
        if (created < since || created >= until) continue;
        if (account.entities.services[store.serviceIndex[i] ?? 0]?.id !== service) continue;
        if (account.urgency(i) !== 'high' || truth.statusById.get(incidentId(i)) !== 'resolved')
          continue;
        expected += 1;
      }
      const q = `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}&service_id=${service}&urgency=high&status=resolved`;
      expect((await get(`/incidents/by-status?${q}`)).total).toBe(expected);
      expect((await get(`/incidents?${q}&limit=1`)).total).toBe(expected);
      expect((await get(`/services?${q}`)).services).toEqual([
        expect.objectContaining({ id: service, incident_count: expected }),
      ]);
      const team = truth.teams[0]?.id ?? '';
      const teamServices = new Set(
        truth.services.filter((s) => s.teamIds.includes(team)).map((s) => s.id),
      );
      const teamTotal = [...truth.incidentsByServiceStatus]
        .filter(([id]) => teamServices.has(id))
        .reduce((n, [, b]) => n + total(b), 0);
      expect((await get(`/incidents/by-status?team_id=${team}`)).total).toBe(teamTotal);
    });

    it('counts incidents over time by status, and counts users', async () => {
      const expected = new Map<string, Breakdown>();
      const store = account.incidents;
      for (let i = 0; i < store.count; i += 1) {
        const day = new Date(store.createdAt[i] ?? 0);
        const monday = new Date(
          Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) -
            ((day.getUTCDay() + 6) % 7) * DAY,
        )
          .toISOString()
          .slice(0, 10);
        const b = expected.get(monday) ?? { triggered: 0, acknowledged: 0, resolved: 0 };
        b[truth.statusById.get(incidentId(i)) ?? 'resolved'] += 1;
        expected.set(monday, b);
      }
      // One entry per week from the first incident's to the one holding until, empty ones too.
      const until = '2026-12-09';
      const weeks: string[] = [];
      const first = [...expected.keys()].sort()[0] ?? until;
      for (let t = Date.parse(first); t < Date.parse(until); t += 7 * DAY)
        weeks.push(new Date(t).toISOString().slice(0, 10));
      const body = await get(`/incidents/over-time?interval=week&until=${until}`);
      expect(body.time_zone).toBe('UTC');
      expect(body.periods).toEqual(
        weeks.map((period) => {
          const b = expected.get(period) ?? { triggered: 0, acknowledged: 0, resolved: 0 };
          return { period, start: `${period}T00:00:00+00:00`, ...b, total: total(b) };
        }),
      );
      expect(body.periods.at(-1)).toMatchObject({ period: '2026-12-07', total: 0 });
      const months = await get('/incidents/over-time?interval=month');
      expect(months.periods.reduce((n: number, p: { total: number }) => n + p.total, 0)).toBe(
        truth.incidentCount,
      );
      expect(await get('/users/count')).toEqual({ count: truth.liveUserIds.length });
    });

    it("zero-fills a quiet service's weeks in the asked zone, one entry per week", async () => {
      // The quietest service with incidents, its incidents placed in Sydney weeks by Intl here.
      const counts = new Map<string, number>();
      const store = account.incidents;
      for (let i = 0; i < store.count; i += 1) {
        const id = account.entities.services[store.serviceIndex[i] ?? 0]?.id ?? '';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const [quiet] = [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0] ?? [];
      const sydneyDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' });
      const mondayOf = (ms: number) => {
        const local = Date.parse(`${sydneyDate.format(ms)}T00:00:00Z`);
        const back = (new Date(local).getUTCDay() + 6) % 7;
        return new Date(local - back * DAY).toISOString().slice(0, 10);
      };
      const expected = new Map<string, number>();
      for (let i = 0; i < store.count; i += 1) {
        const created = store.createdAt[i] ?? 0;
        if (account.entities.services[store.serviceIndex[i] ?? 0]?.id !== quiet) continue;
        if (
          created < Date.parse('2026-01-04T13:00:00Z') ||
          created >= Date.parse('2026-07-04T14:00:00Z')
        )
          continue;
        expected.set(mondayOf(created), (expected.get(mondayOf(created)) ?? 0) + 1);
      }
      const body = await get(
        `/incidents/over-time?interval=week&service_id=${quiet}&time_zone=Australia/Sydney&since=2026-01-04T13:00:00Z&until=2026-07-04T14:00:00Z`,
      );
      expect(body.time_zone).toBe('Australia/Sydney');
      const periods = body.periods as { period: string; start: string; total: number }[];
      // since is Monday 5 January 00:00 in Sydney, until Sunday 5 July 00:00: 26 weeks.
      expect(periods.length).toBe(26);
      periods.forEach((p, i) =>
        expect(p.period).toBe(
          new Date(Date.parse('2026-01-05') + i * 7 * DAY).toISOString().slice(0, 10),
        ),
      );
      expect(periods[0]?.start).toBe('2026-01-05T00:00:00+11:00');
      expect(periods.find((p) => p.period === '2026-04-06')?.start).toBe(
        '2026-04-06T00:00:00+10:00',
      );
      expect(
        Object.fromEntries(periods.filter((p) => p.total > 0).map((p) => [p.period, p.total])),
      ).toEqual(Object.fromEntries(expected));
      expect(periods.some((p) => p.total === 0)).toBe(true);
    });

    it('answers a 400 naming the unit, since, until and the cap past 5000 periods, at once', async () => {
      for (const [url, parameter] of [
        // The widest range the date parser takes (years 1970 to 9999), in weeks.
        [
          '/analytics/incidents?group_by=service&aggregate_unit=week&since=1970-01-01&until=9999-12-31',
          'aggregate_unit',
        ],
        [
          '/analytics/incidents?aggregate_unit=day&since=1970-01-01&until=2200-01-01',
          'aggregate_unit',
        ],
        ['/incidents/over-time?interval=day&since=1970-01-01&until=2200-01-01', 'interval'],
        [
          '/analytics/incidents?group_by=service&aggregate_unit=day&since=2025-01-01&until=2026-12-01',
          'aggregate_unit',
        ],
      ] as const) {
        const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
        expect(res.statusCode, url).toBe(400);
        const error = res.json().error;
        expect(error.parameter).toBe(parameter);
        expect(error.message).toContain('since');
        expect(error.message).toContain('until');
        expect(error.message).toContain('5000');
      }
      // A year before 1970 is no date the product takes: refused by the one date parser first.
      const ancient = await app.inject({
        method: 'GET',
        url: '/api/v1/analytics/incidents?group_by=service&aggregate_unit=week&since=0001-01-01&until=9999-12-31',
      });
      expect(ancient.statusCode).toBe(400);
      expect(ancient.json().error.parameter).toBe('since');
      // Just under the cap: 5000 days.
      const ok = await get(
        '/analytics/incidents?aggregate_unit=day&since=2013-01-01&until=2026-09-10',
      );
      expect(ok.data.length).toBe(5000);
    });

    it('answers every period of every group, zeros included', async () => {
      const body = await get(
        '/analytics/incidents?group_by=service&aggregate_unit=month&since=2026-01-01&until=2026-07-01',
      );
      const byService = new Map<string, string[]>();
      for (const r of body.data as { service_id: string; range_start: string }[])
        byService.set(r.service_id, [...(byService.get(r.service_id) ?? []), r.range_start]);
      expect(byService.size).toBeGreaterThan(1);
      for (const starts of byService.values())
        expect(starts).toEqual([1, 2, 3, 4, 5, 6].map((m) => `2026-0${m}-01T00:00:00+00:00`));
    });

    it('lists teams with their services and escalation policies with teams, services and rules', async () => {
      const teams = await get('/teams?limit=1000');
      for (const team of teams.teams) {
        const services = truth.services.filter((s) => s.teamIds.includes(team.id));
        expect(team.service_count).toBe(services.length);
        expect(
          team.services
            .map((s: { id: string; incident_count: number }) => [s.id, s.incident_count])
            .sort(),
        ).toEqual(
          services.map((s) => [s.id, total(truth.incidentsByServiceStatus.get(s.id))]).sort(),
        );
      }
      const policies = await get('/escalation-policies?limit=1000');
      expect(policies.total).toBe(truth.policies.length);
      for (const p of policies.escalation_policies) {
        const expected = truth.policies.find((t) => t.id === p.id);
        expect(p.services.map((s: { id: string }) => s.id).sort()).toEqual(expected?.serviceIds);
        expect(p.teams.map((t: { id: string }) => t.id).sort()).toEqual(expected?.teamIds);
        expect(p.rules).toHaveLength(expected?.ruleCount ?? -1);
        expect(
          p.rules.reduce((n: number, r: { targets: unknown[] }) => n + r.targets.length, 0),
        ).toBe(expected?.targetCount);
      }
    });

    it('reports the inactive users on schedules with their reasons', async () => {
      const body = await get('/users/inactive?limit=1000');
      const expected = inactiveTruth(account, account.now + 1000);
      expect(
        Object.fromEntries(
          body.users.map((u: { id: string; reasons: string[] }) => [u.id, u.reasons]),
        ),
      ).toEqual(Object.fromEntries(expected));
      for (const u of body.users) expect(u.schedule_count).toBe(u.schedules.length);
      expect(body.users.some((u: { reasons: string[] }) => u.reasons.includes('deleted'))).toBe(
        true,
      );
      expect(
        body.users.some((u: { reasons: string[] }) => u.reasons.includes('invitation_pending')),
      ).toBe(true);
    });

    it('serves CSV reports whose numbers match', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/reports/incidents_count_per_service',
      });
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="incidents_count_per_service_\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const lines = res.body.trim().split('\n');
      expect(lines[0]).toBe('service_id,service_name,incident_count');
      expect(lines).toHaveLength(truth.services.length + 1);
      const incidents = await app.inject({ method: 'GET', url: '/api/v1/reports/incidents' });
      expect(incidents.body.trim().split('\n')).toHaveLength(truth.incidentCount + 1);
      const service = truth.services[1]?.id ?? '';
      const byStatus = await app.inject({
        method: 'GET',
        url: `/api/v1/reports/incidents_status_count_by_service/${service}`,
      });
      const b = truth.incidentsByServiceStatus.get(service);
      expect(
        byStatus.body
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',').slice(2).join(',')),
      ).toEqual([
        `triggered,${b?.triggered}`,
        `acknowledged,${b?.acknowledged}`,
        `resolved,${b?.resolved}`,
      ]);
      for (const name of [
        'services_count',
        'services',
        'teams',
        'services_teams',
        'escalation_policies',
        'escalation_policies_teams',
        'escalation_policies_services',
        'most_incidents',
        'incidents_status_count_by_service',
        'inactive_users',
      ]) {
        const r = await app.inject({ method: 'GET', url: `/api/v1/reports/${name}` });
        expect(r.statusCode, name).toBe(200);
        expect(r.body.split('\n').length, name).toBeGreaterThan(1);
      }
    });

    it('reads repeated filter parameters as any of them, on every filtered route', async () => {
      const [a, b] = truth.services
        .map((s) => s.id)
        .filter((id) => total(truth.incidentsByServiceStatus.get(id)) > 0);
      const count = (id: string | undefined) => total(truth.incidentsByServiceStatus.get(id ?? ''));
      const both = `service_id=${a}&service_id=${b}`;
      expect((await get(`/incidents/by-status?${both}`)).total).toBe(count(a) + count(b));
      expect((await get(`/incidents?${both}&limit=1`)).total).toBe(count(a) + count(b));
      const metrics = await get(`/analytics/incidents?${both}`);
      expect(metrics.data[0].total_incident_count).toBe(count(a) + count(b));
      const statuses = await get(`/incidents/by-status?status=resolved&status=triggered`);
      expect(statuses.acknowledged).toBe(0);
      expect(statuses.total).toBe(statuses.resolved + statuses.triggered);
      const urgencies = await get('/incidents/by-status?urgency=high&urgency=low');
      expect(urgencies.total).toBe(truth.incidentCount);
      // Two teams: an incident of both counts once.
      const teams = truth.teams.map((t) => t.id).slice(0, 2);
      const ids = new Set(
        truth.services.filter((s) => s.teamIds.some((t) => teams.includes(t))).map((s) => s.id),
      );
      const ofTeams = [...ids].reduce((n, id) => n + count(id), 0);
      expect(
        (await get(`/incidents/by-status?team_id=${teams[0]}&team_id=${teams[1]}`)).total,
      ).toBe(ofTeams);
      // The team filter narrows the service list to the teams' services.
      const listed = await get(`/services?team_id=${teams[0]}&team_id=${teams[1]}&limit=1000`);
      expect(listed.services.map((s: { id: string }) => s.id).sort()).toEqual([...ids].sort());
      const responders = await get(`/analytics/responders?team_id=${teams[0]}&team_id=${teams[1]}`);
      expect(responders.total).toBeGreaterThan(0);
    });

    it('names the allowed values of an enum, and refuses until before since on every route', async () => {
      const bad = await app.inject({ method: 'GET', url: '/api/v1/incidents?status=exploded' });
      expect(bad.json().error.message).toContain(
        'must be one of triggered, acknowledged, resolved',
      );
      const unit = await app.inject({
        method: 'GET',
        url: '/api/v1/analytics/incidents?aggregate_unit=year',
      });
      expect(unit.json().error.message).toContain('day, week, month');
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
        paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
      };
      const ranged = Object.entries(doc.paths).filter(([, item]) =>
        ['since', 'until'].every((n) =>
          item.get?.parameters?.some((p) => p.in === 'query' && p.name === n),
        ),
      );
      expect(ranged.length).toBeGreaterThan(10);
      for (const [path] of ranged) {
        const url = `${path.replace(/\{[^}]+\}/g, truth.teams[0]?.id ?? 'X')}?since=2027-01-01&until=2026-01-01`;
        const res = await app.inject({ method: 'GET', url });
        if (res.statusCode === 404) continue; // a path parameter that is not this kind of id
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.parameter, url).toBe('until');
      }
    });

    it('answers unknown ids with 404 and malformed parameters with 400 naming them', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/v1/services/PNOPE' })).statusCode).toBe(
        404,
      );
      expect(
        (
          await app.inject({
            method: 'GET',
            url: '/api/v1/reports/incidents_status_count_by_service/PNOPE',
          })
        ).statusCode,
      ).toBe(404);
      for (const [url, parameter] of [
        ['/services?limit=abc', 'limit'],
        ['/incidents?status=exploded', 'status'],
        ['/incidents?urgency=mild', 'urgency'],
        ['/incidents/by-status?since=yesterday', 'since'],
        ['/services?until=2020-01-01&since=2021-01-01', 'until'],
        ["/incidents?service_id=x'%20OR%201=1--&bogus=1", 'bogus'],
      ] as const) {
        const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.message, url).toContain(parameter);
      }
      // An id that is not one is refused before it nears a query; values reach SQL as bound
      // parameters anyway, so a well-formed unknown id is just an id without incidents.
      const injection = await app.inject({
        method: 'GET',
        url: "/api/v1/incidents?service_id=x'%20OR%201=1--",
      });
      expect(injection.statusCode).toBe(400);
      expect(injection.json().error.parameter).toBe('service_id');
      expect((await get('/incidents?service_id=PNOSUCH1')).total).toBe(0);
    });

    it('offers reporting views for BI tools whose numbers match', async () => {
      const db = handle.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      const services = await db.selectFrom('v_services').selectAll().execute();
      expect(services).toHaveLength(truth.services.length);
      for (const row of services) {
        const b = truth.incidentsByServiceStatus.get(String(row['service_id'])) ?? {
          triggered: 0,
          acknowledged: 0,
          resolved: 0,
        };
        expect(
          [row['incident_count'], row['triggered'], row['acknowledged'], row['resolved']].map(
            Number,
          ),
        ).toEqual([total(b), b.triggered, b.acknowledged, b.resolved]);
      }
      const byStatus = await db.selectFrom('v_incidents_by_service_status').selectAll().execute();
      expect(byStatus.reduce((n, r) => n + Number(r['incident_count']), 0)).toBe(
        truth.incidentCount,
      );
      const teams = await db.selectFrom('v_teams_services').selectAll().execute();
      for (const t of truth.teams) {
        expect(
          teams
            .filter((r) => r['team_id'] === t.id && r['service_id'] !== null)
            .map((r) => r['service_id'])
            .sort(),
        ).toEqual(
          truth.services
            .filter((sv) => sv.teamIds.includes(t.id))
            .map((sv) => sv.id)
            .sort(),
        );
      }
      const relations = await db.selectFrom('v_escalation_policy_relations').selectAll().execute();
      for (const p of truth.policies) {
        expect(
          relations
            .filter((r) => r['escalation_policy_id'] === p.id && r['related_type'] === 'service')
            .map((r) => r['related_id'])
            .sort(),
        ).toEqual(p.serviceIds);
        expect(
          relations
            .filter((r) => r['escalation_policy_id'] === p.id && r['related_type'] === 'team')
            .map((r) => r['related_id'])
            .sort(),
        ).toEqual(p.teamIds);
      }
      // The view reads the wall clock; so does this comparison.
      const inactive = await listInactiveUsers(handle.db, new Date(), 10_000, 0);
      const viewRows = await db
        .selectFrom('v_inactive_users')
        .select(['user_id', 'reason'])
        .execute();
      expect(viewRows.map((r) => `${r['user_id']}:${r['reason']}`).sort()).toEqual(
        inactive.items.flatMap((u) => u.reasons.map((reason) => `${u.id}:${reason}`)).sort(),
      );
      const facts = await db
        .selectFrom('v_incident_facts')
        .select(['incident_id', 'seconds_to_first_ack', 'seconds_to_resolve'])
        .execute();
      expect(facts).toHaveLength(truth.incidentCount);
      const wrong = facts.filter((f) => {
        const i = parseIncidentId(String(f['incident_id'])) ?? -1;
        const created = account.incidents.createdAt[i] ?? 0;
        const ack = truth.firstAcknowledgedAt.get(String(f['incident_id']));
        const resolved = truth.resolvedAt.get(String(f['incident_id']));
        const expectAck = ack === undefined ? null : Math.round((ack - created) / 1000);
        const expectResolve =
          resolved === undefined ? null : Math.round((resolved - created) / 1000);
        return (
          (f['seconds_to_first_ack'] === null ? null : Number(f['seconds_to_first_ack'])) !==
            expectAck ||
          (f['seconds_to_resolve'] === null ? null : Number(f['seconds_to_resolve'])) !==
            expectResolve
        );
      });
      expect(wrong.slice(0, 5)).toEqual([]);
    });

    it('runs the SQL of every Metabase question on this database', async () => {
      for (const q of QUESTIONS) {
        const result = await sql.raw(q.sql).execute(handle.db);
        expect(result.rows.length, q.name).toBeGreaterThan(0);
      }
    });

    it('answers as its OpenAPI document says', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ $id: 'doc', components: doc.components ?? {} });
      const service = truth.services[1]?.id ?? '';
      let checked = 0;
      for (const [path, item] of Object.entries<
        Record<
          string,
          { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }
        >
      >(doc.paths)) {
        const schema = item['get']?.responses?.['200']?.content?.['application/json']?.schema;
        if (!schema || !path.startsWith('/api/v1/')) continue;
        const team = truth.teams[0]?.id ?? '';
        const url = path
          .replace('/teams/{id}', `/teams/${team}`)
          .replace('{id}', service)
          .replace('{service_id}', service);
        if (url.includes('{')) continue;
        const res = await app.inject({
          method: 'GET',
          url: url.includes('/sync/runs/') ? '/api/v1/sync/runs' : url,
        });
        if (url.includes('/sync/runs/')) continue;
        expect(res.statusCode, url).toBe(200);
        const validate = ajv.compile(
          JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"doc#/components')),
        );
        expect(
          validate(res.json()),
          `${url}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
        ).toBe(true);
        checked += 1;
      }
      // Every JSON GET of /api/v1 but one run by id: services (5), incidents (4), teams (2), policies (2), users, chart, health, sync runs.
      expect(checked).toBeGreaterThanOrEqual(17);
      for (const [path, item] of Object.entries<
        Record<string, { responses?: Record<string, unknown> }>
      >(doc.paths)) {
        // Every operation declares its success and its errors.
        for (const op of Object.values(item)) {
          const codes = Object.keys(op.responses ?? {});
          expect(
            codes.some((c) => c.startsWith('2')),
            path,
          ).toBe(true);
          expect(
            codes.some((c) => /^[45]/.test(c)),
            path,
          ).toBe(true);
        }
      }
    });
  });
}
