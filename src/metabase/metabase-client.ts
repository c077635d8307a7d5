/** How the client authenticates: an API key (v0.49+), or a user whose session it opens itself. */
export type MetabaseAuth = { apiKey: string } | { username: string; password: string };

/** An answer of Metabase that is not a success; the message never holds a password or key. */
export class MetabaseApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(`Metabase ${method} ${path} answered ${status}: ${detail}`);
    this.name = 'MetabaseApiError';
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Metabase errors come as JSON ({message} or {errors: {field: text}}) or plain text. */
function describeError(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; errors?: Record<string, string> };
    if (body.message) return body.message;
    if (body.errors)
      return Object.entries(body.errors)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
  } catch {
    // plain text
  }
  return text.trim().slice(0, 300) || 'error';
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

  /** A request that needs no authentication (health, session properties, setup). */
  async public<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#send<T>(method, path, body, {});
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
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new MetabaseApiError(
        0,
        method,
        path,
        `cannot reach Metabase${cause ? ` (${cause})` : ''}`,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new MetabaseApiError(response.status, method, path, describeError(text));
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
