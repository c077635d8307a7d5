import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PagerDutyClient, type PagerDutyClientOptions } from './pagerduty-client.js';

/**
 * What a client is made from, as plain data: it crosses to the sync's worker thread, which
 * makes its own client from it (a client holds sockets and a pacer, which cannot cross).
 */
export type PagerDutyClientSettings = Pick<
  PagerDutyClientOptions,
  'baseUrl' | 'token' | 'tokenType' | 'requestsPerMinute' | 'concurrency'
>;

/** The settings of the configured account; a sync without PAGERDUTY_TOKEN is a configuration error. */
export function pagerDutyClientSettings(config: Config): PagerDutyClientSettings {
  const { token, tokenType, apiUrl, requestsPerMinute, concurrency } = config.pagerduty;
  if (!token) {
    throw new ConfigError(
      'PAGERDUTY_TOKEN',
      'is required to sync (a PagerDuty REST API key; or run `npm run demo` to try the simulator)',
    );
  }
  return { baseUrl: apiUrl, token, tokenType, requestsPerMinute, concurrency };
}

/** The client for the configured account; a sync without PAGERDUTY_TOKEN is a configuration error. */
export function createPagerDutyClient(config: Config, logger: Logger): PagerDutyClient {
  return new PagerDutyClient({ ...pagerDutyClientSettings(config), logger });
}
