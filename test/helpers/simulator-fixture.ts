import {
  PagerDutyClient,
  type PagerDutyClientOptions,
} from '../../src/pagerduty/pagerduty-client.js';
import { abortableSleep } from '../../src/pagerduty/sleep.js';
import type { SimulatorSize } from '../../src/simulator/account-entities.js';
import { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator/simulator-server.js';

export const SIM_TOKEN = 'simulator-test-token';
/** A fixed clock for the generated accounts, so every run sees the same data. */
export const SIM_NOW = Date.parse('2026-11-27T12:00:00Z');

export async function startTestSimulator(
  size: SimulatorSize,
  options: Partial<Omit<SimulatorOptions, 'account'>> & {
    seed?: number;
    account?: SimulatedAccount;
  } = {},
): Promise<{ account: SimulatedAccount; sim: RunningSimulator }> {
  const account =
    options.account ?? new SimulatedAccount({ seed: options.seed ?? 42, size, now: SIM_NOW });
  // Tests run far faster than 960/min: the limit is lifted unless a test sets one.
  const sim = await startSimulator({
    token: SIM_TOKEN,
    rateLimitPerMinute: 1_000_000,
    ...options,
    account,
  });
  return { account, sim };
}

const TIME_SCALE = 50;
const T0 = Date.now();

/**
 * Sleeps a fiftieth of what is asked, and the client's clock runs fifty times faster to match:
 * backoff and ratelimit-reset waits keep their proportions but a 429 storm does not take
 * minutes. The client is otherwise real.
 */
export const scaledSleep = (ms: number, signal?: AbortSignal) =>
  abortableSleep(ms / TIME_SCALE, signal);
export const scaledNow = () => T0 + (Date.now() - T0) * TIME_SCALE;

export function testClient(
  url: string,
  options: Partial<PagerDutyClientOptions> = {},
): PagerDutyClient {
  return new PagerDutyClient({
    baseUrl: url,
    token: SIM_TOKEN,
    requestsPerMinute: 600_000,
    sleep: scaledSleep,
    now: scaledNow,
    ...options,
  });
}
