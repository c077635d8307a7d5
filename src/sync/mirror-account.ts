import type { Kysely } from 'kysely';
import { deleteMirroredData } from '../db/repositories/mirror-wipe-repository.js';
import { findCursor, setCursor } from '../db/repositories/sync-cursors-repository.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import { writeMirror, type MirrorWriter } from '../mirror/mirror-writer.js';

// A mirror belongs to one PagerDuty account. Mixing two (the demo's simulator, then a real
// account, into one file) gave an incremental sync of the second that read almost nothing and a
// dashboard of both. The account is known by the subdomain of the web links PagerDuty puts in
// every object (`html_url`: https://acme.pagerduty.com/users/P123) and by the API URL.

const CURSOR_SUBDOMAIN = 'account_subdomain';
const CURSOR_API_URL = 'account_api_url';
/** sync_cursors.cursor is varchar(64). */
const CURSOR_MAX = 64;

/** The PagerDuty account a mirror holds. */
export interface MirrorAccount {
  /** acme for https://acme.pagerduty.com; null when PagerDuty gave no web link. */
  subdomain: string | null;
  apiUrl: string;
}

/** A sync against an account other than the mirror's: exit 2 on the CLI, 409 on the API. */
export class AccountMismatchError extends AppError {
  constructor(
    readonly mirror: MirrorAccount,
    readonly requested: MirrorAccount,
  ) {
    super(
      `this mirror holds the PagerDuty account ${describeAccount(mirror)}, not ${describeAccount(requested)}: use another DATABASE_URL, or sync --fresh to wipe the mirror and sync the new account`,
      'account_mismatch',
      409,
    );
  }
}

export function describeAccount(account: MirrorAccount): string {
  return account.subdomain ? `${account.subdomain} (${account.apiUrl})` : account.apiUrl;
}

/** The account subdomain of a PagerDuty web link: acme of https://acme.pagerduty.com/…. */
export function subdomainOf(htmlUrl: string | null | undefined): string | null {
  if (!htmlUrl) return null;
  try {
    const host = new URL(htmlUrl).hostname.toLowerCase();
    const [first, ...rest] = host.split('.');
    return first && rest.length >= 2 ? first.slice(0, CURSOR_MAX) : null;
  } catch {
    return null;
  }
}

/**
 * Which account the client reads, in one request: the first user's web link (every account has
 * its owner as a user); a token that lists no users falls back to the first service's.
 */
export async function probeAccount(
  client: PagerDutyClient,
  signal: AbortSignal | undefined,
): Promise<MirrorAccount> {
  const users = await client.get<{ users?: { html_url?: string | null }[] }>(
    '/users',
    { limit: 1 },
    signal,
  );
  let subdomain = subdomainOf(users.users?.[0]?.html_url);
  if (!subdomain) {
    const services = await client.get<{ services?: { html_url?: string | null }[] }>(
      '/services',
      { limit: 1 },
      signal,
    );
    subdomain = subdomainOf(services.services?.[0]?.html_url);
  }
  return { subdomain, apiUrl: client.baseUrl.slice(0, CURSOR_MAX) };
}

/** The account the mirror holds, if one was recorded. */
export async function findMirrorAccount(db: Kysely<Database>): Promise<MirrorAccount | undefined> {
  const [subdomain, apiUrl] = await Promise.all([
    findCursor(db, CURSOR_SUBDOMAIN),
    findCursor(db, CURSOR_API_URL),
  ]);
  if (apiUrl === undefined) return undefined;
  return { subdomain: subdomain || null, apiUrl };
}

/** Records the account the mirror holds. */
export async function recordMirrorAccount(
  db: Kysely<Database>,
  account: MirrorAccount,
  now: Date,
): Promise<void> {
  await setCursor(db, CURSOR_SUBDOMAIN, account.subdomain ?? '', now);
  await setCursor(db, CURSOR_API_URL, account.apiUrl, now);
}

/**
 * The same account: by subdomain when both are known (the API URL may change: a proxy, the EU
 * host, the simulator's port), else by API URL.
 */
export function sameAccount(a: MirrorAccount, b: MirrorAccount): boolean {
  if (a.subdomain && b.subdomain) return a.subdomain === b.subdomain;
  return a.apiUrl === b.apiUrl;
}

/**
 * Makes sure the mirror holds the account the client reads, before anything is written: records
 * it on a new mirror; with `fresh`, wipes the mirror and records it; an other account is an
 * AccountMismatchError naming both. Returns the account.
 */
export async function claimMirror(
  writer: MirrorWriter,
  client: PagerDutyClient,
  options: { fresh: boolean; now: Date; signal: AbortSignal | undefined },
): Promise<MirrorAccount> {
  const account = await probeAccount(client, options.signal);
  const recorded = await findMirrorAccount(writer.db);
  if (options.fresh) {
    await writeMirror(writer, options.now, async (trx) => {
      await deleteMirroredData(trx);
      await recordMirrorAccount(trx, account, options.now);
    });
    return account;
  }
  if (recorded && !sameAccount(recorded, account))
    throw new AccountMismatchError(recorded, account);
  // A mirror from before accounts were recorded adopts the one it is synced with.
  if (!recorded || recorded.apiUrl !== account.apiUrl || recorded.subdomain !== account.subdomain)
    await recordMirrorAccount(writer.db, account, options.now);
  return account;
}
