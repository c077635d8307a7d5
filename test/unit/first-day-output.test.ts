import { describe, expect, it } from 'vitest';
import { browsableUrl } from '../../src/cli/server-urls.js';
import { formatLogLine } from '../../src/logger.js';
import { describeEstimate, estimateFirstSync } from '../../src/sync/first-sync-estimate.js';
import { planHistory } from '../../src/sync/sync-history.js';
import { subdomainOf } from '../../src/sync/mirror-account.js';

describe('what a new user reads', () => {
  it('estimates a first sync as bench/RESULTS.md measured it (within 5%)', () => {
    // Medium simulated account: 100,000 incidents took 5,447 requests, 366 s at 960/min enforced.
    const estimate = estimateFirstSync(100_000, 900);
    expect(Math.abs(estimate.requests - 5_447) / 5_447).toBeLessThan(0.05);
    expect(estimate.minutes).toBe(6);
    expect(describeEstimate(estimate)).toBe(
      '100,000 incidents: about 5,250 requests, about 6 minutes at 900 requests/min',
    );
    expect(describeEstimate(estimateFirstSync(600, 900))).toContain('a minute or less');
  });

  it('prints addresses a browser can open', () => {
    expect(browsableUrl('http://0.0.0.0:5000')).toBe('http://127.0.0.1:5000');
    expect(browsableUrl('http://[::]:5000')).toBe('http://[::1]:5000');
    expect(browsableUrl('http://10.0.0.5:5000')).toBe('http://10.0.0.5:5000');
  });

  it('formats JSON log lines for a terminal', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.parse('2026-12-04T16:55:01Z'),
      pid: 1,
      hostname: 'h',
      msg: 'sync heartbeat failed',
      run_id: 'r1',
      err: { message: 'x' },
    });
    expect(formatLogLine(line)).toBe(
      '16:55:01 WARN  sync heartbeat failed run_id=r1 err={"message":"x"}',
    );
    expect(formatLogLine('not json\n')).toBe('not json');
  });

  it('knows an account by the subdomain of its web links', () => {
    expect(subdomainOf('https://acme.pagerduty.com/users/P123')).toBe('acme');
    expect(subdomainOf('https://acme.eu.pagerduty.com/users/P123')).toBe('acme');
    expect(subdomainOf('https://sim-42.pagerduty.invalid/services/P1')).toBe('sim-42');
    expect(subdomainOf('not a url')).toBeNull();
    expect(subdomainOf(null)).toBeNull();
  });

  it('has one rule for since against the history start', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(planHistory(start, new Date('2025-06-01T00:00:00Z'))).toMatchObject({
      since: new Date('2025-06-01T00:00:00Z'),
      backfill: { since: new Date('2025-06-01T00:00:00Z'), until: start },
    });
    expect(planHistory(start, new Date('2026-03-01T00:00:00Z'))).toEqual({
      since: start,
      note: "the mirror's history already starts at 2026-01-01, before 2026-03-01: nothing removed, nothing more to read",
    });
    expect(planHistory(start, undefined).backfill).toBeUndefined();
  });
});
