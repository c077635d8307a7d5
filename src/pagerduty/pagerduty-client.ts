import type { Logger } from '../logger.js';
import {
  PagerDutyAbortError,
  PagerDutyApiError,
  PagerDutyNetworkError,
  PD_CODE_RATE_LIMITED,
} from './pagerduty-errors.js';
import type { PdErrorBody, PdPagination } from './pagerduty-types.js';
import { RequestPacer } from './request-pacer.js';
import { abortableSleep } from './sleep.js';

export const PD_ACCEPT = 'application/vnd.pagerduty+json;version=2';
/** PagerDuty's largest page. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_REQUESTS_PER_MINUTE = 900;
export const DEFAULT_CONCURRENCY = 4;
export const REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 6;
/** 429s are the server telling us to wait, not a failure: allow more of them than of errors. */
export const MAX_RATE_LIMIT_RETRIES = 20;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** Small burst so a sync starts fast but stays under PagerDuty's 960/min. */
const PACER_BURST = 4;

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;
export type Query = Record<string, QueryValue>;

export interface PagerDutyClientOptions {
  /** https://api.pagerduty.com, https://api.eu.pagerduty.com, or the simulator's URL. */
  baseUrl: string;
  token: string;
  /** 'token' (REST API key) sends `Token token=…`; 'bearer' (OAuth) sends `Bearer …`. */
  tokenType?: 'token' | 'bearer';
  requestsPerMinute?: number;
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** Share one pacer between clients of the same token. */
  pacer?: RequestPacer;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

/** Counters for a sync run's record. */
export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

/** Builds a query string; arrays repeat with brackets (`statuses[]=a&statuses[]=b`), as PagerDuty expects. */
export function buildQueryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const name = key.endsWith('[]') ? key : `${key}[]`;
      for (const item of value) params.append(name, String(item));
    } else {
      params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Network failures that another try in a moment would meet again, with what they mean. */
const UNREACHABLE: Record<string, string> = {
  ENOTFOUND: 'unknown host',
  ECONNREFUSED: 'connection refused',
};

class RetryableError extends Error {
  constructor(
    message: string,
    readonly waitMs?: number,
    readonly rateLimited = false,
  ) {
    super(message);
  }
}

/**
 * The one client for the PagerDuty REST API: authentication, pacing, retries, timeouts and
 * classic pagination. Windowed reads of /incidents and /log_entries live in time-windows.ts.
 */
export class PagerDutyClient {
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 };
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #pacer: RequestPacer;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #logger: Logger | undefined;
  readonly #requestsPerMinute: number;
  /** The account's own limit, from the last `ratelimit-limit` header seen. */
  #accountLimit: number | undefined;

  constructor(options: PagerDutyClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    const bearer = options.tokenType === 'bearer';
    this.#authorization = bearer ? `Bearer ${options.token}` : `Token token=${options.token}`;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#now = options.now ?? Date.now;
    this.#pacer =
      options.pacer ??
      new RequestPacer({
        requestsPerMinute: options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE,
        concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
        burst: PACER_BURST,
        now: this.#now,
        sleep: this.#sleep,
      });
    this.#requestsPerMinute = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    this.#fetch = options.fetch ?? fetch;
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.#logger = options.logger;
  }

  /** The API's base URL (which PagerDuty, or the simulator), without a trailing slash. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /**
   * Requests per minute this client can make: its own pace, or the account's limit
   * (`ratelimit-limit`) when that is lower.
   */
  get requestsPerMinute(): number {
    return Math.min(this.#requestsPerMinute, this.#accountLimit ?? Number.POSITIVE_INFINITY);
  }

  /** GET a path and parse its JSON, with pacing and bounded retries. */
  async get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    const url = `${this.#baseUrl}${path}${buildQueryString(query)}`;
    let failures = 0;
    let rateLimits = 0;
    for (;;) {
      if (signal?.aborted) throw new PagerDutyAbortError('GET', path);
      try {
        return await this.#attempt<T>(url, path, signal);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        if (error.rateLimited) {
          rateLimits += 1;
          this.stats.rateLimited += 1;
          if (rateLimits > MAX_RATE_LIMIT_RETRIES) {
            throw new PagerDutyApiError(
              429,
              PD_CODE_RATE_LIMITED,
              'GET',
              path,
              `still rate limited after ${MAX_RATE_LIMIT_RETRIES} waits`,
            );
          }
        } else {
          failures += 1;
          if (failures > this.#maxRetries)
            throw new PagerDutyNetworkError(
              'GET',
              path,
              `${error.message} (after ${this.#maxRetries} retries)`,
            );
        }
        this.stats.retries += 1;
        const wait = error.waitMs ?? this.#backoff(error.rateLimited ? rateLimits : failures);
        if (error.rateLimited) this.#pacer.pauseUntil(this.#now() + wait);
        this.#logger?.debug(
          { path, wait_ms: Math.round(wait), reason: error.message },
          'pagerduty: retrying',
        );
        try {
          await this.#sleep(wait, signal);
        } catch {
          throw new PagerDutyAbortError('GET', path);
        }
      }
    }
  }

  /**
   * Classic pagination, the one place it happens: limit=100, offset advanced by the items
   * returned (not by the limit), until `more` is false. Yields each page's items. An error,
   * the 10,000-record ceiling's 400 included, is thrown and never taken for the end of data.
   */
  async *paginate<T>(
    path: string,
    key: string,
    query: Query = {},
    signal?: AbortSignal,
    startOffset = 0,
  ): AsyncGenerator<T[], void, undefined> {
    let offset = startOffset;
    for (;;) {
      const page = await this.get<PdPagination & Record<string, unknown>>(
        path,
        { ...query, limit: MAX_PAGE_SIZE, offset },
        signal,
      );
      const items = (page[key] ?? []) as T[];
      if (items.length > 0) yield items;
      // more:true with an empty page would loop for ever; PagerDuty has been seen to do it.
      if (!page.more || items.length === 0) return;
      offset += items.length;
    }
  }

  /** Reads a whole list into memory: for the small collections only. */
  async listAll<T>(
    path: string,
    key: string,
    query: Query = {},
    signal?: AbortSignal,
  ): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.paginate<T>(path, key, query, signal)) all.push(...page);
    return all;
  }

  /**
   * Like listAll for plan-gated lists (priorities, teams): a 402 or 404 means the account's plan
   * lacks the feature, answered as `null` rather than an error.
   */
  async listOptional<T>(
    path: string,
    key: string,
    query: Query = {},
    signal?: AbortSignal,
  ): Promise<T[] | null> {
    try {
      return await this.listAll<T>(path, key, query, signal);
    } catch (error) {
      if (error instanceof PagerDutyApiError && (error.status === 402 || error.status === 404))
        return null;
      throw error;
    }
  }

  #backoff(attempt: number): number {
    // Exponential backoff with full jitter.
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    return cap / 2 + this.#random() * (cap / 2);
  }

  async #attempt<T>(url: string, path: string, signal?: AbortSignal): Promise<T> {
    let release: () => void;
    try {
      release = await this.#pacer.acquire(signal);
    } catch {
      throw new PagerDutyAbortError('GET', path);
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      this.stats.requests += 1;
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(url, {
          method: 'GET',
          headers: { Authorization: this.#authorization, Accept: PD_ACCEPT },
          signal: combined,
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw new PagerDutyAbortError('GET', path);
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        // An unknown host or a refused connection is a wrong PAGERDUTY_API_URL or no network:
        // retrying only hid it for 22 s.
        const unreachable = cause ? UNREACHABLE[cause] : undefined;
        if (unreachable)
          throw new PagerDutyNetworkError(
            'GET',
            path,
            `cannot reach ${new URL(this.#baseUrl).host}: ${unreachable} (${cause}); check PAGERDUTY_API_URL and the network`,
          );
        // Timeouts, dropped connections, bodies cut short: worth another try.
        throw new RetryableError(
          timeout.aborted
            ? `timed out after ${this.#timeoutMs} ms`
            : `network error${cause ? ` (${cause})` : ''}`,
        );
      }
      return this.#interpret<T>(response, text, path);
    } finally {
      release();
    }
  }

  #interpret<T>(response: Response, text: string, path: string): T {
    const { status } = response;
    const limit = Number(response.headers.get('ratelimit-limit'));
    if (Number.isInteger(limit) && limit > 0) this.#accountLimit = limit;
    if (status === 429) {
      const reset = Number(response.headers.get('ratelimit-reset'));
      // ratelimit-reset is seconds until the window resets; absent on some 429s.
      const waitMs =
        Number.isFinite(reset) && reset > 0 ? reset * 1000 + this.#random() * 250 : undefined;
      throw new RetryableError('rate limited (429)', waitMs, true);
    }
    if (status >= 500 || status === 408) throw new RetryableError(`server error ${status}`);
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as T;
      } catch {
        // A truncated or garbled body of a success: the request can be repeated.
        throw new RetryableError(`unreadable body (status ${status})`);
      }
    }
    let body: PdErrorBody = {};
    try {
      body = JSON.parse(text) as PdErrorBody;
    } catch {
      // Error bodies are not always JSON; the status says enough.
    }
    const messages = [body.error?.message, ...(body.error?.errors ?? [])].filter((m): m is string =>
      Boolean(m),
    );
    const detail = [...new Set(messages)].join('; ') || response.statusText || 'error';
    throw new PagerDutyApiError(status, body.error?.code, 'GET', path, detail);
  }
}
