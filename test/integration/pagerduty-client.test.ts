import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerDutyApiError, PagerDutyAbortError } from '../../src/pagerduty/pagerduty-errors.js';
import type { PdIncident, PdPriority, PdService } from '../../src/pagerduty/pagerduty-types.js';
import { readWindowed, type TimeRange } from '../../src/pagerduty/time-windows.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { SIM_NOW, startTestSimulator, testClient } from '../helpers/simulator-fixture.js';
import type { PagerDutyClient } from '../../src/pagerduty/pagerduty-client.js';

const DAY = 24 * 3600 * 1000;

async function readIds(
  client: PagerDutyClient,
  range: TimeRange,
  query = {},
  windows: number[] = [],
): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of readWindowed<PdIncident>(client, '/incidents', range, {
    key: 'incidents',
    query,
    onWindow: (_, total) => windows.push(total),
  })) {
    ids.push(...page.map((i) => i.id));
  }
  return ids;
}

function truthCount(account: SimulatedAccount, range: TimeRange, serviceIds?: string[]): number {
  let n = 0;
  for (const _ of account.matchingIncidents({
    since: range.since.getTime(),
    until: range.until.getTime(),
    serviceIds,
  }))
    n += 1;
  return n;
}

describe('the PagerDuty client against the simulator (medium account)', () => {
  let account: SimulatedAccount;
  let sim: RunningSimulator;
  beforeAll(async () => {
    ({ account, sim } = await startTestSimulator('medium'));
  });
  afterAll(() => sim.close());

  it('reads a service with more than 10,000 incidents in one 6-month window completely', async () => {
    const noisy = account.entities.services[1]?.id ?? '';
    const range = { since: new Date(SIM_NOW - 180 * DAY), until: new Date(SIM_NOW) };
    const truth = truthCount(account, range, [noisy]);
    expect(truth).toBeGreaterThan(10_000);

    const windows: number[] = [];
    const ids = await readIds(testClient(sim.url), range, { 'service_ids[]': [noisy] }, windows);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(truth);
    // The 6-month window held over 10,000, so it was divided; every window read fits under the ceiling.
    expect(windows.length).toBeGreaterThan(1);
    expect(Math.max(...windows)).toBeLessThan(10_000);
  });

  it('treats the 10,000-record ceiling as an error, never as the end of the data', async () => {
    const client = testClient(sim.url);
    const read = async () => {
      for await (const _ of client.paginate('/incidents', 'incidents', { date_range: 'all' })) {
        // drain
      }
    };
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyApiError);
    expect(error).toMatchObject({ status: 400, pdCode: 2002 });
  });
});

describe('the PagerDuty client against the simulator (small account)', () => {
  let account: SimulatedAccount;
  let sim: RunningSimulator;
  beforeAll(async () => {
    ({ account, sim } = await startTestSimulator('small'));
  });
  afterAll(() => sim.close());
  const everything = (): TimeRange => ({
    since: new Date(SIM_NOW - 500 * DAY),
    until: new Date(SIM_NOW + 1000),
  });

  it('reads incidents older than 6 months, across several windows', async () => {
    const range = { since: new Date(SIM_NOW - 400 * DAY), until: new Date(SIM_NOW - 200 * DAY) };
    const ids = await readIds(testClient(sim.url), range);
    expect(ids.length).toBe(truthCount(account, range));
    expect(ids.length).toBeGreaterThan(100);
    const all = await readIds(testClient(sim.url), everything());
    expect(all.length).toBe(account.incidents.count);
  });

  it('neither loses nor duplicates records on a window boundary', async () => {
    // Cut exactly on an incident's creation time: it belongs to the later window only.
    const cut = account.incidents.createdAt[300] ?? 0;
    const client = testClient(sim.url);
    const before = await readIds(client, { since: everything().since, until: new Date(cut) });
    const after = await readIds(client, { since: new Date(cut), until: everything().until });
    const union = [...before, ...after];
    expect(new Set(union).size).toBe(union.length);
    expect(union.length).toBe(account.incidents.count);
  });

  it('parses answers whose times carry a non-UTC offset', async () => {
    const services = await testClient(sim.url).listAll<PdService>('/services', 'services');
    expect(services[1]?.created_at).toMatch(/-05:00$/);
    const at = Date.parse(services[1]?.created_at ?? '');
    expect(at).toBe(account.entities.services[1]?.createdAt);
  });

  it('fails at once with a clear message on 401, without retrying or printing the token', async () => {
    const requestsBefore = sim.stats.requests;
    const client = testClient(sim.url, { token: 'wrong-token-value' });
    const error = await client.get('/services').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyApiError);
    expect((error as PagerDutyApiError).status).toBe(401);
    expect((error as Error).message).toContain('GET /services answered 401');
    expect((error as Error).message).not.toContain('wrong-token-value');
    expect(sim.stats.requests - requestsBefore).toBe(1);
    expect(client.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it('reports a plan without priorities as an absent feature, not a failure', async () => {
    const { sim: gated } = await startTestSimulator('small', { disabledFeatures: ['priorities'] });
    try {
      const client = testClient(gated.url);
      expect(await client.listOptional<PdPriority>('/priorities', 'priorities')).toBeNull();
      await expect(client.listAll('/priorities', 'priorities')).rejects.toMatchObject({
        status: 402,
      });
      expect(
        await testClient(sim.url).listOptional<PdPriority>('/priorities', 'priorities'),
      ).toHaveLength(5);
    } finally {
      await gated.close();
    }
  });
});

describe('the PagerDuty client under faults', () => {
  it('ends 429 storms, 5xx bursts, dropped connections and truncated bodies in a complete, duplicate-free result', async () => {
    const { account, sim } = await startTestSimulator('small', {
      faults: { rate429: 0.25, rate5xx: 0.15, rateDrop: 0.05, rateTruncate: 0.05 },
      faultSeed: 3,
    });
    try {
      const client = testClient(sim.url, { maxRetries: 12 });
      const ids = await readIds(client, {
        since: new Date(SIM_NOW - 500 * DAY),
        until: new Date(SIM_NOW + 1000),
      });
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(account.incidents.count);
      const services = await client.listAll<PdService>('/services', 'services');
      expect(services.map((s) => s.id)).toEqual(account.liveServices().map((s) => s.id));
      expect(client.stats.rateLimited).toBeGreaterThan(0);
      expect(client.stats.retries).toBeGreaterThan(client.stats.rateLimited);
      expect(sim.stats.faults).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  it('waits for ratelimit-reset when the server rate-limits, and holds every caller back', async () => {
    const { sim } = await startTestSimulator('small', { rateLimitPerMinute: 20 });
    const waits: number[] = [];
    // The client's clock moves only when it sleeps, so waits are recorded, not spent.
    let skew = 0;
    try {
      const client = testClient(sim.url, {
        concurrency: 4,
        now: () => Date.now() + skew,
        sleep: async (ms) => {
          waits.push(ms);
          skew += ms;
          await new Promise((r) => setImmediate(r));
        },
      });
      // 30 requests against 20/min: the server answers 429 with ratelimit-reset.
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          client.get<{ services: unknown[] }>('/services', { limit: 1 }).catch((e: unknown) => e),
        ),
      );
      expect(sim.stats.served429).toBeGreaterThan(0);
      expect(client.stats.rateLimited).toBeGreaterThan(0);
      // Every wait after a 429 honoured the header (seconds until the window resets).
      expect(Math.max(...waits)).toBeGreaterThanOrEqual(1000);
      // Without real sleeping the server's minute never ends, so the 429 budget runs out: a clear error, not a hang.
      const failures = results.filter((r) => r instanceof Error);
      for (const f of failures) expect(f).toMatchObject({ status: 429 });
    } finally {
      await sim.close();
    }
  });

  it('stops an aborted read promptly, mid-request, without further requests', async () => {
    const { sim } = await startTestSimulator('small', { faults: { latencyMs: 20_000 } });
    try {
      const controller = new AbortController();
      const client = testClient(sim.url);
      const started = performance.now();
      const withSignal = (async () => {
        for await (const _ of readWindowed(
          client,
          '/incidents',
          { since: new Date(SIM_NOW - 500 * DAY), until: new Date(SIM_NOW) },
          { key: 'incidents', signal: controller.signal },
        )) {
          // drain
        }
      })();
      setTimeout(() => controller.abort(), 100);
      await expect(withSignal).rejects.toBeInstanceOf(PagerDutyAbortError);
      const elapsed = performance.now() - started;
      const requests = sim.stats.requests;
      await new Promise((r) => setTimeout(r, 200));
      expect(sim.stats.requests).toBe(requests);
      console.log(
        `aborted read stopped ${Math.round(elapsed)} ms after it started (abort at 100 ms; each answer takes 20 s)`,
      );
    } finally {
      await sim.close();
    }
  }, 5_000);
});
