import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { parseConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import { accountTruth } from '../../src/simulator/account-truth.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { runSync } from '../../src/sync/sync-engine.js';
import { parseCsv } from '../helpers/csv.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js';
import { inProcessSyncService } from '../helpers/test-app.js';

const CHROMIUM = CHROMIUM_PATH;
const REQUIRED = process.env['CI'] === 'true' || process.env['PDA_REQUIRE_BROWSER'] === '1';
const available = fs.existsSync(CHROMIUM);
if (!available) {
  const reason = `end-to-end suite skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (REQUIRED) throw new Error(`${reason}. Under CI it must run.`);
  console.warn(reason);
}
const SCREENSHOTS = path.resolve('test-results/screenshots');

describe.skipIf(!available)('the dashboard in a real browser', () => {
  let account: SimulatedAccount;
  let sim: RunningSimulator;
  let testDb: TestDatabase;
  let handle: Db;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;

  const loaded = async (count: number) =>
    page.waitForFunction(`Number(document.body.dataset.loaded ?? 0) >= ${count}`, undefined, {
      timeout: 15_000,
    });
  const card = (name: string) => page.locator(`[data-count="${name}"]`).innerText();

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    ({ account, sim } = await startTestSimulator('small'));
    testDb = await createTestDatabase('sqlite');
    handle = createDb(testDb.target);
    await migrateToLatest(handle.db);
    const client = testClient(sim.url);
    const clock = () => new Date(account.now + 1000);
    const logger = createLogger('silent');
    await runSync(
      { db: handle.db, client, logger, clock },
      { since: new Date(SIM_NOW - 500 * 24 * 3600 * 1000) },
    );
    const syncService = inProcessSyncService({
      db: handle.db,
      logger,
      createClient: () => client,
      clock,
    });
    app = await buildApp({
      config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
      db: handle,
      logger,
      syncService,
      clock,
      // As a user sets them: the two variables of on-call pay, through the one config parser.
      analytics: parseConfig({
        ONCALL_PAY_RULES: JSON.stringify({
          currency: 'EUR',
          hourly: { off: 2, sleep: 4, weekend: 5, holiday: 8 },
          per_interruption: { off: 10, sleep: 20, weekend: 15, holiday: 30 },
        }),
        ONCALL_LIMITS: JSON.stringify({ max_hours_per_7_days: 60, max_consecutive_days: 7 }),
      }).analytics,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await handle?.destroy();
    await testDb?.drop();
    await sim?.close();
  });

  it('loads with the counts of the account, in under a second', async () => {
    const truth = accountTruth(account);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await loaded(1);
    expect(await card('services')).toBe(String(truth.services.length));
    expect(await card('teams')).toBe(String(truth.teams.length));
    expect(await card('users')).toBe(String(truth.liveUserIds.length));
    const open = [...truth.incidentsByServiceStatus.values()].reduce(
      (n, b) => n + b.triggered + b.acknowledged,
      0,
    );
    expect(await card('open')).toBe(String(open));
    expect(await page.locator('#chart-by-service svg').count()).toBe(1);
    expect(await page.locator('#empty').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    const renderMs = Number(await page.evaluate('document.body.dataset.renderMs'));
    console.log(`dashboard first render: ${renderMs} ms (small account)`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
  });

  it('draws the first screen without waiting for a slow panel, which says it is loading', async () => {
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const sent: string[] = [];
    viewer.on('request', (r) => {
      if (r.url().includes('/api/v1/')) sent.push(new URL(r.url()).pathname);
    });
    // The on-call answer is held back, as a slow endpoint on a large account would be.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await viewer.route('**/api/v1/analytics/responders*', async (route) => {
      await held;
      await route.continue();
    });
    await viewer.goto(`${base}/`);
    await viewer.waitForFunction('Number(document.body.dataset.rendered ?? 0) >= 1');
    expect(await viewer.locator('[data-count="services"]').innerText()).toBe(
      String(accountTruth(account).services.length),
    );
    for (const id of ['chart-by-service', 'chart-most', 'chart-over-time'])
      expect(await viewer.locator(`#${id} svg`).count(), id).toBe(1);
    expect(await viewer.locator('[data-panel="counts"]').getAttribute('aria-busy')).toBeNull();
    // The panels that answered are filled; the held one says it is loading, and the page is not
    // counted as loaded until it has its answer.
    await viewer.waitForFunction("document.querySelector('#chart-noise svg') !== null");
    expect(await viewer.locator('[data-panel="oncall"]').getAttribute('aria-busy')).toBe('true');
    expect(
      await viewer.evaluate(
        "getComputedStyle(document.querySelector('[data-panel=\"oncall\"] > h2'), '::after').content",
      ),
    ).toContain('Loading');
    expect(await viewer.evaluate('document.body.dataset.loaded')).toBeUndefined();
    release();
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    expect(await viewer.locator('[aria-busy]').count()).toBe(0);
    expect(await viewer.locator('#chart-oncall-hours svg').count()).toBe(1);
    // The first screen's requests went out before any of the analytics panels'.
    const firstAnalytics = sent.findIndex((p) => p.startsWith('/api/v1/analytics/'));
    for (const path of [
      '/api/v1/services/count',
      '/api/v1/incidents/by-status',
      '/api/v1/incidents/by-service',
      '/api/v1/services/chart',
      '/api/v1/incidents/over-time',
    ])
      expect(sent.indexOf(path), path).toBeLessThan(firstAnalytics);
    const first = Number(await viewer.evaluate('document.body.dataset.firstRenderMs'));
    const all = Number(await viewer.evaluate('document.body.dataset.renderMs'));
    expect(first).toBeLessThanOrEqual(all);
    await viewer.close();
  });

  it("shows response times per week in the viewer's zone, and a sortable table per service", async () => {
    const viewer = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'America/New_York',
    });
    await viewer.goto(`${base}/`);
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    expect(await viewer.locator('#response-zone').innerText()).toContain('America/New_York');
    expect(await viewer.locator('#chart-response svg').count()).toBe(1);
    expect(await viewer.locator('#chart-interruptions svg').count()).toBe(1);
    const api = (await (
      await fetch(`${base}/api/v1/analytics/incidents?group_by=service`)
    ).json()) as {
      data: {
        service_id: string;
        total_incident_count: number;
        mean_seconds_to_resolve: number | null;
      }[];
    };
    const rows = viewer.locator('#response-services tbody tr');
    expect(await rows.count()).toBe(api.data.length);
    // Sorted by mean time to resolve, longest first; a click on "Incidents" sorts by count.
    const slowest = [...api.data]
      .filter((r) => r.mean_seconds_to_resolve !== null)
      .sort((a, b) => (b.mean_seconds_to_resolve ?? 0) - (a.mean_seconds_to_resolve ?? 0))[0];
    expect(await rows.first().locator('a').getAttribute('data-service')).toBe(slowest?.service_id);
    await viewer.locator('#response-services th[data-sort="total_incident_count"]').click();
    const counts = await viewer
      .locator('#response-services tbody tr td:nth-child(2)')
      .allInnerTexts();
    const numbers = counts.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(
      await viewer
        .locator('#response-services th[data-sort="total_incident_count"]')
        .getAttribute('aria-sort'),
    ).toBe('descending');
    await viewer.screenshot({
      path: path.join(SCREENSHOTS, 'dashboard-response.png'),
      fullPage: true,
    });
    await viewer.close();
  });

  it('shows who carries the pager, and when interruptions land in the week', async () => {
    const viewer = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Europe/Berlin',
    });
    const heatmaps: string[] = [];
    viewer.on('request', (r) => {
      if (r.url().includes('/analytics/interruptions/heatmap')) heatmaps.push(r.url());
    });
    await viewer.goto(`${base}/`);
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    const api = (await (await fetch(`${base}/api/v1/analytics/responders?limit=20`)).json()) as {
      data: { responder_name: string }[];
      since: string;
    };
    expect(api.data.length).toBeGreaterThan(0);
    expect(await viewer.locator('#oncall-range').innerText()).toContain(api.since.slice(0, 10));
    // Both charts name the most loaded person.
    for (const id of ['#chart-oncall-hours', '#chart-oncall-interruptions']) {
      expect(await viewer.locator(`${id} svg`).count()).toBe(1);
      expect(await viewer.locator(id).innerText()).toContain(api.data[0]?.responder_name ?? '?');
    }
    expect(await viewer.locator('#chart-heatmap svg').count()).toBe(1);
    expect(heatmaps.at(-1)).toContain('time_zone=Europe%2FBerlin');
    await viewer.selectOption('select[name="time_zone"]', 'Asia/Tokyo');
    await expect.poll(() => heatmaps.at(-1)).toContain('time_zone=Asia%2FTokyo');
    expect(await viewer.locator('#heatmap-zone').innerText()).toContain('Asia/Tokyo');
    // The legend gives numbers: 0 to the busiest hour's interruptions.
    expect(await viewer.locator('#chart-heatmap').innerText()).toMatch(/\d+ interruptions/);
    await viewer.locator('[data-testid="oncall-load"]').screenshot({
      path: path.join(SCREENSHOTS, 'dashboard-oncall.png'),
    });
    await viewer.close();
  });

  it('shows the noisiest services and their repeating alerts, with the numbers of the CSV', async () => {
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await viewer.goto(`${base}/`);
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    expect(await viewer.locator('#chart-noise svg').count()).toBe(1);
    const table = (id: string) =>
      viewer
        .locator(`#${id} tbody tr`)
        .evaluateAll((rows) =>
          rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
    const csv = async (report: string) =>
      parseCsv(await (await fetch(`${base}/api/v1/reports/${report}`)).text());
    // The repeating alerts: the head of the report, in its order.
    const [header, ...repeats] = await csv('noise_repeats');
    const col = (name: string) => header?.indexOf(name) ?? -1;
    const shown = await table('noise-repeats');
    expect(shown.length).toBe(Math.min(10, repeats.length));
    expect(shown.length).toBeGreaterThan(0);
    shown.forEach((cells, n) => {
      const line = repeats[n] ?? [];
      expect(cells.slice(0, 4)).toEqual([
        line[col('service_name')],
        line[col('repeat_key')],
        line[col('incident_count')],
        line[col('repeat_incident_count')],
      ]);
    });
    // The noisiest services: each row as the per-service report gives it.
    const [sHeader, ...services] = await csv('noise?group_by=service');
    const sCol = (name: string) => sHeader?.indexOf(name) ?? -1;
    const byName = new Map(services.map((l) => [l[sCol('service_name')], l]));
    const noisy = await table('noise-services');
    expect(noisy.length).toBeGreaterThan(0);
    for (const cells of noisy) {
      const line = byName.get(cells[0]) ?? [];
      expect(cells.slice(1, 6)).toEqual(
        [
          'total_incident_count',
          'total_unacknowledged_resolved',
          'total_transient_incidents',
          'total_repeat_incidents',
          'total_reopened_incidents',
        ].map((f) => line[sCol(f)]),
      );
    }
    const unacked = noisy.map((c) => Number(c[2]));
    expect(unacked).toEqual([...unacked].sort((a, b) => b - a));
    await viewer.locator('[data-testid="noise"]').screenshot({
      path: path.join(SCREENSHOTS, 'dashboard-noise.png'),
    });
    await viewer.close();
  });

  it('applies a filter to every panel and keeps it in the URL', async () => {
    const team = accountTruth(account).teams[0]?.id ?? '';
    await page.selectOption('select[name="team_id"]', team);
    await loaded(2);
    expect(new URL(page.url()).searchParams.get('team_id')).toBe(team);
    const expected = (await (
      await fetch(`${base}/api/v1/incidents/by-status?team_id=${team}`)
    ).json()) as { triggered: number; acknowledged: number };
    expect(await card('open')).toBe(String(expected.triggered + expected.acknowledged));
    // A shared link opens the same view.
    const other = await browser.newPage();
    await other.goto(page.url());
    await other.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    expect(await other.locator('select[name="team_id"]').inputValue()).toBe(team);
    await other.close();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-filtered.png') });
  });

  it('includes the day picked as Until, in the zone picked, in every request', async () => {
    const viewer = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Australia/Sydney',
    });
    const asked: URL[] = [];
    viewer.on('request', (r) => {
      if (r.url().includes('/api/v1/')) asked.push(new URL(r.url()));
    });
    await viewer.goto(`${base}/?since=2026-06-01&until=2026-06-30`);
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    // The picker starts on the viewer's zone, and the days are Sydney days, 30 June included.
    expect(await viewer.locator('select[name="time_zone"]').inputValue()).toBe('Australia/Sydney');
    const status = asked.find((u) => u.pathname.endsWith('/incidents/by-status'));
    expect(status?.searchParams.get('since')).toBe('2026-05-31T14:00:00.000Z');
    expect(status?.searchParams.get('until')).toBe('2026-06-30T14:00:00.000Z');
    // The count card holds what the API gives for the whole of those days.
    const api = (await (
      await fetch(
        `${base}/api/v1/incidents/by-status?since=2026-06-01T00:00:00%2B10:00&until=2026-07-01T00:00:00%2B10:00`,
      )
    ).json()) as { total: number };
    expect(await viewer.locator('[data-count="incidents"]').innerText()).toBe(
      api.total.toLocaleString('en-US'),
    );
    // Another zone: the same days, in UTC now, for every panel that has periods.
    asked.length = 0;
    await viewer.selectOption('select[name="time_zone"]', 'UTC');
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 2');
    expect(new URL(viewer.url()).searchParams.get('time_zone')).toBe('UTC');
    const utc = asked.find((u) => u.pathname.endsWith('/incidents/by-status'));
    expect(utc?.searchParams.get('until')).toBe('2026-07-01T00:00:00.000Z');
    for (const path of ['/incidents/over-time', '/analytics/interruptions/heatmap'])
      expect(
        asked.find((u) => u.pathname.endsWith(path))?.searchParams.get('time_zone'),
        path,
      ).toBe('UTC');
    expect(
      asked
        .find(
          (u) =>
            u.pathname.endsWith('/analytics/incidents') && u.searchParams.has('aggregate_unit'),
        )
        ?.searchParams.get('time_zone'),
    ).toBe('UTC');
    for (const id of ['#over-time-zone', '#response-zone', '#interruptions-zone', '#heatmap-zone'])
      expect(await viewer.locator(id).innerText(), id).toContain('UTC');
    await viewer.close();
  });

  it('draws one bar per week, empty weeks included, on a time axis', async () => {
    // The quietest service with incidents: most of its weeks are empty.
    const services = (await (await fetch(`${base}/api/v1/incidents/by-service`)).json()) as {
      services: { service_id: string; incident_count: number }[];
    };
    const quiet = [...services.services]
      .filter((s) => s.incident_count > 0)
      .sort((a, b) => a.incident_count - b.incident_count)[0];
    const viewer = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'UTC',
    });
    await viewer.goto(
      `${base}/?service_id=${quiet?.service_id}&since=2026-01-05&until=2026-03-29&time_zone=UTC`,
    );
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    // 5 January to 29 March (a Sunday, included): 12 weeks, each with its bar slot.
    expect(await viewer.locator('#chart-over-time').getAttribute('data-periods')).toBe('12');
    const option = (await viewer.evaluate(`(() => {
      const c = echarts.getInstanceByDom(document.getElementById('chart-over-time'));
      const o = c.getOption();
      return { axis: o.xAxis[0].type, name: o.xAxis[0].name, points: o.series.map((s) => s.data.length) };
    })()`)) as { axis: string; name: string; points: number[] };
    expect(option.axis).toBe('time');
    expect(option.name).toBe('UTC');
    expect(option.points).toEqual([12, 12, 12]);
    await viewer.close();
  });

  it('opens a service', async () => {
    const link = page.locator('#teams [data-service]').first();
    const name = await link.innerText();
    await link.click();
    await expect.poll(() => page.locator('#service-dialog').isVisible()).toBe(true);
    expect(await page.locator('#service-name').innerText()).toBe(name);
    // Its response times, its last incidents, and links to PagerDuty.
    const details = await page.locator('#service-details').innerText();
    expect(details).toContain('MTTA');
    expect(details).toContain('MTTR');
    expect(await page.locator('#service-name a').getAttribute('href')).toMatch(/^https:\/\//);
    const recent = page.locator('#service-incidents li');
    expect(await recent.count()).toBeGreaterThan(0);
    if ((await recent.locator('a').count()) > 0)
      expect(await recent.locator('a').first().getAttribute('href')).toMatch(/^https:\/\//);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-service.png') });
    await page.locator('#service-dialog button').click();
  });

  it('downloads a CSV report', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-report="services"]').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^services_\d{4}-\d{2}-\d{2}\.csv$/);
    const file = path.join(os.tmpdir(), `pda-${process.pid}-services.csv`);
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    fs.rmSync(file);
    expect(lines[0]).toMatch(/^service_id,service_name,/);
    expect(lines.length).toBeGreaterThan(1);
  });

  it("shows a month's on-call pay, its payroll CSV and the limits' breaches", async () => {
    const viewer = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Europe/Berlin',
      acceptDownloads: true,
    });
    const pays: string[] = [];
    viewer.on('request', (r) => {
      if (r.url().includes('/analytics/on-call-pay')) pays.push(r.url());
    });
    await viewer.goto(`${base}/`);
    await viewer.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    // October 2026, local months in the page's zone (Berlin: UTC+2 until the 25th).
    await viewer.locator('#pay-month').fill('2026-10');
    await viewer.locator('#pay-month').dispatchEvent('change');
    await expect.poll(() => pays.at(-1)).toContain('since=2026-09-30T22%3A00%3A00.000Z');
    const api = (await (
      await fetch(
        `${base}/api/v1/analytics/on-call-pay?since=2026-09-30T22:00:00Z&until=2026-10-31T23:00:00Z&limit=1000`,
      )
    ).json()) as { data: { user_name: string; amount: number }[]; total: number };
    expect(api.total).toBeGreaterThan(0);
    await expect.poll(() => viewer.locator('#pay-table tbody tr').count()).toBe(api.total);
    const total = api.data.reduce((sum, r) => sum + r.amount, 0);
    expect(total).toBeGreaterThan(0);
    const shown = await viewer.locator('#pay-total').innerText();
    expect(Number(shown.replace(/[^\d.]/g, ''))).toBeCloseTo(total, 2);
    expect(shown).toContain('EUR');
    expect(await viewer.locator('#chart-pay-hours svg').count()).toBe(1);
    expect(await viewer.locator('#pay-breaches li').count()).toBeGreaterThan(0);
    // The payroll file: the same people and amounts.
    const [download] = await Promise.all([
      viewer.waitForEvent('download'),
      viewer.locator('#pay-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^on_call_pay_\d{4}-\d{2}-\d{2}\.csv$/);
    const file = path.join(os.tmpdir(), `pda-${process.pid}-pay.csv`);
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    fs.rmSync(file);
    expect(lines[0]).toMatch(/^user_id,user_name,currency,seconds_on_call,/);
    expect(lines).toHaveLength(api.total + 1);
    const amounts = lines.slice(1).map((l) => Number(l.split(',').at(-1)));
    expect(amounts.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 2);
    await viewer.locator('[data-testid="pay"]').screenshot({
      path: path.join(SCREENSHOTS, 'dashboard-pay.png'),
    });
    await viewer.close();
  });

  it('syncs the simulator on "Sync now" and shows the new numbers', async () => {
    await page.goto(`${base}/`);
    await loaded(1);
    const usersBefore = Number(await card('users'));
    const changes = account.mutate();
    await page.locator('#sync-now').click();
    await expect
      .poll(() => page.locator('[data-testid="last-sync"]').innerText(), { timeout: 30_000 })
      .toMatch(/incremental, succeeded/);
    // The mutation deleted a user.
    expect(Number(await card('users'))).toBe(usersBefore - 1);
    expect(changes.deletedUserId).toBeTruthy();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-after-sync.png') });
  }, 60_000);

  it('is readable on a phone', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${base}/`);
    await phone.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
    const overflow = await phone.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await phone.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-phone.png'), fullPage: true });
    await phone.close();
  });
});
