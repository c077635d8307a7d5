// The dashboard's one way to the API: the bearer token (asked once, kept for the tab), errors
// with the server's message, and a bounded wait for a sync run.

export const API = '/api/v1';
const TOKEN_KEY = 'pd-analytics-token';

function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Fetches an API path; on 401 asks for a token once and tries again. */
export async function api(path: string, init: RequestInit = {}, asked = false): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token()) headers.set('Authorization', `Bearer ${token()}`);
  const res = await fetch(`${API}${path}`, { ...init, headers });
  if (res.status === 401 && !asked) {
    const given = prompt(
      'This pd-analytics server needs a token (API_TOKEN, or ADMIN_TOKEN to sync):',
    );
    if (given) {
      sessionStorage.setItem(TOKEN_KEY, given);
      return api(path, init, true);
    }
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new Error(body.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

/** GETs an API path and reads its JSON as the type the OpenAPI document gives it. */
export async function json<T>(path: string): Promise<T> {
  return (await (await api(path)).json()) as T;
}

/** How long "Sync now" waits for its run before it stops watching (the run goes on). */
export const SYNC_WATCH_MS = 15 * 60 * 1000;

/**
 * Calls `poll` until it says done, waiting 1 s and then longer between calls, and gives up
 * after `limitMs`: a run that never ends must not keep a tab polling for ever.
 */
export async function pollUntil(
  poll: () => Promise<boolean>,
  limitMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<boolean> {
  const started = Date.now();
  for (let wait = 1000; Date.now() - started < limitMs; wait = Math.min(wait * 1.5, 10_000)) {
    await sleep(wait);
    if (await poll()) return true;
  }
  return false;
}
