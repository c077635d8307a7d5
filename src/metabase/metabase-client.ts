/** How the client authenticates: an API key (v0.49+), or a user whose session it opens itself. */
export type MetabaseAuth = { apiKey: string } | { username: string; password: string };

/** An answer of Metabase that is not a success; the message never holds a password or key. */
export class MetabaseApiError extends Error {
  constructor(
    /** The HTTP status, or 0 when Metabase could not be reached. */
    readonly status: number,
    readonly method: string,
    readonly path: string,
    detail: string,
    /**
     * Metabase's parameter errors, by field (`errors` of a 400, flattened: `user.password`).
     * Only the `errors` messages are kept: `specific-errors` can quote the value sent, a password
     * included.
     */
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(
      status === 0
        ? `Metabase ${method} ${path}: ${detail}`
        : `Metabase ${method} ${path} answered ${status}: ${detail}`,
    );
    this.name = 'MetabaseApiError';
  }
}

/** What GET /api/health and the like answered, for callers that decide for themselves. */
export interface MetabaseProbe {
  /** 0 when nothing answered (connection refused, DNS, timeout). */
  status: number;
  body: unknown;
  /** Why nothing answered (ECONNREFUSED, ...), when status is 0. */
  cause?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

function flattenErrors(errors: unknown, prefix = ''): Record<string, string> {
  if (typeof errors !== 'object' || errors === null)
    return prefix ? { [prefix]: String(errors) } : {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(errors)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      Object.assign(out, flattenErrors(value, name));
    else out[name] = Array.isArray(value) ? value.map(String).join(', ') : String(value);
  }
  return out;
}

/**
 * Metabase errors come as JSON (`{message}`, or `{errors: {field: text}, specific-errors: …}` from
 * parameter validation, nested for nested bodies) or as plain text (401, 403, 404, 422).
 */
function describeError(text: string): { detail: string; fields: Record<string, string> } {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const fields = body.errors === undefined ? {} : flattenErrors(body.errors);
    if (typeof body.message === 'string' && body.message) return { detail: body.message, fields };
    const listed = Object.entries(fields).map(([k, v]) => `${k}: ${v}`);
    if (listed.length) return { detail: listed.join('; '), fields };
  } catch {
    // plain text
  }
  return { detail: text.trim().slice(0, 300) || 'error', fields: {} };
}

function causeOf(error: unknown): string | undefined {
  if ((error as { name?: string }).name === 'TimeoutError') return 'timed out';
  return (error as { cause?: { code?: string } }).cause?.code;
}

/**
 * A small client of Metabase's REST API: JSON in and out, `X-Metabase-Session` or `x-api-key`,
 * one fresh login and retry when a password session has expired (401).
 */
export class MetabaseClient {
  readonly #baseUrl: string;
  #auth: MetabaseAuth;
  #session: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, auth: MetabaseAuth, options: { fetch?: typeof fetch } = {}) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#auth = auth;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Whether the client logs in with a user's password (and so could create the first admin). */
  get usesPassword(): boolean {
    return 'password' in this.#auth;
  }

  /** A request that needs no authentication (session properties, setup). */
  async public<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#send<T>(method, path, body, {});
  }

  /** GETs an unauthenticated path and reports whatever answered, without throwing on a status. */
  async probe(path: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<MetabaseProbe> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = causeOf(error);
      return { status: 0, body: undefined, ...(cause ? { cause } : {}) };
    }
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text
    }
    return { status: response.status, body };
  }

  /** Uses a session obtained elsewhere (first-run setup answers with one). */
  useSession(id: string): void {
    this.#session = id;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await this.#send<T>(method, path, body, await this.#authHeaders());
    } catch (error) {
      // Sessions expire (MAX_SESSION_AGE): log in again once.
      if (
        error instanceof MetabaseApiError &&
        error.status === 401 &&
        'password' in this.#auth &&
        this.#session
      ) {
        this.#session = undefined;
        return this.#send<T>(method, path, body, await this.#authHeaders());
      }
      throw error;
    }
  }

  async #authHeaders(): Promise<Record<string, string>> {
    if ('apiKey' in this.#auth) return { 'x-api-key': this.#auth.apiKey };
    if (!this.#session) {
      const { id } = await this.#send<{ id: string }>(
        'POST',
        '/api/session',
        { username: this.#auth.username, password: this.#auth.password },
        {},
      );
      this.#session = id;
    }
    return { 'X-Metabase-Session': this.#session };
  }

  async #send<T>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = causeOf(error);
      throw new MetabaseApiError(
        0,
        method,
        path,
        `cannot reach Metabase${cause ? ` (${cause})` : ''}`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const { detail, fields } = describeError(text);
      throw new MetabaseApiError(response.status, method, path, detail, fields);
    }
    if (response.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }
}

/** The minor version of a Metabase tag: v0.50.3 and v1.50.3 (Enterprise) both give 50. */
export function metabaseMinor(tag: string | undefined): number {
  const match = /^v?\d+\.(\d+)/.exec(tag ?? '');
  return match?.[1] ? Number(match[1]) : Number.POSITIVE_INFINITY;
}
