// The dashboard in Debian's Chromium on the analytics benchmark's database (1,000,000 incidents,
// 2,000 services): time to the first render (the first screen: the six counts and the three
// incident charts drawn) and until every panel is filled, on a fresh server and again on the
// same server; then to apply a filter and to show every service.
import fs from 'node:fs';
import { BENCH_INCIDENTS, openBenchDatabase } from './bench-account.js';
import { describeMachine } from './machine.js';
import { startServerProcess } from './server-process.js';
import { CHROMIUM_PATH, launchChromium } from '../test/helpers/chromium.js';

const CHROMIUM = CHROMIUM_PATH;

/**
 * The first render, read from the page itself rather than from its own marker: every count shown
 * and the three incident charts drawn (an ECharts chart is made when its answer has arrived).
 */
const FIRST_SCREEN_DRAWN = `[...document.querySelectorAll('[data-count]')].every((e) => e.textContent !== '–') &&
  ['chart-by-service', 'chart-most', 'chart-over-time'].every((id) => document.querySelector('#' + id + ' svg'))`;

export async function dashboardBenchmark(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM}`);
    return;
  }
  const { target, account } = await openBenchDatabase('sqlite', console.log, { readOnly: true });
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `conditions: the bench account on SQLite (${BENCH_INCIDENTS.toLocaleString('en-US')} incidents, 2,000 services, 500 users); server in its own process; Chromium headless, 1280x1000`,
  );
  const server = await startServerProcess(target);
  const base = `${server.base}/`;
  const team = account.entities.teams[3]?.id ?? '';
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // Cold: the server's first page (its read workers start, the copy of the facts is read);
    // warm: the same page loaded again.
    for (const load of ['cold', 'warm']) {
      const started = Date.now();
      await page.goto(base);
      await page.waitForFunction(FIRST_SCREEN_DRAWN, undefined, { timeout: 120_000 });
      const firstRender = Date.now() - started;
      await page.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1', undefined, {
        timeout: 300_000,
      });
      const filled = Date.now() - started;
      const cache = await page.evaluate(
        "fetch('/api/v1/health').then((r) => r.json()).then((h) => h.analytics_cache?.state)",
      );
      console.log(
        `${load}: first render ${firstRender} ms from navigation (counts and incident charts; page ${String(await page.evaluate('document.body.dataset.firstRenderMs'))} ms), every panel filled ${filled} ms (page ${String(await page.evaluate('document.body.dataset.renderMs'))} ms); ${(await page.locator('select[name="service_id"] option').count()) - 1} services in the filter; copy of the facts ${String(cache)}`,
      );
    }
    let started = Date.now();
    await page.selectOption('select[name="team_id"]', team);
    await page.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 2', undefined, {
      timeout: 120_000,
    });
    console.log(`filter by team: ${Date.now() - started} ms`);
    started = Date.now();
    await page.locator('#toggle-all').click();
    await page.waitForFunction(
      "document.getElementById('toggle-all').textContent.startsWith('Top')",
    );
    console.log(`show all services: ${Date.now() - started} ms`);
  } finally {
    await browser.close();
    server.stop();
  }
}
