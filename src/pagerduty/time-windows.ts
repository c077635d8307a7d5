import { MAX_PAGE_SIZE, type PagerDutyClient, type Query } from './pagerduty-client.js';
import { PagerDutyCeilingError } from './pagerduty-errors.js';
import type { PdPagination } from './pagerduty-types.js';

/** PagerDuty answers 400 past offset+limit 10,000 (code 2002): no list can be paged beyond it. */
export const RECORD_CEILING = 10_000;
/**
 * /incidents refuses spans over 6 months. 180 days is under the shortest 6-month span
 * (181 days), whatever the calendar.
 */
export const MAX_WINDOW_MS = 180 * 24 * 3600 * 1000;
/** Aim for windows well under the ceiling so records created during the read still fit. */
const TARGET_RECORDS_PER_WINDOW = 8_000;
const MIN_WINDOW_MS = 1000;

export interface TimeRange {
  since: Date;
  until: Date;
}

/** Cuts [since, until) into consecutive windows of at most maxMs. */
export function splitRange(range: TimeRange, maxMs: number): TimeRange[] {
  const windows: TimeRange[] = [];
  for (let start = range.since.getTime(); start < range.until.getTime(); start += maxMs) {
    windows.push({
      since: new Date(start),
      until: new Date(Math.min(start + maxMs, range.until.getTime())),
    });
  }
  return windows;
}

/** Cuts a window into `parts` equal windows on whole seconds (PagerDuty reads seconds). */
export function divideRange(range: TimeRange, parts: number): TimeRange[] {
  const start = range.since.getTime();
  const span = range.until.getTime() - start;
  const cuts = [start];
  for (let i = 1; i < parts; i += 1) {
    const cut = Math.floor((start + (span * i) / parts) / 1000) * 1000;
    if (cut > (cuts.at(-1) ?? start)) cuts.push(cut);
  }
  cuts.push(range.until.getTime());
  return cuts
    .slice(0, -1)
    .map((s, i) => ({ since: new Date(s), until: new Date(cuts[i + 1] ?? s) }));
}

export interface WindowedReadOptions<T = unknown> {
  /** The list's key in the answer: 'incidents' or 'log_entries'. */
  key: string;
  /** Extra query parameters (filters, include[], sort_by). */
  query?: Query;
  signal?: AbortSignal;
  /** Called for each window read, for progress and tests. */
  onWindow?: (window: TimeRange, total: number) => void;
  /**
   * How a record is placed in time, for the boundary de-duplication of records created at an
   * instant (the default: `id` and `created_at`). Lists of spans that overlap windows
   * (/oncalls) pass null and de-duplicate themselves.
   */
  boundaryKey?: ((item: T) => { id: string; at: string }) | null;
  /** The longest window the list accepts: 180 days by default, /oncalls 90. */
  maxWindowMs?: number;
}

function createdAtKey(item: unknown): { id: string; at: string } {
  const record = item as { id?: string; created_at?: string };
  return { id: record.id ?? '', at: record.created_at ?? '' };
}

/**
 * Reads every record created in [since, until) from a time-windowed list (/incidents,
 * /log_entries) despite PagerDuty's 6-month span limit and 10,000-record ceiling: windows of at
 * most 180 days, explicit UTC bounds, and each window whose total reaches the ceiling divided
 * (recursively) until every window can be paged to its end. The first page of a window carries
 * total=true and serves as its probe, so an unsplit window costs no extra request.
 *
 * PagerDuty's since is inclusive; records stamped exactly on a window's until may come in both
 * neighbours, so ids seen on a boundary are remembered and skipped the second time.
 */
export async function* readWindowed<T>(
  client: PagerDutyClient,
  path: string,
  range: TimeRange,
  options: WindowedReadOptions<T>,
): AsyncGenerator<T[], void, undefined> {
  const keyOf = options.boundaryKey === undefined ? createdAtKey : options.boundaryKey;
  let boundary = { at: '', ids: new Set<string>() };
  const pending = splitRange(range, options.maxWindowMs ?? MAX_WINDOW_MS);
  while (pending.length > 0) {
    const window = pending.shift() as TimeRange;
    const baseQuery: Query = {
      ...options.query,
      // Naive timestamps would be read in the account's zone: always send Z and time_zone=UTC.
      since: window.since.toISOString(),
      until: window.until.toISOString(),
      time_zone: 'UTC',
    };
    const first = await client.get<PdPagination & Record<string, unknown>>(
      path,
      { ...baseQuery, limit: MAX_PAGE_SIZE, offset: 0, total: true },
      options.signal,
    );
    const total = first.total ?? 0;
    if (total >= RECORD_CEILING) {
      const span = window.until.getTime() - window.since.getTime();
      if (span <= MIN_WINDOW_MS)
        throw new PagerDutyCeilingError(
          path,
          baseQuery.since as string,
          baseQuery.until as string,
          total,
        );
      const parts = Math.max(2, Math.ceil(total / TARGET_RECORDS_PER_WINDOW));
      pending.unshift(...divideRange(window, parts));
      continue;
    }
    options.onWindow?.(window, total);

    const untilIso = window.until.toISOString();
    const seenOnEdge = new Set<string>();
    const accept = (items: T[]): T[] => {
      if (!keyOf) return items;
      const kept = items.filter((item) => {
        const { id, at } = keyOf(item);
        return !(boundary.ids.has(id) && sameInstant(at, boundary.at));
      });
      for (const item of kept) {
        const { id, at } = keyOf(item);
        if (sameInstant(at, untilIso)) seenOnEdge.add(id);
      }
      return kept;
    };

    const firstItems = accept((first[options.key] ?? []) as T[]);
    if (firstItems.length > 0) yield firstItems;
    const firstCount = ((first[options.key] ?? []) as T[]).length;
    if (first.more && firstCount > 0) {
      for await (const page of client.paginate<T>(
        path,
        options.key,
        baseQuery,
        options.signal,
        firstCount,
      )) {
        const kept = accept(page);
        if (kept.length > 0) yield kept;
      }
    }
    boundary = { at: untilIso, ids: seenOnEdge };
  }
}

function sameInstant(a: string, b: string): boolean {
  return a !== '' && b !== '' && Date.parse(a) === Date.parse(b);
}
