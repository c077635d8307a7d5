import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PagerDutyClient } from './pagerduty-client.js';

/** The client for the configured account; a sync without PAGERDUTY_TOKEN is a configuration error. */
export function createPagerDutyClient(config: Config, logger: Logger): PagerDutyClient {
  const { token, tokenType, apiUrl, requestsPerMinute, concurrency } = config.pagerduty;
  if (!token) {
    throw new ConfigError(
      'PAGERDUTY_TOKEN',
      'is required to sync (a PagerDuty REST API key; or run `npm run demo` to try the simulator)',
    );
  }
  return new PagerDutyClient({
    baseUrl: apiUrl,
    token,
    tokenType,
    requestsPerMinute,
    concurrency,
    logger,
  });
}
