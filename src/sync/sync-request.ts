import { ValidationError } from '../errors.js';
import { DateInputError, parseInstant } from '../time/dates.js';
import { SYNC_RESOURCES, type SyncResource } from './sync-progress.js';

/** What a caller asks of a sync, after one validation whatever asked (CLI, HTTP, scheduler). */
export interface SyncRequest {
  /** auto: incremental once a full sync has completed, else full. */
  mode: SyncMode;
  /** Wipe the mirror first (another account), then run a full sync. */
  fresh?: boolean;
  /** Start of the history; earlier than the mirror's, the range before it is read. */
  since?: Date;
  resources?: SyncResource[];
}

export const SYNC_MODES = ['auto', 'full', 'incremental'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** A sync request as the adapters receive it: text from a command line or a JSON body. */
export interface SyncRequestInput {
  mode?: string | undefined;
  fresh?: boolean | undefined;
  since?: string | undefined;
  /** A list, or one comma-separated string (the CLI's --resources). */
  resources?: string | readonly string[] | undefined;
}

/**
 * How the adapter names what it received, for the 400 or exit 2 that names it: the CLI's
 * `--since`, the body's `since`.
 */
export interface SyncRequestSource {
  name: (field: 'mode' | 'since' | 'resources') => string;
  message: (name: string, reason: string) => string;
}

const BODY_SOURCE: SyncRequestSource = {
  name: (field) => field,
  message: (name, reason) => `invalid body parameter '${name}': ${reason}`,
};

/** Splits `a, b,c` and sorts the names into known resources and unknown ones. */
export function parseResourceList(raw: string | readonly string[]): {
  resources: SyncResource[];
  unknown: string[];
} {
  const names = (typeof raw === 'string' ? raw.split(',') : raw)
    .map((s) => s.trim())
    .filter(Boolean);
  const known = (n: string): n is SyncResource => (SYNC_RESOURCES as readonly string[]).includes(n);
  return { resources: names.filter(known), unknown: names.filter((n) => !known(n)) };
}

/** Validates a sync request once for every adapter; a bad field is a ValidationError naming it. */
export function parseSyncRequest(
  input: SyncRequestInput,
  now: Date,
  source: SyncRequestSource = BODY_SOURCE,
): SyncRequest {
  const fail = (field: 'mode' | 'since' | 'resources', reason: string): never => {
    const name = source.name(field);
    throw new ValidationError(source.message(name, reason), name);
  };
  const mode = input.mode ?? 'auto';
  if (!(SYNC_MODES as readonly string[]).includes(mode))
    fail('mode', `must be one of ${SYNC_MODES.join(', ')}`);
  const request: SyncRequest = { mode: mode as SyncMode };
  if (input.fresh) request.fresh = true;
  if (input.since !== undefined) {
    let since: Date | undefined;
    try {
      since = parseInstant(input.since, source.name('since'));
    } catch (error) {
      if (!(error instanceof DateInputError)) throw error;
      fail('since', error.reason);
    }
    if (since && since.getTime() > now.getTime()) fail('since', 'must be in the past');
    if (since) request.since = since;
  }
  if (input.resources !== undefined) {
    const { resources, unknown } = parseResourceList(input.resources);
    if (unknown.length > 0 || resources.length === 0)
      fail(
        'resources',
        `unknown ${unknown.join(', ') || 'list'}; choose from ${SYNC_RESOURCES.join(', ')}`,
      );
    request.resources = resources;
  }
  return request;
}
