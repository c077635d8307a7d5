// The dashboard's one way to the API: the bearer token (asked once in a form of its own, kept
// for the tab), errors with the server's message, and a bounded wait for a sync run.

export const API = '/api/v1';
const TOKEN_KEY = 'pd-analytics-token';

function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** The one open question for a token: every request refused meanwhile waits for the same answer. */
let asking: Promise<string | null> | undefined;

/**
 * Asks for a token in the page's own form (never prompt(): a page's twenty requests brought
 * twenty dialogs), saying which token the action needs and why the last one failed.
 */
function askToken(why: string): Promise<string | null> {
  if (asking) return asking;
  const dialog = document.getElementById('token-dialog') as HTMLDialogElement | null;
  const form = document.getElementById('token-form') as HTMLFormElement | null;
  if (!dialog || !form) return Promise.resolve(null);
  const reason = document.getElementById('token-why');
  if (reason) reason.textContent = why;
  form.reset();
  asking = new Promise<string | null>((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const value = new FormData(form).get('token');
        asking = undefined;
        resolve(dialog.returnValue === 'ok' && typeof value === 'string' && value ? value : null);
      },
      { once: true },
    );
    dialog.showModal();
  });
  return asking;
}

/** What a refused request needs: syncing takes ADMIN_TOKEN, reading API_TOKEN (or ADMIN_TOKEN). */
function needed(init: RequestInit): string {
  return (init.method ?? 'GET') === 'GET'
    ? 'This pd-analytics server needs its API_TOKEN (ADMIN_TOKEN works too) to show its figures.'
    : 'Syncing needs the ADMIN_TOKEN of this pd-analytics server.';
}

/**
 * Fetches an API path. On 401 (or a 403 that asks for another token) it asks for a token once,
 * in the page's form, and tries once more; a token refused again is an error, never a loop.
 */
export async function api(path: string, init: RequestInit = {}, asked = false): Promise<Response> {
  const headers = new Headers(init.headers);
  const sent = token();
  if (sent) headers.set('Authorization', `Bearer ${sent}`);
  const res = await fetch(`${API}${path}`, { ...init, headers });
  if ((res.status === 401 || res.status === 403) && !asked) {
    // Another request may have been given a token meanwhile: try that one first.
    if (token() && token() !== sent) return api(path, init, true);
    const why = sent === '' ? needed(init) : `The token given was refused. ${needed(init)}`;
    const given = await askToken(why);
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
