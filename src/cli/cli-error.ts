import { AppError, ConfigError, NotFoundError, ValidationError } from '../errors.js';
import { MigrationFailedError } from '../db/migrator.js';
import { PagerDutyApiError } from '../pagerduty/pagerduty-errors.js';
import { AccountMismatchError } from '../sync/index.js';

/** Exit codes: 0 success, 1 failure at run time, 2 bad input (options, arguments, environment). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliUsageError extends Error {}

/** The one line printed for an error, and the exit code it maps to. Never a stack trace. */
export function describeCliError(error: unknown): { line: string; exitCode: number } {
  if (error instanceof ConfigError)
    return { line: `invalid configuration: ${error.message}`, exitCode: EXIT_USAGE };
  if (error instanceof ValidationError || error instanceof CliUsageError) {
    return { line: error.message, exitCode: EXIT_USAGE };
  }
  // An id the mirror does not hold (`--team-id NOPE`) is bad input, as the API's 404 is a client error.
  if (error instanceof NotFoundError) return { line: error.message, exitCode: EXIT_USAGE };
  // Another account than the mirror's is a wrong DATABASE_URL or token: bad input, not a failure.
  if (error instanceof AccountMismatchError) return { line: error.message, exitCode: EXIT_USAGE };
  if (error instanceof MigrationFailedError) return { line: error.message, exitCode: EXIT_FAILURE };
  if (error instanceof PagerDutyApiError && (error.status === 401 || error.status === 403)) {
    return {
      line: `${error.message}; check PAGERDUTY_TOKEN (and PAGERDUTY_TOKEN_TYPE=bearer for OAuth tokens)`,
      exitCode: EXIT_FAILURE,
    };
  }
  if (error instanceof AppError) return { line: error.message, exitCode: EXIT_FAILURE };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EADDRINUSE') return { line: `cannot listen: ${message}`, exitCode: EXIT_FAILURE };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return { line: `cannot reach the database: ${message}`, exitCode: EXIT_FAILURE };
  }
  return { line: message, exitCode: EXIT_FAILURE };
}
