// Regenerates docs/dashboard.png, the README's picture of the dashboard, so that it never shows
// a dashboard older than the code: the demo's account (the simulator, seed 42) synced into a
// temporary SQLite file, served, and photographed by Debian's Chromium. `npm run screenshot`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../src/api/server.js';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { SimulatedAccount } from '../src/simulator/simulated-account.js';
import { startSimulator } from '../src/simulator/simulator-server.js';
import { CHROMIUM_PATH, launchChromium } from '../test/helpers/chromium.js';

const OUTPUT = path.resolve('docs/dashboard.png');
const TOKEN = 'simulator-token';
const DAY_MS = 24 * 3600 * 1000;

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`,
    );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-screenshot-'));
  const config = parseConfig({
    DATABASE_URL: `sqlite:${path.join(dir, 'demo.db')}`,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger('silent');
  const account = new SimulatedAccount({ seed: 42, size: 'small' });
  const sim = await startSimulator({ account, token: TOKEN });
  const server = await startServer(config, logger, {
    pagerduty: () => ({ baseUrl: sim.url, token: TOKEN, requestsPerMinute: 60_000 }),
  });
  try {
    await server.syncService.run({ mode: 'full', since: new Date(account.now - 400 * DAY_MS) }, []);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${server.url}/`);
      // The dashboard counts its finished loads in data-loaded.
      await page.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1', undefined, {
        timeout: 30_000,
      });
      // Charts animate in; wait for them to settle.
      await page.waitForTimeout(1500);
      await page.screenshot({ path: OUTPUT, fullPage: true });
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
}

main().catch((error: unknown) => {
  console.error(`screenshot: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
