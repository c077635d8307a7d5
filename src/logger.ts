import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Paths that may hold secrets, blanked in every log line. Tokens are never logged on purpose;
 * this is the net under that rule (request headers, error objects carrying config).
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-pagerduty-signature"]',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'apiToken',
  'adminToken',
  'config.pagerduty.token',
  'config.database',
];

/** Creates the application's logger: JSON lines on stderr, secrets redacted. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination(2),
  );
}
