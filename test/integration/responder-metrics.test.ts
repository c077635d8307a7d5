import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONDER_METRIC_FIELDS } from '../../src/analytics/responder-metrics.js';
import { RESPONDER_METRICS_FIELDS } from '../../src/api/schemas/analytics.js';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { runSync } from '../../src/sync/sync-engine.js';
import { parseCsv } from '../helpers/csv.js';
import { metricsTruth, type TruthIncident } from '../helpers/metrics-truth.js';
import { giniByDefinition, responderTruth, type ResponderTruth } from '../helpers/oncall-truth.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { createTestDatabase, dialectsUnderTest } from '../helpers/test-databases.js';

const DAY = 24 * 3600 * 1000;
const QUARTER = 15 * 60_000;
type Row = Record<string, string | number | null | string[]>;

/** A past range longer than one /oncalls window (90 days), on quarter hours. */
const SINCE = Math.floor((SIM_NOW - 200 * DAY) / QUARTER) * QUARTER;
const UNTIL = Math.floor((SIM_NOW - 3 * DAY) / QUARTER) * QUARTER;
const RANGE = `since=${new Date(SINCE).toISOString()}&until=${new Date(UNTIL).toISOString()}`;

function expectedRow(t: ResponderTruth): Record<string, number | null> {
  const interruptions = t.interruptions.business + t.interruptions.off + t.interruptions.sleep;
  return {
    total_incident_count: t.incidents,
    total_notifications: t.notifications,
    total_interruptions: interruptions,
    total_business_hour_interruptions: t.interruptions.business,
    total_off_hour_interruptions: t.interruptions.off,
    total_sleep_hour_interruptions: t.interruptions.sleep,
    total_incidents_acknowledged: t.acknowledged,
    mean_time_to_acknowledge_seconds: t.ttaN > 0 ? t.ttaSum / t.ttaN : null,
    total_engaged_seconds: t.engaged,
    mean_engaged_seconds: t.incidents > 0 ? t.engaged / t.incidents : null,
    ...Object.fromEntries(
      ['manual_escalated', 'reassigned', 'timeout_escalated'].flatMap((k) =>
        ['from', 'to'].map((side) => [
          `total_incidents_${k}_${side}`,
          t.handoffs[`${k}_${side}`] ?? 0,
        ]),
      ),
    ),
    total_seconds_on_call: t.seconds,
    total_seconds_on_call_scheduled: t.scheduled,
    total_seconds_on_call_level_1: t.level1,
    total_seconds_on_call_level_2_plus: t.level2Plus,
    total_business_hour_seconds_on_call: t.business,
    total_off_hour_seconds_on_call: t.off,
    total_sleep_hour_seconds_on_call: t.sleep,
    sleep_hour_interruptions_per_7_days_on_call:
      t.seconds > 0 ? (t.interruptions.sleep * 7 * 86400) / t.seconds : null,
  };
}

function expectRowsMatch(rows: Row[], truth: Map<string, ResponderTruth>, what: string): void {
  const byId = new Map(rows.map((r) => [String(r['responder_id']), r]));
  const wanted = [...truth].filter(([, t]) => t.seconds > 0 || t.incidents > 0);
  expect([...byId.keys()].sort(), `${what}: responders`).toEqual(wanted.map(([id]) => id).sort());
  for (const [id, t] of wanted) {
    const row = byId.get(id);
    const direct = (row?.['direct_targets'] ?? []) as unknown as {
      escalation_policy_id: string;
      escalation_level: number;
    }[];
    expect(
      direct.map((d) => `${d.escalation_policy_id}/${d.escalation_level}`).sort(),
      `${what} ${id} direct_targets`,
    ).toEqual(t.directTargets);
    for (const [field, value] of Object.entries(expectedRow(t))) {
      const got = row?.[field];
      if (value === null) expect(got, `${what} ${id} ${field}`).toBeNull();
      else expect(Number(got), `${what} ${id} ${field}`).toBeCloseTo(value, 2);
    }
  }
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`responder metrics on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let handle: Db;
    let account: SimulatedAccount;
    let app: FastifyInstance;
    let incidents: TruthIncident[];
    const listed = new Map<string, string>();
    const zoneOf = (user: string) => listed.get(user) ?? 'UTC';
    const sync = () => synced.sync();
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      return res.json() as { data: Row[]; total: number; since: string; until: string };
    };
    const truthOf = (only: Parameters<typeof responderTruth>[4] = {}) =>
      responderTruth(account, incidents, { since: SINCE, until: UNTIL }, zoneOf, only);

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect);
      ({ app, db: handle, account } = synced);
      for (const u of account.liveUsers()) listed.set(u.id, u.time_zone);
      incidents = metricsTruth(account, zoneOf);
    });
    afterAll(async () => synced?.close());

    it('has an account that makes on-call time non-trivial', () => {
      const e = account.entities;
      // Every kind of handoff, from a user and to a user.
      const handoffs = new Set(
        incidents.flatMap((i) =>
          [...i.responders.values()].flatMap((r) => [
            ...[...r.from].map((k) => `${k}_from`),
            ...[...r.to].map((k) => `${k}_to`),
          ]),
        ),
      );
      expect(handoffs.size).toBe(6);
      // Zones with DST, for users and for schedules.
      const zones = new Set(account.liveUsers().map((u) => u.time_zone));
      expect(zones.has('America/New_York') && zones.has('Europe/Berlin')).toBe(true);
      expect(new Set(e.schedules.map((s) => s.time_zone)).size).toBeGreaterThan(1);
      // Layers changing over time, and overrides inside the range.
      expect(e.schedules.some((s) => s.layers.length > 1)).toBe(true);
      expect(
        e.schedules.some((s) => s.overrides.some((o) => o.start >= SINCE && o.end <= UNTIL)),
      ).toBe(true);
      // A user targeted directly, and users on several policies at once.
      const targets = e.policies.flatMap((p) => p.rules.flatMap((r) => r.targets));
      expect(targets.some((t) => t.type === 'user_reference')).toBe(true);
      const truth = truthOf();
      const overlapping = [...truth.values()].filter(
        (t) => t.seconds > 0 && t.level1 + t.level2Plus > t.seconds,
      );
      expect(overlapping.length).toBeGreaterThan(0);
      // The range is longer than one /oncalls window.
      expect(UNTIL - SINCE).toBeGreaterThan(90 * DAY);
    });

    it('answers every responder over a past range as the account implies', async () => {
      const body = await get(`/analytics/responders?${RANGE}&limit=1000`);
      expect(body.since).toBe(new Date(SINCE).toISOString());
      expect(body.until).toBe(new Date(UNTIL).toISOString());
      expect(body.total).toBe(body.data.length);
      expectRowsMatch(body.data, truthOf(), 'all');
      // Sorted by scheduled on-call time, most first; every documented field is answered.
      const seconds = body.data.map((r) => Number(r['total_seconds_on_call_scheduled']));
      expect(seconds).toEqual([...seconds].sort((a, b) => b - a));
      // Direct targets are on call for the whole range in PagerDuty's figure, never in the
      // scheduled one beyond what the range holds; and no one is scheduled longer than it.
      const truth = truthOf();
      expect([...truth.values()].some((t) => t.directTargets.length > 0)).toBe(true);
      for (const r of body.data)
        expect(Number(r['total_seconds_on_call_scheduled'])).toBeLessThanOrEqual(
          (UNTIL - SINCE) / 1000,
        );
      expect(Object.keys(RESPONDER_METRICS_FIELDS)).toEqual([...RESPONDER_METRIC_FIELDS]);
      const user = account.liveUsers()[0];
      const row = body.data.find((r) => r['responder_id'] === user?.id);
      if (row) expect(row['time_zone']).toBe(user?.time_zone);
    });

    it('filters by user, team and service', async () => {
      const some = (await get(`/analytics/responders?${RANGE}&limit=1`)).data[0];
      const userId = String(some?.['responder_id']);
      const one = await get(`/analytics/responders?${RANGE}&user_id=${userId}`);
      expect(one.data).toHaveLength(1);
      expectRowsMatch(one.data, truthOf({ userIds: new Set([userId]) }), 'user');

      const team = account.entities.teams.find((t) =>
        account.entities.users.some((u) => u.teamIds.includes(t.id)),
      );
      const members = new Set(
        account.entities.users.filter((u) => u.teamIds.includes(team?.id ?? '')).map((u) => u.id),
      );
      const byTeam = await get(`/analytics/responders?${RANGE}&team_id=${team?.id}&limit=1000`);
      expectRowsMatch(byTeam.data, truthOf({ userIds: members }), 'team');

      const service = account.entities.services.find((s) => s.deletedAt === null);
      const serviceIncidents = incidents.filter((i) => i.serviceId === service?.id);
      const byService = await get(
        `/analytics/responders?${RANGE}&service_id=${service?.id}&limit=1000`,
      );
      expectRowsMatch(
        byService.data,
        responderTruth(account, serviceIncidents, { since: SINCE, until: UNTIL }, zoneOf, {
          policyIds: new Set([service?.policyId ?? '']),
        }),
        'service',
      );
    });

    it('sorts on any metric and pages', async () => {
      const all = await get(
        `/analytics/responders?${RANGE}&sort=total_sleep_hour_interruptions:asc&limit=1000`,
      );
      const values = all.data.map((r) => Number(r['total_sleep_hour_interruptions']));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      const page = await get(
        `/analytics/responders?${RANGE}&sort=total_sleep_hour_interruptions:asc&limit=3&offset=2`,
      );
      expect(page.data).toEqual(all.data.slice(2, 5));
      expect(page.total).toBe(all.total);
    });

    it("gives each member's share of a team's on-call load, with Gini coefficients", async () => {
      const team = account.entities.teams.find(
        (t) => account.entities.users.filter((u) => u.teamIds.includes(t.id)).length > 2,
      );
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/analytics/teams/${team?.id}/on-call-load?${RANGE}`,
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const load = res.json() as {
        basis: string;
        direct_targets: {
          responder_id: string;
          escalation_policy_id: string;
          escalation_level: number;
        }[];
        members: Record<string, number | string | null>[];
        gini_seconds_on_call: number | null;
        gini_sleep_hour_interruptions: number | null;
      };
      const memberIds = account.entities.users
        .filter((u) => u.teamIds.includes(team?.id ?? ''))
        .map((u) => u.id);
      const truth = truthOf({ userIds: new Set(memberIds) });
      expect(load.members.map((m) => m['responder_id']).sort()).toEqual([...memberIds].sort());
      const all = memberIds.map((id) => truth.get(id)?.seconds ?? 0);
      // Shares and Gini are of the scheduled seconds by default.
      const seconds = memberIds.map((id) => truth.get(id)?.scheduled ?? 0);
      const sleeps = memberIds.map((id) => truth.get(id)?.interruptions.sleep ?? 0);
      const total = seconds.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(0);
      expect(load.basis).toBe('scheduled');
      memberIds.forEach((id, i) => {
        const m = load.members.find((x) => x['responder_id'] === id);
        expect(Number(m?.['total_seconds_on_call'])).toBeCloseTo(all[i] ?? 0, 2);
        expect(Number(m?.['total_seconds_on_call_scheduled'])).toBeCloseTo(seconds[i] ?? 0, 2);
        expect(Number(m?.['on_call_share'])).toBeCloseTo((seconds[i] ?? 0) / total, 3);
      });
      expect(load.gini_seconds_on_call).toBeCloseTo(giniByDefinition(seconds) ?? -1, 3);
      // Direct targets apart, as the account's rules name them.
      expect(
        load.direct_targets
          .map((d) => `${d.responder_id} ${d.escalation_policy_id}/${d.escalation_level}`)
          .sort(),
      ).toEqual(
        memberIds
          .flatMap((id) => (truth.get(id)?.directTargets ?? []).map((d) => `${id} ${d}`))
          .sort(),
      );
      // basis=all: PagerDuty's total_seconds_on_call.
      const everything = await app.inject({
        method: 'GET',
        url: `/api/v1/analytics/teams/${team?.id}/on-call-load?${RANGE}&basis=all`,
      });
      const allTotal = all.reduce((a, b) => a + b, 0);
      const allLoad = everything.json() as typeof load;
      expect(allLoad.basis).toBe('all');
      memberIds.forEach((id, i) => {
        const m = allLoad.members.find((x) => x['responder_id'] === id);
        expect(Number(m?.['on_call_share'])).toBeCloseTo((all[i] ?? 0) / allTotal, 3);
      });
      expect(allLoad.gini_seconds_on_call).toBeCloseTo(giniByDefinition(all) ?? -1, 3);
      const g = giniByDefinition(sleeps);
      if (g === null) expect(load.gini_sleep_hour_interruptions).toBeNull();
      else expect(load.gini_sleep_hour_interruptions).toBeCloseTo(g, 3);
    });

    it('maps interruptions onto the week in a chosen zone', async () => {
      const zone = 'America/New_York';
      const body = await get(`/analytics/interruptions/heatmap?${RANGE}&time_zone=${zone}`);
      expect(body.data).toHaveLength(168);
      const expected = new Map<string, number>();
      const format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        hour: '2-digit',
        hourCycle: 'h23',
      });
      const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
      for (const i of incidents)
        for (const x of i.interruptions) {
          if (x.at < SINCE || x.at >= UNTIL) continue;
          const p = Object.fromEntries(format.formatToParts(x.at).map((y) => [y.type, y.value]));
          const key = `${days.indexOf(String(p['weekday'])) + 1}:${Number(p['hour'])}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
      for (const cell of body.data)
        expect(cell['interruptions'], `${cell['weekday']}:${cell['hour']}`).toBe(
          expected.get(`${cell['weekday']}:${cell['hour']}`) ?? 0,
        );
      expect([...expected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });

    it('gives the same rows as a CSV report', async () => {
      const json = await get(`/analytics/responders?${RANGE}&limit=1000`);
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/reports/responder_metrics?${RANGE}`,
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const [header, ...lines] = parseCsv(res.body);
      expect(header).toEqual([
        'responder_id',
        'responder_name',
        'time_zone',
        'team_ids',
        ...RESPONDER_METRIC_FIELDS,
      ]);
      expect(lines).toHaveLength(json.data.length);
      lines.forEach((cells, n) => {
        const row = json.data[n] ?? {};
        expect(cells[0]).toBe(row['responder_id']);
        RESPONDER_METRIC_FIELDS.forEach((field, k) => {
          const value = row[field];
          expect(cells[k + 4], field).toBe(value === null ? '' : String(value));
        });
      });
    });

    it('offers on-call intervals and interruptions per user to BI tools', async () => {
      const db = handle.db as unknown as Kysely<Record<string, Row>>;
      const spans = await db.selectFrom('v_oncall_intervals').selectAll().execute();
      expect(spans.length).toBe(
        Number(
          (
            await handle.db
              .selectFrom('oncalls')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      );
      for (const r of spans.slice(0, 500)) {
        if (r['start_at'] === null) {
          expect(r['seconds']).toBeNull();
          continue;
        }
        const ms = (v: unknown) => new Date(v as string).getTime();
        expect(Number(r['seconds'])).toBe(Math.round((ms(r['end_at']) - ms(r['start_at'])) / 1000));
      }
      expect(spans.some((r) => r['start_at'] === null)).toBe(true);
      const perUser = await db.selectFrom('v_user_interruptions').selectAll().execute();
      const counted = new Map<string, number>();
      for (const r of perUser)
        counted.set(
          `${r['user_id']}:${r['hour_class']}`,
          (counted.get(`${r['user_id']}:${r['hour_class']}`) ?? 0) + Number(r['interruptions']),
        );
      const expected = new Map<string, number>();
      for (const i of incidents)
        for (const x of i.interruptions)
          expected.set(`${x.user}:${x.kind}`, (expected.get(`${x.user}:${x.kind}`) ?? 0) + 1);
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
    });

    it('refuses bad input', async () => {
      const status = async (url: string) => {
        const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
        return { code: res.statusCode, body: res.json() as { error: { parameter?: string } } };
      };
      const later = await status('/analytics/responders?since=2026-05-01&until=2026-04-01');
      expect(later.code).toBe(400);
      expect(later.body.error.parameter).toBe('until');
      expect((await status('/analytics/responders?user_id=PNOBODY')).code).toBe(404);
      expect((await status('/analytics/responders?team_id=PNOTEAM')).code).toBe(404);
      expect((await status('/analytics/teams/PNOTEAM/on-call-load')).code).toBe(404);
      for (const sort of ['colour', 'total_seconds_on_call:up', 'a:b:c']) {
        const bad = await status(`/analytics/responders?sort=${sort}`);
        expect(bad.code, sort).toBe(400);
        expect(bad.body.error.parameter).toBe('sort');
      }
      const csv = await status('/reports/responder_metrics?sort=colour');
      expect(csv.code).toBe(400);
      const zone = await status('/analytics/interruptions/heatmap?time_zone=Mars/Olympus');
      expect(zone.code).toBe(400);
      expect(zone.body.error.parameter).toBe('time_zone');
    });

    it('keeps the past on-call history through an incremental sync, and adds the new', async () => {
      const before = await get(`/analytics/responders?${RANGE}&limit=1000`);
      const oldest = await handle.db
        .selectFrom('oncalls')
        .select((eb) => eb.fn.min('start').as('first'))
        .executeTakeFirstOrThrow();
      const from = account.now;
      account.mutate();
      const result = await sync();
      expect(result.kind).toBe('incremental');
      expect(result.counts.oncalls ?? 0).toBeGreaterThan(0);
      // The past is as it was: same figures for the range, same oldest span.
      const after = await get(`/analytics/responders?${RANGE}&limit=1000`);
      // (A reopened incident may give someone a part in the range: on-call time is what must hold.)
      const oncallFields = (rows: Row[]) =>
        rows
          .filter((r) => Number(r['total_seconds_on_call']) > 0)
          .map((r) => [r['responder_id'], r['total_seconds_on_call']]);
      expect(oncallFields(after.data)).toEqual(oncallFields(before.data));
      const oldestAfter = await handle.db
        .selectFrom('oncalls')
        .select((eb) => eb.fn.min('start').as('first'))
        .executeTakeFirstOrThrow();
      expect(String(oldestAfter.first)).toBe(String(oldest.first));
      // And the two hours the mutation moved on are there, as the account has them.
      const recent = `since=${new Date(from - 6 * 3600_000).toISOString()}&until=${new Date(account.now).toISOString()}`;
      const fresh = await get(`/analytics/responders?${recent}&limit=1000`);
      const truth = responderTruth(
        account,
        [],
        { since: from - 6 * 3600_000, until: account.now },
        zoneOf,
      );
      for (const [id, t] of truth) {
        if (t.seconds === 0) continue;
        const row = fresh.data.find((r) => r['responder_id'] === id);
        expect(Number(row?.['total_seconds_on_call']), id).toBeCloseTo(t.seconds, 2);
      }
    });
  });
}

describe('a full sync without since', () => {
  it("reaches the account's oldest incident, and says what that cost beyond 12 months", async () => {
    const whole = await createTestDatabase('sqlite');
    const year = await createTestDatabase('sqlite');
    const a = createDb(whole.target);
    const b = createDb(year.target);
    const { account, sim } = await startTestSimulator('small');
    try {
      await migrateToLatest(a.db);
      await migrateToLatest(b.db);
      const deps = (h: Db) => ({
        db: h.db,
        client: testClient(sim.url),
        logger: createLogger('silent'),
        clock: () => new Date(account.now + 1000),
      });
      const all = await runSync(deps(a));
      const twelve = await runSync(deps(b), { since: new Date(account.now - 365 * DAY) });
      let oldest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < account.incidents.count; i += 1)
        oldest = Math.min(oldest, account.incidents.createdAt[i] ?? oldest);
      const first = await a.db
        .selectFrom('incidents')
        .select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.countAll().as('n')])
        .executeTakeFirstOrThrow();
      expect(new Date(first.first as string).getTime()).toBe(oldest);
      expect(Number(first.n)).toBe(account.incidents.count);
      expect(oldest).toBeLessThan(account.now - 365 * DAY);
      const firstOncall = await a.db
        .selectFrom('oncalls')
        .select((eb) => eb.fn.min('start').as('first'))
        .executeTakeFirstOrThrow();
      expect(new Date(String(firstOncall.first)).getTime()).toBeLessThan(oldest + DAY);
      console.log(
        `whole history (from ${new Date(oldest).toISOString()}): ${all.requests} requests; 12 months: ${twelve.requests}; ${all.requests - twelve.requests} more`,
      );
    } finally {
      await sim.close();
      await a.destroy();
      await b.destroy();
      await whole.drop();
      await year.drop();
    }
  }, 120_000);
});
