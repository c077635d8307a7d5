// The dashboard in Debian's Chromium on the analytics benchmark's database (1,000,000 incidents,
// 2,000 services): time to first render, to apply a filter, and to show every service.
import fs from 'node:fs';
import { BENCH_INCIDENTS, openBenchDatabase } from './bench-account.js';
import { describeMachine } from './machine.js';
import { startServerProcess } from './server-process.js';
import { CHROMIUM_PATH, launchChromium } from '../test/helpers/chromium.js';

const CHROMIUM = CHROMIUM_PATH;

export async function dashboardBenchmark(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM}`);
    return;
  }
  const { target, account } = await openBenchDatabase('sqlite');
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
    let started = Date.now();
    await page.goto(base);
    await page.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1', undefined, {
      timeout: 120_000,
    });
    console.log(
      `first render: ${Date.now() - started} ms from navigation (panels: ${String(await page.evaluate('document.body.dataset.renderMs'))} ms); ${(await page.locator('select[name="service_id"] option').count()) - 1} services in the filter`,
    );
    started = Date.now();
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
