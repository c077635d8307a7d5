import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_FIELDS, METRIC_GROUP_FIELDS } from '../../src/analytics/incident-metrics.js';
import { INCIDENT_METRICS_FIELDS } from '../../src/api/schemas/analytics.js';
import type { Db } from '../../src/db/connection.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import {
  metricsTruth,
  percentileCont,
  periodStartText,
  type TruthIncident,
} from '../helpers/metrics-truth.js';
import { parseCsv } from '../helpers/csv.js';
import { noiseTruth, type NoiseTruth } from '../helpers/noise-truth.js';
import { SIM_NOW } from '../helpers/simulator-fixture.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { dialectsUnderTest } from '../helpers/test-databases.js';

const DAY = 24 * 3600 * 1000;
type Row = Record<string, string | number | null>;

/** The row the API must answer for these incidents, computed from the truth. */
function expectedRow(list: readonly NoiseTruth[]): Row {
  const acks = list.flatMap((i) => (i.ackSeconds === null ? [] : [i.ackSeconds]));
  const resolves = list.flatMap((i) => (i.resolveSeconds === null ? [] : [i.resolveSeconds]));
  const mean = (v: number[]) => (v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length);
  const count = (f: (i: NoiseTruth) => boolean) => list.filter(f).length;
  const sum = (f: (i: NoiseTruth) => number) => list.reduce((n, i) => n + f(i), 0);
  const kind = (k: string) => sum((i) => i.interruptions.filter((x) => x.kind === k).length);
  return {
    total_incident_count: list.length,
    total_incidents_acknowledged: acks.length,
    total_incidents_auto_resolved: count((i) => i.autoResolved),
    total_incidents_reassigned: count((i) => i.reassigned),
    total_incidents_manual_escalated: count((i) => i.manualEscalated),
    total_incidents_timeout_escalated: count((i) => i.timeoutEscalated),
    total_escalation_count: sum((i) => i.escalations),
    mean_seconds_to_first_ack: mean(acks),
    p50_seconds_to_first_ack: percentileCont(acks, 0.5),
    p75_seconds_to_first_ack: percentileCont(acks, 0.75),
    p90_seconds_to_first_ack: percentileCont(acks, 0.9),
    p95_seconds_to_first_ack: percentileCont(acks, 0.95),
    mean_seconds_to_resolve: mean(resolves),
    p50_seconds_to_resolve: percentileCont(resolves, 0.5),
    p75_seconds_to_resolve: percentileCont(resolves, 0.75),
    p90_seconds_to_resolve: percentileCont(resolves, 0.9),
    p95_seconds_to_resolve: percentileCont(resolves, 0.95),
    total_notifications: sum((i) => i.notifications),
    total_interruptions: sum((i) => i.interruptions.length),
    total_business_hour_interruptions: kind('business'),
    total_off_hour_interruptions: kind('off'),
    total_sleep_hour_interruptions: kind('sleep'),
    total_engaged_seconds: sum((i) => i.engagedSeconds),
    mean_engaged_user_count: list.length === 0 ? null : sum((i) => i.engagedUsers) / list.length,
    mean_engaged_seconds:
      sum((i) => i.engagedUsers) === 0
        ? null
        : sum((i) => i.engagedSeconds) / sum((i) => i.engagedUsers),
    mean_seconds_to_mobilize: mean(list.flatMap((i) => i.mobilizeSeconds ?? [])),
    mean_seconds_to_engage: mean(list.flatMap((i) => i.engageSeconds ?? [])),
    mean_assignment_count: list.length === 0 ? null : sum((i) => i.assignments) / list.length,
    total_snoozed_seconds: sum((i) => i.snoozedSeconds),
    mean_user_defined_engaged_seconds: null,
    total_user_defined_engaged_seconds: null,
  };
}

function expectRowMatches(actual: Row | undefined, expected: Row, what: string): void {
  expect(actual, what).toBeDefined();
  for (const [field, value] of Object.entries(expected)) {
    const got = actual?.[field];
    if (value === null || typeof value === 'string') expect(got, `${what} ${field}`).toBe(value);
    else expect(Number(got), `${what} ${field}`).toBeCloseTo(value, 2);
  }
}

/** The share of [start, end) not covered by the major incidents' open spans. */
function upTime(majors: readonly TruthIncident[], start: number, end: number, now: number): number {
  const spans = majors
    .map((m) => [Math.max(start, m.created), Math.min(end, m.resolvedAt ?? now)] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = start;
  for (const [a, b] of spans) {
    if (b > Math.max(a, reach)) covered += b - Math.max(a, reach);
    reach = Math.max(reach, b);
  }
  return 100 * (1 - covered / (end - start));
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`incident metrics on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let handle: Db;
    let account: SimulatedAccount;
    let app: FastifyInstance;
    let truth: NoiseTruth[];
    let majorIds: Set<string>;
    const listed = new Map<string, string>();
    const now = () => account.now + 1000;
    const zoneOf = (user: string) => listed.get(user) ?? 'UTC';
    const sync = () => synced.sync();
    const get = async (query: string) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/analytics/incidents${query}` });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      return res.json() as {
        data: Row[];
        group_by: string;
        aggregate_unit: string | null;
        time_zone: string;
      };
    };

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect);
      ({ app, db: handle, account } = synced);
      // The mirror knows the zones of the users /users lists; the others get the default.
      for (const u of account.liveUsers()) listed.set(u.id, u.time_zone);
      truth = noiseTruth(account, metricsTruth(account, zoneOf));
      const byOrder = [...account.entities.priorities].sort((a, b) => b.order - a.order);
      majorIds = new Set(byOrder.slice(0, 2).map((p) => p.id));
    });
    afterAll(async () => synced?.close());

    it('has an account that makes every metric non-trivial', () => {
      const some = (f: (i: NoiseTruth) => boolean) => truth.filter(f).length;
      expect(some((i) => i.reassigned)).toBeGreaterThan(0);
      expect(some((i) => i.manualEscalated)).toBeGreaterThan(0);
      expect(some((i) => i.timeoutEscalated)).toBeGreaterThan(0);
      expect(some((i) => i.autoResolved)).toBeGreaterThan(0);
      expect(some((i) => i.engagedUsers > 1)).toBeGreaterThan(0);
      expect(some((i) => i.snoozedSeconds > 0)).toBeGreaterThan(0);
      // Several notifications within a minute make one interruption.
      expect(some((i) => i.notifications > i.interruptions.length + 1)).toBeGreaterThan(0);
      for (const k of ['business', 'off', 'sleep'])
        expect(
          some((i) => i.interruptions.some((x) => x.kind === k)),
          k,
        ).toBeGreaterThan(0);
      expect(some((i) => i.priorityId !== null && majorIds.has(i.priorityId))).toBeGreaterThan(0);
      const zones = new Set(account.liveUsers().map((u) => u.time_zone));
      expect(zones.has('America/New_York') && zones.has('Europe/Berlin')).toBe(true);
    });

    it('answers everything matched in one row, with up time', async () => {
      const body = await get('');
      expect(body).toMatchObject({ group_by: 'none', aggregate_unit: null, time_zone: 'UTC' });
      expect(body.data).toHaveLength(1);
      expectRowMatches(body.data[0], expectedRow(truth), 'all');
      const first = Math.min(...truth.map((i) => i.created));
      const majors = truth.filter((i) => i.priorityId !== null && majorIds.has(i.priorityId));
      expect(Number(body.data[0]?.['up_time_pct'])).toBeCloseTo(
        upTime(majors, first, now(), now()),
        3,
      );
    });

    it('answers a row per service, with its up time', async () => {
      const body = await get('?group_by=service');
      const services = new Set(truth.map((i) => i.serviceId));
      expect(body.data.map((r) => r['service_id']).sort()).toEqual([...services].sort());
      const first = Math.min(...truth.map((i) => i.created));
      for (const row of body.data) {
        const mine = truth.filter((i) => i.serviceId === row['service_id']);
        expectRowMatches(row, expectedRow(mine), String(row['service_id']));
        expect(row['service_name']).toBe(
          account.entities.services.find((s) => s.id === row['service_id'])?.name,
        );
        const majors = mine.filter((i) => i.priorityId !== null && majorIds.has(i.priorityId));
        expect(Number(row['up_time_pct'])).toBeCloseTo(upTime(majors, first, now(), now()), 3);
      }
    });

    it.each([
      ['week', 'America/New_York'],
      ['month', 'America/New_York'],
      ['day', 'Asia/Kolkata'],
    ] as const)('answers per %s in %s, across DST changes', async (unit, zone) => {
      const since = Date.UTC(2026, 1, 2);
      const until = Date.UTC(2026, 3, 20);
      const body = await get(
        `?aggregate_unit=${unit}&time_zone=${zone}&since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`,
      );
      expect(body).toMatchObject({ aggregate_unit: unit, time_zone: zone });
      const inRange = truth.filter((i) => i.created >= since && i.created < until);
      const byPeriod = new Map<string, NoiseTruth[]>();
      for (const i of inRange) {
        const key = periodStartText(i.created, unit, zone);
        byPeriod.set(key, [...(byPeriod.get(key) ?? []), i]);
      }
      for (const row of body.data) {
        const list = byPeriod.get(String(row['range_start'])) ?? [];
        expectRowMatches(row, expectedRow(list), String(row['range_start']));
      }
      // Every period with incidents is answered, and periods follow each other without gaps.
      const starts = body.data.map((r) => String(r['range_start']));
      for (const key of byPeriod.keys()) expect(starts).toContain(key);
      if (unit === 'week') {
        // The week with 8 March 2026 (DST starts) begins at -05:00, the next at -04:00.
        expect(starts).toContain('2026-03-02T00:00:00-05:00');
        expect(starts).toContain('2026-03-09T00:00:00-04:00');
      }
    });

    it('applies the filters: urgency, team, priority, status and dates', async () => {
      const team = account.entities.teams[1]?.id ?? '';
      const priority = account.entities.priorities[0]?.id ?? '';
      const since = SIM_NOW - 300 * DAY;
      const until = SIM_NOW - 20 * DAY;
      const q = `?urgency=high&team_id=${team}&since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;
      const list = truth.filter(
        (i) =>
          i.urgency === 'high' &&
          i.teamIds.includes(team) &&
          i.created >= since &&
          i.created < until,
      );
      expect(list.length).toBeGreaterThan(0);
      expectRowMatches((await get(q)).data[0], expectedRow(list), 'filtered');
      const byPriority = (await get(`?priority_id=${priority}&status=resolved`)).data[0];
      expectRowMatches(
        byPriority,
        expectedRow(truth.filter((i) => i.priorityId === priority && i.status === 'resolved')),
        'priority',
      );
      // Per team: an incident of several teams counts in each.
      const teams = await get('?group_by=team');
      for (const row of teams.data.filter((r) => r['team_id'] !== null))
        expectRowMatches(
          row,
          expectedRow(truth.filter((i) => i.teamIds.includes(String(row['team_id'])))),
          String(row['team_id']),
        );
    });

    it('offers the same facts to BI tools: v_incident_metrics and v_interruptions', async () => {
      const db = handle.db as unknown as Kysely<Record<string, Row>>;
      const mondayUtc = (ms: number) => {
        const d = new Date(ms);
        const back = (d.getUTCDay() + 6) % 7;
        return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back))
          .toISOString()
          .slice(0, 10);
      };
      // MariaDB and PostgreSQL answer a DATE, which mysql2 reads as UTC midnight and pg as local
      // midnight; SQLite answers its text.
      const dateText = (v: unknown) => {
        if (!(v instanceof Date)) return String(v).slice(0, 10);
        const utc = v.getUTCHours() === 0 && v.getUTCMinutes() === 0;
        const local = new Date(v.getTime() - (utc ? 0 : v.getTimezoneOffset() * 60_000));
        return local.toISOString().slice(0, 10);
      };
      const rows = new Map(
        (await db.selectFrom('v_incident_metrics').selectAll().execute()).map((r) => [
          String(r['incident_id']),
          r,
        ]),
      );
      expect(rows.size).toBe(truth.length);
      const wrong: string[] = [];
      for (const i of truth) {
        const r = rows.get(i.id);
        const kind = (k: string) => i.interruptions.filter((x) => x.kind === k).length;
        const expected = {
          week_start: mondayUtc(i.created),
          seconds_to_first_ack: i.ackSeconds,
          seconds_to_resolve: i.resolveSeconds,
          escalation_count: i.escalations,
          timeout_escalated: i.timeoutEscalated ? 1 : 0,
          business_hour_interruptions: kind('business'),
          off_hour_interruptions: kind('off'),
          sleep_hour_interruptions: kind('sleep'),
        };
        const actual = {
          week_start: dateText(r?.['week_start']),
          seconds_to_first_ack:
            r?.['seconds_to_first_ack'] == null ? null : Number(r['seconds_to_first_ack']),
          seconds_to_resolve:
            r?.['seconds_to_resolve'] == null ? null : Number(r['seconds_to_resolve']),
          escalation_count: Number(r?.['escalation_count']),
          timeout_escalated: Number(r?.['timeout_escalated']),
          business_hour_interruptions: Number(r?.['business_hour_interruptions']),
          off_hour_interruptions: Number(r?.['off_hour_interruptions']),
          sleep_hour_interruptions: Number(r?.['sleep_hour_interruptions']),
        };
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push(`${i.id}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
      }
      expect(wrong.slice(0, 3)).toEqual([]);
      const interruptions = await db.selectFrom('v_interruptions').selectAll().execute();
      const key = (incident: unknown, user: unknown, kind: unknown) =>
        `${String(incident)} ${String(user)} ${String(kind)}`;
      expect(
        interruptions.map((x) => key(x['incident_id'], x['user_id'], x['hour_class'])).sort(),
      ).toEqual(truth.flatMap((i) => i.interruptions.map((x) => key(i.id, x.user, x.kind))).sort());
      for (const x of interruptions.slice(0, 50)) {
        const started: unknown = x['started_at'];
        const at = started instanceof Date ? started.getTime() : Date.parse(String(started));
        expect(dateText(x['week_start'])).toBe(mondayUtc(at));
      }
    });

    it('changes exactly the figures it should after an incremental sync', async () => {
      const before = await handle.db.selectFrom('incident_metrics').selectAll().execute();
      const changes = account.mutate();
      await sync();
      truth = noiseTruth(account, metricsTruth(account, zoneOf));
      expectRowMatches((await get('')).data[0], expectedRow(truth), 'after the mutation');
      const after = new Map(
        (await handle.db.selectFrom('incident_metrics').selectAll().execute()).map((r) => [
          r.incident_id,
          JSON.stringify(r),
        ]),
      );
      const touched = new Set([...changes.newIncidentIds, ...changes.changedIncidentIds]);
      // Facts of the incidents the account did not change are the same rows as before.
      const moved = before
        .filter((r) => after.get(r.incident_id) !== JSON.stringify(r))
        .map((r) => r.incident_id);
      for (const id of moved) expect(touched.has(id), id).toBe(true);
      expect(moved.length).toBeGreaterThan(0);
      for (const id of changes.newIncidentIds) expect(after.has(id), id).toBe(true);
    });

    it('gives the same rows as a CSV report, with every field the API documents', async () => {
      const json = await get('?group_by=service&aggregate_unit=month');
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/reports/incident_metrics?group_by=service&aggregate_unit=month',
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const [header, ...lines] = parseCsv(res.body);
      expect(header).toEqual([...METRIC_GROUP_FIELDS, 'range_start', ...METRIC_FIELDS]);
      expect(lines).toHaveLength(json.data.length);
      lines.forEach((cells, n) => {
        const row = json.data[n] ?? {};
        header?.forEach((field, k) => {
          const value = row[field];
          expect(cells[k], `${n} ${field}`).toBe(
            value === null || value === undefined ? '' : String(value),
          );
        });
      });
      // A bad option is refused before the first byte of the file.
      const bad = await app.inject({
        method: 'GET',
        url: '/api/v1/reports/incident_metrics?time_zone=Mars/Olympus',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.parameter).toBe('time_zone');
      // The documented fields are exactly those computed.
      expect(Object.keys(INCIDENT_METRICS_FIELDS)).toEqual(METRIC_FIELDS);
      expect(Object.keys(json.data[0] ?? {}).sort()).toEqual(
        ['service_id', 'service_name', 'range_start', ...METRIC_FIELDS].sort(),
      );
    });

    it.each([
      ['?group_by=colour', 'group_by'],
      ['?aggregate_unit=fortnight', 'aggregate_unit'],
      ['?time_zone=Mars/Olympus', 'time_zone'],
      ['?time_zone=%2B05:00', 'time_zone'],
      ['?since=2026-05-01&until=2026-04-01', 'until'],
      ['?priority_id=P%00', 'priority_id'],
    ])('answers 400 naming the parameter for %s', async (query, parameter) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/analytics/incidents${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.parameter).toBe(parameter);
    });
  });
}
