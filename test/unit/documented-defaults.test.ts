import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { parseBusinessHours, parseDailySpan } from '../../src/time/working-hours.js';

// The README's configuration table and .env.example promise defaults; parseConfig decides them.
// .env.example once said SYNC_SINCE defaulted to 12 months while the code read the whole
// history: every documented default is checked here against what parseConfig({}) gives.
const ROOT = new URL('../../', import.meta.url);
const readme = fs.readFileSync(new URL('README.md', ROOT), 'utf8');
const envExample = fs.readFileSync(new URL('.env.example', ROOT), 'utf8');
const defaults = parseConfig({});

/** What parseConfig({}) gives for a variable, in the words the README uses for it. */
const ACTUAL: Record<string, (c: Config) => unknown> = {
  DATABASE_URL: (c) => (c.database.dialect === 'sqlite' ? c.database.path : c.database),
  SQLITE_READ_WORKERS: (c) => String(c.sqliteReadWorkers),
  ANALYTICS_CACHE_MB: (c) => String(c.analyticsCacheMb),
  PAGERDUTY_API_URL: (c) => c.pagerduty.apiUrl,
  PAGERDUTY_TOKEN_TYPE: (c) => c.pagerduty.tokenType,
  PAGERDUTY_RATE_LIMIT: (c) => String(c.pagerduty.requestsPerMinute),
  PAGERDUTY_CONCURRENCY: (c) => String(c.pagerduty.concurrency),
  ANALYTICS_TIME_ZONE: (c) => c.analytics.timeZone,
  TRANSIENT_MINUTES: (c) => String(c.analytics.transientMinutes),
  REPEAT_WINDOW_HOURS: (c) => String(c.analytics.repeatWindowHours),
  HOST: (c) => c.host,
  PORT: (c) => String(c.port),
  LOG_LEVEL: (c) => c.logLevel,
};

/** The README table's rows with a default in backticks: variable → default. */
function readmeDefaults(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)) {
    const value = /^`([^`]+)`/.exec((m[2] ?? '').trim());
    if (m[1] && value?.[1]) rows.set(m[1], value[1]);
  }
  return rows;
}

/** The comment block above `NAME=` in .env.example. */
function envComment(name: string): string {
  const lines = envExample.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${name}=`));
  expect(at, `${name} in .env.example`).toBeGreaterThanOrEqual(0);
  const block: string[] = [];
  for (let i = at - 1; i >= 0 && (lines[i] ?? '').startsWith('#'); i -= 1)
    block.unshift((lines[i] ?? '').replace(/^#\s?/, ''));
  return block.join(' ');
}

describe('the documented defaults', () => {
  const rows = readmeDefaults();

  it('covers the settings with a default', () => {
    expect([...rows.keys()]).toEqual(
      expect.arrayContaining([...Object.keys(ACTUAL), 'BUSINESS_HOURS', 'SLEEP_HOURS']),
    );
  });

  it.each(Object.keys(ACTUAL))('README and parseConfig agree on %s', (name) => {
    expect(rows.get(name)).toBe(ACTUAL[name]?.(defaults));
  });

  it('README and parseConfig agree on the hours', () => {
    const business = parseBusinessHours(rows.get('BUSINESS_HOURS') ?? '');
    expect(business?.businessDays).toEqual(defaults.analytics.hours.businessDays);
    expect(business?.business).toEqual(defaults.analytics.hours.business);
    expect(parseDailySpan(rows.get('SLEEP_HOURS') ?? '')).toEqual(defaults.analytics.hours.sleep);
  });

  it('SYNC_SINCE: the whole history, everywhere', () => {
    expect(defaults.sync.since).toBeUndefined();
    expect(readme).toMatch(/\| `SYNC_SINCE` \| the oldest incident \|/);
    expect(envComment('SYNC_SINCE')).toContain('Default: the oldest incident');
  });

  it.each([...Object.keys(ACTUAL), 'BUSINESS_HOURS', 'SLEEP_HOURS'])(
    '.env.example says the same default for %s, when it names one',
    (name) => {
      const comment = envComment(name);
      if (!/default/i.test(comment)) return;
      const documented = rows.get(name) ?? '';
      // PORT and HOST share one comment: "Default 127.0.0.1:5000".
      const expected =
        name === 'HOST' || name === 'PORT' ? `${defaults.host}:${defaults.port}` : documented;
      expect(comment).toContain(expected);
    },
  );
});
