import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCallCompliance, onCallPay, PAY_ROW_FIELDS } from '../../src/analytics/on-call-pay.js';
import { DEFAULT_PAY_RULES, parseConfig, type AnalyticsConfig } from '../../src/config.js';
import { historyStart } from '../../src/mirror/history.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { parseCsv } from '../helpers/csv.js';
import { runCliProcess } from '../helpers/run-cli.js';
import { metricsTruth, type TruthIncident } from '../helpers/metrics-truth.js';
import {
  complianceTruth,
  PAY_CLASS_NAMES,
  payTruth,
  type PayTruth,
  type TruthBreach,
  type TruthRules,
} from '../helpers/pay-truth.js';
import { SIM_NOW } from '../helpers/simulator-fixture.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { dialectsUnderTest } from '../helpers/test-databases.js';

const DAY = 24 * 3600 * 1000;
type Row = Record<string, string | number | null>;

// A range over both DST changes of 2026 (Europe 25 October, America 1 November), with two
// holidays inside it; the compliance range ends early enough that the two months its runs are
// followed beyond it are still the past.
const SINCE = Date.parse('2026-10-01T00:00:00Z');
const UNTIL = Date.parse('2026-11-20T00:00:00Z');
const RANGE = `since=${new Date(SINCE).toISOString()}&until=${new Date(UNTIL).toISOString()}`;
const C_SINCE = Date.parse('2026-08-01T00:00:00Z');
const C_UNTIL = Date.parse('2026-09-20T00:00:00Z');
const C_RANGE = `since=${new Date(C_SINCE).toISOString()}&until=${new Date(C_UNTIL).toISOString()}`;
const HOLIDAYS = ['2026-10-12', '2026-11-11', '2026-08-15'];

const RULES = {
  currency: 'EUR',
  hourly: { business: 0, off: 2, sleep: 4, weekend: 5, holiday: 8 },
  per_interruption: { business: 1.5, off: 10, sleep: 20, weekend: 15, holiday: 30 },
};
const LIMITS = {
  max_hours_per_7_days: 100,
  max_consecutive_days: 6,
  max_sleep_interruptions_per_7_days: 2,
};

const ENV = {
  HOLIDAYS: HOLIDAYS.join(','),
  ONCALL_PAY_RULES: JSON.stringify(RULES),
  ONCALL_LIMITS: JSON.stringify(LIMITS),
};

function truthRules(count: 'scheduled' | 'all'): TruthRules {
  return { hourly: RULES.hourly, perInterruption: RULES.per_interruption, count };
}

function expectPayRows(rows: Row[], truth: Map<string, PayTruth>, what: string): void {
  const wanted = [...truth].filter(
    ([, t]) =>
      PAY_CLASS_NAMES.some((c) => t.seconds[c] > 0) ||
      PAY_CLASS_NAMES.some((c) => t.interruptions[c] > 0),
  );
  expect(rows.map((r) => String(r['user_id'])).sort(), `${what}: users`).toEqual(
    wanted.map(([id]) => id).sort(),
  );
  const byId = new Map(rows.map((r) => [String(r['user_id']), r]));
  for (const [id, t] of wanted) {
    const row = byId.get(id) as Row;
    expect(Object.keys(row), `${what} ${id} fields`).toEqual([...PAY_ROW_FIELDS]);
    expect(row['currency']).toBe('EUR');
    const total = PAY_CLASS_NAMES.reduce((s, c) => s + t.seconds[c], 0);
    expect(Number(row['seconds_on_call']), `${what} ${id} seconds_on_call`).toBe(total);
    for (const c of PAY_CLASS_NAMES) {
      expect(Number(row[`seconds_${c}`]), `${what} ${id} seconds_${c}`).toBe(t.seconds[c]);
      expect(Number(row[`interruptions_${c}`]), `${what} ${id} interruptions_${c}`).toBe(
        t.interruptions[c],
      );
    }
    expect(Number(row['amount']), `${what} ${id} amount`).toBeCloseTo(t.amount, 2);
  }
}

function breachKey(b: {
  user: string;
  rule: string;
  observed: number;
  start: number;
  end: number;
}) {
  return `${b.user} ${b.rule} ${Math.round(b.observed * 10_000) / 10_000} ${new Date(b.start).toISOString()} ${new Date(b.end).toISOString()}`;
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`on-call pay and compliance on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let app: FastifyInstance;
    let account: SimulatedAccount;
    let incidents: TruthIncident[];
    let analytics: AnalyticsConfig;
    const zones = new Map<string, string>();
    // Pay is classed in the user's own zone, UTC for users PagerDuty no longer lists.
    const zoneOf = (user: string) => zones.get(user) ?? 'UTC';
    const holidays = new Set(HOLIDAYS);
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      return res.json() as { data: Row[]; total: number; since: string; until: string } & Row;
    };

    beforeAll(async () => {
      analytics = parseConfig(ENV).analytics;
      synced = await startSyncedTestApp(dialect, { analytics });
      ({ app, account } = synced);
      for (const u of account.liveUsers()) zones.set(u.id, u.time_zone);
      incidents = metricsTruth(account, (u) => zones.get(u) ?? 'UTC');
    });
    afterAll(async () => synced?.close());

    it('has an account that makes pay non-trivial', () => {
      const truth = payTruth(
        account,
        incidents,
        { since: SINCE, until: UNTIL },
        zoneOf,
        holidays,
        truthRules('scheduled'),
      );
      const all = [...truth.values()];
      for (const c of PAY_CLASS_NAMES) {
        expect(
          all.some((t) => t.seconds[c] > 0),
          `on-call seconds in ${c}`,
        ).toBe(true);
        expect(
          all.some((t) => t.interruptions[c] > 0),
          `interruptions in ${c}`,
        ).toBe(true);
      }
      expect(new Set(account.liveUsers().map((u) => u.time_zone)).size).toBeGreaterThan(2);
      // Direct escalation targets exist: "all" pays them more than "scheduled".
      const everything = payTruth(
        account,
        incidents,
        { since: SINCE, until: UNTIL },
        zoneOf,
        holidays,
        truthRules('all'),
      );
      expect([...everything].some(([id, t]) => t.amount > (truth.get(id)?.amount ?? 0))).toBe(true);
    });

    it('pays each person as the account implies, over both DST changes and holidays', async () => {
      const body = await get(`/analytics/on-call-pay?${RANGE}&limit=1000`);
      expect(body.since).toBe(new Date(SINCE).toISOString());
      expect(body.until).toBe(new Date(UNTIL).toISOString());
      expect(body['currency']).toBe('EUR');
      expect(body['count']).toBe('scheduled');
      expect(body.total).toBe(body.data.length);
      expectPayRows(
        body.data,
        payTruth(
          account,
          incidents,
          { since: SINCE, until: UNTIL },
          zoneOf,
          holidays,
          truthRules('scheduled'),
        ),
        'scheduled',
      );
      const names = body.data.map((r) => String(r['user_name']));
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
      const page = await get(`/analytics/on-call-pay?${RANGE}&limit=2&offset=1`);
      expect(page.data).toEqual(body.data.slice(1, 3));
    });

    it('counts direct escalation targets around the clock under "count":"all"', async () => {
      const answer = await onCallPay(
        synced.db.read,
        { since: new Date(SINCE), until: new Date(UNTIL) },
        synced.clock(),
        { ...analytics, pay: { ...analytics.pay, count: 'all' } },
      );
      expectPayRows(
        answer.rows as unknown as Row[],
        payTruth(
          account,
          incidents,
          { since: SINCE, until: UNTIL },
          zoneOf,
          holidays,
          truthRules('all'),
        ),
        'all',
      );
    });

    it('filters by team and user, and gives the same rows as the payroll CSV', async () => {
      const team = account.entities.teams.find(
        (t) => account.entities.users.filter((u) => u.teamIds.includes(t.id)).length > 2,
      );
      const members = new Set(
        account.entities.users.filter((u) => u.teamIds.includes(team?.id ?? '')).map((u) => u.id),
      );
      const all = await get(`/analytics/on-call-pay?${RANGE}&limit=1000`);
      const byTeam = await get(`/analytics/on-call-pay?${RANGE}&team_id=${team?.id}&limit=1000`);
      expect(byTeam.data).toEqual(all.data.filter((r) => members.has(String(r['user_id']))));
      const one = all.data[0];
      const byUser = await get(`/analytics/on-call-pay?${RANGE}&user_id=${one?.['user_id']}`);
      expect(byUser.data).toEqual([one]);

      const res = await app.inject({ method: 'GET', url: `/api/v1/reports/on_call_pay?${RANGE}` });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const [header, ...lines] = parseCsv(res.body);
      expect(header).toEqual([...PAY_ROW_FIELDS]);
      expect(lines).toHaveLength(all.data.length);
      lines.forEach((line, i) => {
        const row = all.data[i] as Row;
        PAY_ROW_FIELDS.forEach((f, k) => {
          if (typeof row[f] === 'number') expect(Number(line[k]), f).toBe(row[f]);
          else expect(line[k], f).toBe(row[f] ?? '');
        });
      });
    });

    it('lists every breach of the limits as the account implies', async () => {
      const read = { from: C_SINCE - 62 * DAY, to: C_UNTIL + 62 * DAY };
      const truth = complianceTruth(
        account,
        incidents,
        { since: C_SINCE, until: C_UNTIL },
        read,
        zoneOf,
        {
          hours: LIMITS.max_hours_per_7_days,
          days: LIMITS.max_consecutive_days,
          sleeps: LIMITS.max_sleep_interruptions_per_7_days,
        },
      );
      for (const rule of [
        'max_hours_per_7_days',
        'max_consecutive_days',
        'max_sleep_interruptions_per_7_days',
      ])
        expect(
          truth.some((b) => b.rule === rule),
          `a breach of ${rule}`,
        ).toBe(true);
      const body = await get(`/analytics/on-call-compliance?${C_RANGE}&limit=1000`);
      expect(body['limits']).toEqual(LIMITS);
      const got = body.data.map((r) =>
        breachKey({
          user: String(r['user_id']),
          rule: String(r['rule']),
          observed: Number(r['observed']),
          start: Date.parse(String(r['window_start'])),
          end: Date.parse(String(r['window_end'])),
        }),
      );
      expect(got.sort()).toEqual(truth.map((b: TruthBreach) => breachKey(b)).sort());
      for (const r of body.data) expect(Number(r['observed'])).toBeGreaterThan(Number(r['limit']));
      // The planted marathon (ten days straight on one schedule) is found, as days and hours.
      const marathon = account.entities.schedules
        .flatMap((s) => s.overrides)
        .find((o) => o.id === 'POMARATHON');
      expect(marathon?.start).toBeGreaterThan(C_SINCE);
      const found = body.data.filter((r) => r['user_id'] === marathon?.userId);
      expect(
        found.some((r) => r['rule'] === 'max_consecutive_days' && Number(r['observed']) >= 10),
      ).toBe(true);
      expect(found.some((r) => r['rule'] === 'max_hours_per_7_days')).toBe(true);
      // Breaches in start order.
      const starts = body.data.map((r) => String(r['window_start']));
      expect(starts).toEqual([...starts].sort());
    });

    it('prints the same payroll file on the command line, or a table', async () => {
      const target = synced.target;
      const env = {
        ...ENV,
        DATABASE_URL: target.dialect === 'sqlite' ? `sqlite:${target.path}` : target.url,
      };
      const range = [
        '--since',
        new Date(SINCE).toISOString(),
        '--until',
        new Date(UNTIL).toISOString(),
      ];
      const csv = await runCliProcess(['report', 'on-call-pay', ...range], env);
      expect(csv.code, csv.stderr).toBe(0);
      expect(csv.stderr).toBe('');
      const api = await get(`/analytics/on-call-pay?${RANGE}&limit=1000`);
      const [header, ...lines] = parseCsv(csv.stdout);
      expect(header).toEqual([...PAY_ROW_FIELDS]);
      expect(lines.map((l) => [l[0], Number(l.at(-1))])).toEqual(
        api.data.map((r) => [r['user_id'], r['amount']]),
      );
      const table = await runCliProcess(
        ['report', 'on-call-pay', ...range, '--format', 'table'],
        env,
      );
      expect(table.code, table.stderr).toBe(0);
      const rows = table.stdout.trim().split('\n');
      expect(rows[0]).toMatch(/^user_id\s+user_name\s+currency\s+seconds_on_call/);
      expect(rows).toHaveLength(api.data.length + 2);
      const bad = await runCliProcess(['report', 'on-call-pay', '--since', '2026-02-30'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toContain('--since');
      const rules = await runCliProcess(['report', 'on-call-pay'], {
        ...env,
        ONCALL_PAY_RULES: '{"hourly":{"sleep":"four"}}',
      });
      expect(rules.code).toBe(2);
      expect(rules.stderr).toContain('ONCALL_PAY_RULES.hourly.sleep');
    });

    it('says on stderr, on the command line, when ONCALL_PAY_RULES or ONCALL_LIMITS is not set', async () => {
      const target = synced.target;
      const env = {
        HOLIDAYS: ENV.HOLIDAYS,
        DATABASE_URL: target.dialect === 'sqlite' ? `sqlite:${target.path}` : target.url,
      };
      const range = (since: number, until: number) => [
        '--since',
        new Date(since).toISOString(),
        '--until',
        new Date(until).toISOString(),
      ];
      const pay = await runCliProcess(['report', 'on-call-pay', ...range(SINCE, UNTIL)], env);
      expect(pay.code, pay.stderr).toBe(0);
      expect(pay.stderr).toBe(
        'pd-analytics: ONCALL_PAY_RULES is not set, or sets no rate: every amount is 0\n',
      );
      const [header = [], ...lines] = parseCsv(pay.stdout);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line[header.indexOf('currency')]).toBe('');
        expect(line[header.indexOf('amount')]).toBe('0');
      }
      const compliance = ['report', 'on-call-compliance', ...range(C_SINCE, C_UNTIL)];
      const unchecked = await runCliProcess(compliance, env);
      expect(unchecked.code, unchecked.stderr).toBe(0);
      expect(unchecked.stderr).toBe(
        'pd-analytics: ONCALL_LIMITS is not set, or sets no limit: there is no limit to breach\n',
      );
      expect(parseCsv(unchecked.stdout)).toHaveLength(1);
      const checked = await runCliProcess(compliance, { ...env, ONCALL_LIMITS: ENV.ONCALL_LIMITS });
      expect(checked.code, checked.stderr).toBe(0);
      expect(checked.stderr).toBe('');
      expect(parseCsv(checked.stdout).length).toBeGreaterThan(1);
    });

    it('checks nothing when no limits are set, and refuses bad input', async () => {
      const none = await onCallCompliance(
        synced.db.read,
        { since: new Date(C_SINCE), until: new Date(C_UNTIL) },
        synced.clock(),
        { ...analytics, limits: {} },
      );
      expect(none.rows).toEqual([]);
      // What the API answers says of it: no limit checked; no currency and nothing paid without rules.
      expect(none.limits).toEqual({});
      const unpaid = await onCallPay(
        synced.db.read,
        { since: new Date(SINCE), until: new Date(UNTIL) },
        synced.clock(),
        { ...analytics, pay: DEFAULT_PAY_RULES },
      );
      expect(unpaid.currency).toBeNull();
      expect(unpaid.rows.length).toBeGreaterThan(0);
      expect(unpaid.rows.every((r) => r.amount === 0 && r.currency === null)).toBe(true);
      for (const url of [
        '/analytics/on-call-pay?since=2026-02-30',
        '/analytics/on-call-compliance?until=yesterday',
        '/reports/on_call_pay?since=2026-13-01',
      ]) {
        const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
        expect(res.statusCode, url).toBe(400);
        expect(res.body).toMatch(/since|until/);
      }
      const missing = await app.inject({
        method: 'GET',
        url: `/api/v1/analytics/on-call-pay?team_id=PNOSUCH`,
      });
      expect(missing.statusCode).toBe(404);
      expect(SIM_NOW).toBeGreaterThan(C_UNTIL + 62 * DAY);
    });

    it('keeps the same pay by local day for BI tools (v_on_call_pay), through later syncs', async () => {
      const check = async (what: string) => {
        const known = await historyStart(synced.db.db);
        const now = synced.clock();
        for (const basis of ['scheduled', 'all'] as const) {
          const answer = await onCallPay(synced.db.read, { since: known, until: now }, now, {
            ...analytics,
            pay: { ...analytics.pay, count: basis },
          });
          const view = await sql<Row>`SELECT * FROM v_on_call_pay WHERE basis = ${basis}`.execute(
            synced.db.db,
          );
          const sums = new Map<string, Record<string, number>>();
          for (const r of view.rows) {
            const id = String(r['user_id']);
            const sum = sums.get(id) ?? {};
            for (const [k, v] of Object.entries(r))
              if (k.startsWith('seconds_') || k.startsWith('interruptions_'))
                sum[k] = (sum[k] ?? 0) + Number(v);
            sums.set(id, sum);
            expect(String(r['month'])).toBe(String(r['day']).slice(0, 7));
          }
          expect([...sums.keys()].sort(), `${what} ${basis}: users`).toEqual(
            answer.rows.map((r) => r.user_id).sort(),
          );
          for (const row of answer.rows)
            for (const [k, v] of Object.entries(sums.get(row.user_id) ?? {}))
              expect(v, `${what} ${basis} ${row.user_id} ${k}`).toBeCloseTo(
                Number(row[k as keyof typeof row]),
                3,
              );
        }
      };
      await check('after the full sync');
      // An incremental sync rewrites the recent days only; the sums stay whole.
      account.mutate();
      await synced.sync();
      await check('after an incremental sync');
    });
  });
}
