import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_GROUP_FIELDS, NOISE_FIELDS } from '../../src/analytics/incident-metrics.js';
import { NOISE_METRICS_FIELDS } from '../../src/api/schemas/analytics.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { parseCsv } from '../helpers/csv.js';
import { metricsTruth, periodStartText } from '../helpers/metrics-truth.js';
import { noiseTruth, type NoiseTruth } from '../helpers/noise-truth.js';
import { SIM_NOW } from '../helpers/simulator-fixture.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { dialectsUnderTest } from '../helpers/test-databases.js';

const DAY = 24 * 3600 * 1000;
type Row = Record<string, string | number | null>;
const COUNTS = [
  'total_incident_count',
  'total_alert_count',
  'total_transient_incidents',
  'total_incidents_auto_resolved',
  'total_unacknowledged_resolved',
  'total_repeat_incidents',
  'total_reopened_incidents',
] as const;

/** The row the API must answer for these incidents, from the truth. */
function expectedRow(list: readonly NoiseTruth[]): Row {
  const count = (f: (i: NoiseTruth) => boolean) => list.filter(f).length;
  const alerts = list.reduce((n, i) => n + i.alerts, 0);
  const noisy = count((i) => i.transient || i.unacknowledgedResolved);
  return {
    total_incident_count: list.length,
    total_alert_count: alerts,
    mean_alerts_per_incident: list.length === 0 ? null : alerts / list.length,
    total_transient_incidents: count((i) => i.transient),
    total_incidents_auto_resolved: count((i) => i.autoResolved),
    total_unacknowledged_resolved: count((i) => i.unacknowledgedResolved),
    total_repeat_incidents: count((i) => i.repeat),
    total_reopened_incidents: count((i) => i.reopened),
    noise_share: list.length === 0 ? null : noisy / list.length,
  };
}

function expectRowMatches(actual: Row | undefined, expected: Row, what: string): void {
  expect(actual, what).toBeDefined();
  for (const [field, value] of Object.entries(expected)) {
    const got = actual?.[field];
    if (value === null) expect(got, `${what} ${field}`).toBeNull();
    else expect(Number(got), `${what} ${field}`).toBeCloseTo(Number(value), 3);
  }
}

const sumOf = (rows: readonly Row[], field: string) =>
  rows.reduce((n, r) => n + Number(r[field] ?? 0), 0);

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`noise metrics on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let account: SimulatedAccount;
    let app: FastifyInstance;
    let truth: NoiseTruth[];
    const get = async <T = { data: Row[] }>(path: string): Promise<T> => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/analytics/${path}` });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      return res.json() as T;
    };

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect);
      ({ app, account } = synced);
      const zones = new Map(account.liveUsers().map((u) => [u.id, u.time_zone]));
      truth = noiseTruth(
        account,
        metricsTruth(account, (u) => zones.get(u) ?? 'UTC'),
      );
    });
    afterAll(async () => synced?.close());

    it('has an account that makes every figure non-trivial', () => {
      const some = (f: (i: NoiseTruth) => boolean) => truth.filter(f).length;
      expect(some((i) => i.transient)).toBeGreaterThan(5);
      expect(some((i) => i.unacknowledgedResolved && !i.transient)).toBeGreaterThan(5);
      expect(some((i) => i.autoResolved && !i.transient)).toBeGreaterThan(0);
      expect(some((i) => i.repeat && i.source === 'incident_key')).toBeGreaterThan(5);
      expect(some((i) => i.repeat && i.source === 'title')).toBeGreaterThan(5);
      // Flapping keys repeat across bursts, not only within one.
      expect(some((i) => i.repeat && /\//.test(i.incidentKey ?? ''))).toBeGreaterThan(0);
      expect(some((i) => i.reopened)).toBeGreaterThan(0);
      expect(some((i) => i.alerts > 1)).toBeGreaterThan(0);
      expect(some((i) => i.snoozedSeconds > 0)).toBeGreaterThan(0);
    });

    it('answers everything matched in one row', async () => {
      const body = await get<{
        data: Row[];
        transient_minutes: number;
        repeat_window_hours: number;
      }>('noise');
      expect(body).toMatchObject({ transient_minutes: 5, repeat_window_hours: 24 });
      expect(body.data).toHaveLength(1);
      expectRowMatches(body.data[0], expectedRow(truth), 'all');
      expect(Object.keys(body.data[0] ?? {})).toEqual(NOISE_FIELDS);
      expect(Object.keys(NOISE_METRICS_FIELDS)).toEqual(NOISE_FIELDS);
    });

    it.each([
      ['service', 'service_id', (i: NoiseTruth) => [i.serviceId]],
      ['escalation_policy', 'escalation_policy_id', (i: NoiseTruth) => [i.policyId]],
      ['urgency', 'urgency', (i: NoiseTruth) => [i.urgency]],
      ['priority', 'priority_id', (i: NoiseTruth) => [i.priorityId]],
      // An incident of several teams counts in each; one of none in the row of team null.
      ['team', 'team_id', (i: NoiseTruth) => (i.teamIds.length ? i.teamIds : [null])],
    ] as const)('answers a row per %s, adding up to the whole', async (group, field, keysOf) => {
      const body = await get(`noise?group_by=${group}`);
      const expected = new Map<string | null, NoiseTruth[]>();
      for (const i of truth)
        for (const k of keysOf(i)) expected.set(k, [...(expected.get(k) ?? []), i]);
      expect(body.data.map((r) => r[field] ?? null).sort()).toEqual([...expected.keys()].sort());
      for (const row of body.data)
        expectRowMatches(
          row,
          expectedRow(expected.get((row[field] as string | null) ?? null) ?? []),
          `${group} ${String(row[field])}`,
        );
      const all = expectedRow(truth);
      // Per team the incidents of several teams count once per team: the rows add up to the
      // incidents counted with their teams.
      const weight = (i: NoiseTruth) => (group === 'team' ? Math.max(1, i.teamIds.length) : 1);
      for (const f of COUNTS) {
        const whole =
          group === 'team'
            ? Number(expectedRow(truth.flatMap((i) => Array(weight(i)).fill(i)))[f])
            : Number(all[f]);
        expect(sumOf(body.data, f), `${group} Σ ${f}`).toBe(whole);
      }
    });

    it('answers per week in a zone with DST changes, and applies the filters', async () => {
      const since = Date.UTC(2026, 1, 2);
      const until = Date.UTC(2026, 3, 20);
      const zone = 'America/New_York';
      const range = `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;
      const body = await get(`noise?aggregate_unit=week&time_zone=${zone}&${range}`);
      const inRange = truth.filter((i) => i.created >= since && i.created < until);
      const byWeek = new Map<string, NoiseTruth[]>();
      for (const i of inRange) {
        const key = periodStartText(i.created, 'week', zone);
        byWeek.set(key, [...(byWeek.get(key) ?? []), i]);
      }
      for (const row of body.data)
        expectRowMatches(
          row,
          expectedRow(byWeek.get(String(row['range_start'])) ?? []),
          String(row['range_start']),
        );
      for (const f of COUNTS) expect(sumOf(body.data, f)).toBe(expectedRow(inRange)[f]);
      // A repeat's earlier incident need not be in the range nor match the filters.
      const team = account.entities.teams[1]?.id ?? '';
      const filtered = truth.filter(
        (i) => i.urgency === 'low' && i.teamIds.includes(team) && i.created >= SIM_NOW - 200 * DAY,
      );
      const q = `noise?urgency=low&team_id=${team}&since=${new Date(SIM_NOW - 200 * DAY).toISOString()}`;
      expectRowMatches((await get(q)).data[0], expectedRow(filtered), 'filtered');
    });

    it('lists the repeating alerts per service, most repeated first', async () => {
      const since = SIM_NOW - 300 * DAY;
      const inRange = truth.filter((i) => i.created >= since);
      const body = await get<{ data: Row[]; total: number }>(
        `noise/repeats?since=${new Date(since).toISOString()}&limit=1000`,
      );
      const byAlert = new Map<string, NoiseTruth[]>();
      for (const i of inRange) byAlert.set(i.alertId, [...(byAlert.get(i.alertId) ?? []), i]);
      const serviceTotals = (serviceId: string, kind: 'off' | 'sleep') =>
        inRange
          .filter((i) => i.serviceId === serviceId)
          .reduce((n, i) => n + i.interruptions.filter((x) => x.kind === kind).length, 0);
      const interruptions = (list: NoiseTruth[], kind: 'off' | 'sleep') =>
        list.reduce((n, i) => n + i.interruptions.filter((x) => x.kind === kind).length, 0);
      const share = (part: number, whole: number) =>
        whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
      const expected = [...byAlert.values()]
        .filter((list) => list.some((i) => i.repeat))
        .map((list) => {
          const first = list[0] as NoiseTruth;
          const off = interruptions(list, 'off');
          const sleep = interruptions(list, 'sleep');
          return {
            service_id: first.serviceId,
            repeat_key_source: first.source,
            ...(first.incidentKey === null ? {} : { repeat_key: first.incidentKey }),
            incident_count: list.length,
            repeat_incident_count: list.filter((i) => i.repeat).length,
            first_seen_at: new Date(Math.min(...list.map((i) => i.created))).toISOString(),
            last_seen_at: new Date(Math.max(...list.map((i) => i.created))).toISOString(),
            off_hour_interruptions: off,
            sleep_hour_interruptions: sleep,
            off_hour_interruption_share: share(off, serviceTotals(first.serviceId, 'off')),
            sleep_hour_interruption_share: share(sleep, serviceTotals(first.serviceId, 'sleep')),
          };
        });
      expect(body.total).toBe(expected.length);
      expect(expected.length).toBeGreaterThan(10);
      const key = (r: Record<string, unknown>) =>
        `${String(r['service_id'])} ${String(r['first_seen_at'])} ${String(r['incident_count'])}`;
      const actual = new Map(body.data.map((r) => [key(r), r]));
      for (const e of expected) expect(actual.get(key(e)), key(e)).toMatchObject(e);
      // Titles are shown with what varies masked: no digit is left.
      for (const r of body.data.filter((x) => x['repeat_key_source'] === 'title'))
        expect(String(r['repeat_key'])).not.toMatch(/\d/);
      const counts = body.data.map((r) => Number(r['repeat_incident_count']));
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      // Pages of the same list.
      const page = await get<{ data: Row[]; total: number }>(
        `noise/repeats?since=${new Date(since).toISOString()}&limit=3&offset=2`,
      );
      expect(page.data).toEqual(body.data.slice(2, 5));
    });

    it('offers the same facts to BI tools: v_incident_noise', async () => {
      const db = synced.db.db as unknown as Kysely<Record<string, Row>>;
      const rows = new Map(
        (await db.selectFrom('v_incident_noise').selectAll().execute()).map((r) => [
          String(r['incident_id']),
          r,
        ]),
      );
      expect(rows.size).toBe(truth.length);
      const wrong: string[] = [];
      for (const i of truth) {
        const r = rows.get(i.id);
        const expected = [i.alerts, i.transient, i.unacknowledgedResolved, i.repeat, i.reopened];
        const actual = [
          Number(r?.['alert_count']),
          Number(r?.['transient']) === 1,
          Number(r?.['unacknowledged_resolved']) === 1,
          Number(r?.['is_repeat']) === 1,
          Number(r?.['reopened']) === 1,
        ];
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push(`${i.id}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
        if (i.incidentKey !== null) expect(r?.['repeat_key'], i.id).toBe(i.incidentKey);
      }
      expect(wrong.slice(0, 3)).toEqual([]);
    });

    it('gives the same rows as the CSV reports, with the same filters', async () => {
      // The priority with the most repeats: the report takes priority_id as its endpoint does.
      const byPriority = await get('noise?group_by=priority');
      const priority = [...byPriority.data]
        .filter((r) => r['priority_id'] !== null)
        .sort((a, b) => Number(b['total_repeat_incidents']) - Number(a['total_repeat_incidents']))
        .at(0)?.['priority_id'];
      const all = await get('noise/repeats?limit=1000');
      const some = await get(`noise/repeats?priority_id=${String(priority)}&limit=1000`);
      expect(some.data.length).toBeGreaterThan(0);
      expect(some.data.length).toBeLessThan(all.data.length);
      for (const [report, path, fields] of [
        ['noise', 'noise?group_by=service&aggregate_unit=month', null],
        ['noise_repeats', 'noise/repeats?limit=1000', null],
        ['noise_repeats', `noise/repeats?priority_id=${String(priority)}&limit=1000`, null],
      ] as const) {
        const json = await get<{ data: Row[] }>(path);
        const query = path.includes('?') ? path.slice(path.indexOf('?')) : '';
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/reports/${report}${query.replace('limit=1000', '')}`,
        });
        expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
        const [header, ...lines] = parseCsv(res.body);
        if (report === 'noise')
          expect(header).toEqual([...METRIC_GROUP_FIELDS, 'range_start', ...NOISE_FIELDS]);
        expect(lines, report).toHaveLength(json.data.length);
        lines.forEach((cells, n) => {
          const row = json.data[n] ?? {};
          (fields ?? header)?.forEach((field, k) => {
            const value = row[field];
            expect(cells[k], `${report} ${n} ${field}`).toBe(
              value === null || value === undefined ? '' : String(value),
            );
          });
        });
      }
    });

    it.each([
      ['noise?group_by=colour', 'group_by'],
      ['noise?time_zone=Mars/Olympus', 'time_zone'],
      ['noise/repeats?limit=100000', 'limit'],
      ['noise/repeats?since=2026-05-01&until=2026-04-01', 'until'],
    ])('answers 400 naming the parameter for %s', async (path, parameter) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/analytics/${path}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.parameter).toBe(parameter);
    });
  });
}
