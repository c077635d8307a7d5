import type { PagerDutyClient } from '../pagerduty/pagerduty-client.js';

// What a first sync costs, said before it starts. bench/RESULTS.md (the medium simulated
// account: 100,000 incidents, 422,964 log entries) measured 5,447 requests: one per 100
// incidents, one per 100 log entries, and a few for the directory and the on-call history.

/** Log entries per incident in the bench's account (4.2); a real account may have more or fewer. */
export const LOG_ENTRIES_PER_INCIDENT = 4.2;
/** Requests a first sync spends besides the incident and log-entry pages (directory, on-call). */
const OTHER_REQUESTS = 50;
const PAGE = 100;

export interface FirstSyncEstimate {
  incidents: number;
  requests: number;
  requestsPerMinute: number;
  minutes: number;
}

/**
 * The account's oldest incident and how many incidents it has, in one request: PagerDuty's
 * date_range=all lifts the 6-month span limit, sorted ascending the first record is the oldest,
 * and total=true counts them all.
 */
export async function probeHistory(
  client: PagerDutyClient,
  signal: AbortSignal | undefined,
): Promise<{ at: Date; total: number } | undefined> {
  const answer = await client.get<{ incidents?: { created_at?: string }[]; total?: number | null }>(
    '/incidents',
    { date_range: 'all', sort_by: 'created_at:asc', limit: 1, total: true, time_zone: 'UTC' },
    signal,
  );
  const at = answer.incidents?.[0]?.created_at;
  if (!at) return undefined;
  return {
    at: new Date(Math.floor(Date.parse(at) / 1000) * 1000),
    total: answer.total ?? answer.incidents?.length ?? 0,
  };
}

/** The requests and minutes a first sync of `incidents` incidents takes at `requestsPerMinute`. */
export function estimateFirstSync(incidents: number, requestsPerMinute: number): FirstSyncEstimate {
  const requests =
    Math.ceil(incidents / PAGE) +
    Math.ceil((incidents * LOG_ENTRIES_PER_INCIDENT) / PAGE) +
    OTHER_REQUESTS;
  return {
    incidents,
    requests,
    requestsPerMinute,
    minutes: Math.max(1, Math.ceil(requests / requestsPerMinute)),
  };
}

/** The estimate in a sentence. */
export function describeEstimate(e: FirstSyncEstimate): string {
  return `${e.incidents.toLocaleString('en-US')} incidents: about ${e.requests.toLocaleString('en-US')} requests, ${e.minutes <= 1 ? 'a minute or less' : `about ${e.minutes} minutes`} at ${e.requestsPerMinute} requests/min`;
}
