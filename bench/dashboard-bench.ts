// The dashboard in Debian's Chromium on the analytics benchmark's database (1,000,000 incidents,
// 2,000 services): time to first render, to apply a filter, and to show every service.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyticsFill } from './analytics-bench.js';
import { describeMachine } from './machine.js';
import { CHROMIUM_PATH, launchChromium } from '../test/helpers/chromium.js';

const CLI = fileURLToPath(new URL('../bin/pd-analytics.js', import.meta.url));
const CHROMIUM = CHROMIUM_PATH;

export async function dashboardBenchmark(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-dashboard-'));
  const file = path.join(dir, 'bench.db');
  console.log(`machine: ${describeMachine()}`);
  console.log(
    'conditions: SQLite file with 1,000,000 incidents and 2,000 services; server in its own process; Chromium headless, 1280x1000',
  );
  await analyticsFill(file);
  const server = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Dashboard:\s+(\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
  });
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
    await page.selectOption('select[name="team_id"]', 'PT3');
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
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
