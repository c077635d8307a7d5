import { describe, expect, it } from 'vitest';
import { PagerDutyClient, buildQueryString } from '../../src/pagerduty/pagerduty-client.js';
import {
  divideRange,
  readWindowed,
  splitRange,
  MAX_WINDOW_MS,
} from '../../src/pagerduty/time-windows.js';

const T = (s: string) => new Date(s);

describe('window arithmetic', () => {
  it('cuts a range into windows of at most 180 days', () => {
    const windows = splitRange(
      { since: T('2025-01-01T00:00:00Z'), until: T('2026-01-01T00:00:00Z') },
      MAX_WINDOW_MS,
    );
    expect(windows).toHaveLength(3);
    expect(windows[0]?.since.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(windows.at(-1)?.until.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    for (let i = 1; i < windows.length; i += 1)
      expect(windows[i]?.since).toEqual(windows[i - 1]?.until);
  });

  it('divides on whole seconds, contiguously', () => {
    const parts = divideRange(
      { since: T('2026-01-01T00:00:00Z'), until: T('2026-01-01T00:00:10Z') },
      3,
    );
    expect(
      parts.map((p) => [p.since.toISOString().slice(17, 19), p.until.toISOString().slice(17, 19)]),
    ).toEqual([
      ['00', '03'],
      ['03', '06'],
      ['06', '10'],
    ]);
  });

  it('repeats array parameters with brackets', () => {
    expect(
      buildQueryString({
        statuses: ['triggered', 'acknowledged'],
        'service_ids[]': ['P1'],
        limit: 100,
        skip: undefined,
      }),
    ).toBe('?statuses%5B%5D=triggered&statuses%5B%5D=acknowledged&service_ids%5B%5D=P1&limit=100');
  });
});

describe('readWindowed against a server whose until is inclusive', () => {
  // A stand-in for a PagerDuty that counts `until` as inside the window (the docs do not say);
  // injected through the client's fetch option, because the simulator is half-open.
  const records = Array.from({ length: 30 }, (_, i) => ({
    id: `Q${i}`,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i * 10)).toISOString(),
  }));
  const urls: URL[] = [];
  const fakeFetch: typeof fetch = async (input) => {
    const url = new URL(String(input));
    urls.push(url);
    const since = Date.parse(url.searchParams.get('since') ?? '');
    const until = Date.parse(url.searchParams.get('until') ?? '');
    const inside = records.filter(
      (r) => Date.parse(r.created_at) >= since && Date.parse(r.created_at) <= until,
    );
    const offset = Number(url.searchParams.get('offset'));
    const limit = Number(url.searchParams.get('limit'));
    const body = {
      incidents: inside.slice(offset, offset + limit),
      limit,
      offset,
      more: offset + limit < inside.length,
      total: inside.length,
    };
    return new Response(JSON.stringify(body), { status: 200 });
  };

  it('skips the second copy of a record stamped on the boundary, and sends UTC bounds', async () => {
    const client = new PagerDutyClient({
      baseUrl: 'http://pd.invalid',
      token: 't',
      fetch: fakeFetch,
      requestsPerMinute: 1_000_000,
    });
    const ids: string[] = [];
    // 100 s windows: record Q10 sits at exactly 100 s, the first window's until.
    const range = { since: T('2026-01-01T00:00:00Z'), until: T('2026-01-01T00:05:00Z') };
    const windows = [range].flatMap((r) => divideRange(r, 3));
    for (const w of windows) {
      for await (const page of readWindowed<{ id: string; created_at: string }>(
        client,
        '/incidents',
        w,
        { key: 'incidents' },
      ))
        ids.push(...page.map((p) => p.id));
    }
    // Separate calls do not share boundary memory; one call over the whole range must.
    const one: string[] = [];
    const splitting = new PagerDutyClient({
      baseUrl: 'http://pd.invalid',
      token: 't',
      fetch: fakeFetch,
      requestsPerMinute: 1_000_000,
    });
    for await (const page of readWindowed<{ id: string; created_at: string }>(
      splitting,
      '/incidents',
      range,
      { key: 'incidents' },
    ))
      one.push(...page.map((p) => p.id));
    expect(new Set(one).size).toBe(one.length);
    expect(one).toHaveLength(30);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    const last = urls.at(-1);
    expect(last?.searchParams.get('time_zone')).toBe('UTC');
    expect(last?.searchParams.get('since')).toMatch(/Z$/);
  });
});
