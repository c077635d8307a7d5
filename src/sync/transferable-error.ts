import {
  AppError,
  ConfigError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../errors.js';
import { PagerDutyApiError, PagerDutyNetworkError } from '../pagerduty/pagerduty-errors.js';
import { AccountMismatchError, type MirrorAccount } from './mirror-account.js';
import { SyncAlreadyRunningError } from './sync-lease.js';

/**
 * An error as it crosses from the sync's worker thread. postMessage clones an Error as a plain
 * Error with its message: the class, and with it the API's status (409 with the run id for a
 * running sync, 409 account_mismatch) and the CLI's exit code, would be lost. Its own fields
 * (codes, the run id, the accounts) cross with it, and the class is made again from them.
 */
export interface TransferableError {
  name: string;
  message: string;
  /** The error's own fields: codes, statuses, ids; plain data only. */
  fields: Record<string, unknown>;
}

function plainFields(error: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    try {
      // Only what can be cloned: a field holding a socket or a function is left behind.
      fields[key] = structuredClone(value);
    } catch {
      // Not plain data.
    }
  }
  return fields;
}

/** An error thrown in the worker, as plain data. */
export function toTransferableError(error: unknown): TransferableError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  return { name: error.name, message: error.message, fields: plainFields(error) };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const optionalText = (value: unknown) => (typeof value === 'string' ? value : undefined);
const optionalNumber = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** The classes callers tell apart (the API's error handler, the CLI's exit codes), by name. */
const REBUILD: Record<string, (f: Record<string, unknown>) => Error> = {
  SyncAlreadyRunningError: (f) => new SyncAlreadyRunningError(text(f['runId'])),
  AccountMismatchError: (f) =>
    new AccountMismatchError(f['mirror'] as MirrorAccount, f['requested'] as MirrorAccount),
  ValidationError: (f) => new ValidationError('', optionalText(f['parameter'])),
  ConfigError: (f) => new ConfigError(text(f['variable']), ''),
  NotFoundError: () => new NotFoundError(''),
  ServiceUnavailableError: (f) =>
    new ServiceUnavailableError('', optionalNumber(f['retryAfterSeconds'])),
  PagerDutyApiError: (f) =>
    new PagerDutyApiError(
      optionalNumber(f['status']) ?? 0,
      optionalNumber(f['pdCode']),
      text(f['method']),
      text(f['path']),
      '',
    ),
  PagerDutyNetworkError: (f) => new PagerDutyNetworkError(text(f['method']), text(f['path']), ''),
};

/** The error again, of its class where callers tell it apart, with the same message and fields. */
export function fromTransferableError(data: TransferableError): Error {
  const { name, message, fields } = data;
  const rebuild = REBUILD[name];
  let error: Error;
  if (rebuild) error = rebuild(fields);
  else if (typeof fields['statusCode'] === 'number' && typeof fields['code'] === 'string')
    error = new AppError(
      message,
      fields['code'],
      fields['statusCode'],
      fields['details'] as Record<string, string> | undefined,
    );
  else error = Object.assign(new Error(message), fields);
  // The message as it was (a class makes its own from its fields; some from more than it keeps).
  return Object.assign(error, { name, message });
}
