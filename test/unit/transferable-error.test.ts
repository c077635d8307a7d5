import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConfigError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../src/errors.js';
import { PagerDutyApiError, PagerDutyNetworkError } from '../../src/pagerduty/pagerduty-errors.js';
import { AccountMismatchError } from '../../src/sync/mirror-account.js';
import { SyncAlreadyRunningError } from '../../src/sync/sync-lease.js';
import { fromTransferableError, toTransferableError } from '../../src/sync/transferable-error.js';

/** Through postMessage's own cloning, as the sync worker's errors cross. */
const across = (error: unknown) =>
  fromTransferableError(structuredClone(toTransferableError(error)));

describe('errors crossing from the sync worker', () => {
  it.each([
    new SyncAlreadyRunningError('run-1'),
    new AccountMismatchError(
      { subdomain: 'acme', apiUrl: 'https://api.pagerduty.com' },
      { subdomain: 'sim-42', apiUrl: 'http://127.0.0.1:4010' },
    ),
    new ValidationError('since: not a date', 'since'),
    new ConfigError('PAGERDUTY_TOKEN', 'is required to sync'),
    new NotFoundError('no run nope'),
    new ServiceUnavailableError('the database is busy', 5),
    new AppError('teapot', 'teapot', 418, { run_id: 'x' }),
    new PagerDutyApiError(401, 2006, 'GET', '/users', 'Unauthorized'),
    new PagerDutyNetworkError('GET', '/incidents', 'connection refused'),
  ])('keeps the class, message and fields of $name', (error) => {
    const again = across(error);
    expect(again).toBeInstanceOf(error.constructor);
    expect(again.message).toBe(error.message);
    expect(again.name).toBe(error.name);
    expect({ ...again }).toEqual({ ...error });
  });

  it('keeps what the API and the CLI read of the rest: message, name and code', () => {
    const db = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), {
      code: 'ECONNREFUSED',
    });
    expect(across(db)).toMatchObject({ message: db.message, name: 'Error', code: 'ECONNREFUSED' });
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(across(abort)).toMatchObject({ name: 'AbortError', message: abort.message });
    expect(across('a string')).toMatchObject({ name: 'Error', message: 'a string' });
  });
});
