import { MetabaseApiError, type MetabaseClient, type MetabaseProbe } from './metabase-client.js';

/** A fresh Metabase migrates its application database first: minutes on a small machine. */
export const METABASE_START_TIMEOUT_MS = 300_000;
export const METABASE_POLL_INTERVAL_MS = 2_000;
const HEALTH_REQUEST_TIMEOUT_MS = 10_000;

export interface WaitOptions {
  /** How long to wait in all before giving up. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Injected in tests, so they wait for nothing. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * What an answer of GET /api/health says, or undefined when Metabase is ready. Metabase v0.50
 * (src/metabase/server/routes.clj) answers 200 {"status":"ok"} once initialised, 503
 * {"status":"initializing","progress":0.4} while it starts (every other /api route answers 503
 * "Metabase is still initializing" then), and 503 "Unable to get app-db connection" when its
 * application database is away. Before Jetty listens the connection is refused; a reverse proxy
 * in front answers 502 or 504 meanwhile.
 */
function notReady(probe: MetabaseProbe): string | undefined {
  const body = probe.body as { status?: unknown; progress?: unknown } | undefined;
  if (probe.status === 200 && body?.status === 'ok') return undefined;
  if (probe.status === 0) return `not answering${probe.cause ? ` (${probe.cause})` : ''}`;
  const status = typeof body?.status === 'string' ? body.status : `HTTP ${probe.status}`;
  const progress = typeof body?.progress === 'number' ? ` ${Math.round(body.progress * 100)}%` : '';
  return `${status}${progress}`;
}

/** Answers of a Metabase that is starting; anything else is not Metabase (or not its base URL). */
const STARTING = new Set([0, 502, 503, 504]);

/** Polls GET /api/health until Metabase is ready: for `timeoutMs`, plus one last poll. */
export async function waitForMetabase(
  client: MetabaseClient,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? METABASE_START_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? METABASE_POLL_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    const probe = await client.probe('/api/health', HEALTH_REQUEST_TIMEOUT_MS);
    const state = notReady(probe);
    if (state === undefined) return;
    if (!STARTING.has(probe.status))
      throw new MetabaseApiError(
        probe.status,
        'GET',
        '/api/health',
        'this does not look like Metabase: is --url (METABASE_URL) its base URL?',
      );
    if (state !== last) options.log?.(`waiting for Metabase to start: ${state}`);
    last = state;
    const left = deadline - now();
    if (left <= 0)
      throw new MetabaseApiError(
        probe.status,
        'GET',
        '/api/health',
        `Metabase was not ready after ${Math.round(timeoutMs / 1000)} s (last: ${state}); raise --wait if it is still starting`,
      );
    await sleep(Math.min(intervalMs, left));
  }
}
