import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Renderer } from './pd-renderers.js';
import { scheduleEntries } from './schedule-model.js';
import { createRandom } from './random.js';
import { parseIncidentId, type SimulatedAccount } from './simulated-account.js';
import { STATUSES } from './incident-store.js';

/** PagerDuty's own limits and defaults that the simulator reproduces (CONTRACT.md). */
export const PD_MAX_LIMIT = 100;
export const PD_DEFAULT_LIMIT = 25;
export const PD_OFFSET_CEILING = 10_000;
export const PD_RATE_LIMIT_PER_MINUTE = 960;
const DAY_MS = 24 * 3600 * 1000;
const ONCALLS_MAX_SPAN_MS = 90 * DAY_MS;
/** The account's zone when a request gives no time_zone: New York without its DST, -05:00. */
const ACCOUNT_OFFSET_MINUTES = -300;

export interface FaultOptions {
  /** Added to every answer. */
  latencyMs?: number;
  /** Shares (0..1) of requests answered with a fault instead of data. */
  rate429?: number;
  /** Share of the injected 429s that come bare, without rate-limit headers or body (default 0.5). */
  bare429Share?: number;
  rate5xx?: number;
  /** Bursts of 5xx: of every `every` requests, the first `length` fail (a server having a bad minute). */
  burst5xx?: { every: number; length: number };
  rateDrop?: number;
  rateTruncate?: number;
}

export interface SimulatorOptions {
  account: SimulatedAccount;
  /** The API token the simulator accepts (`Token token=…` or `Bearer …`). */
  token: string;
  rateLimitPerMinute?: number;
  faults?: FaultOptions;
  faultSeed?: number;
  /** Lists that answer 402, as on plans without the feature: 'priorities', 'teams'. */
  disabledFeatures?: readonly string[];
  /** Wall clock for rate-limit windows (not the account's clock). */
  clock?: () => number;
}

export interface SimulatorStats {
  requests: number;
  byPath: Map<string, number>;
  served429: number;
  faults: number;
}

export interface RunningSimulator {
  url: string;
  stats: SimulatorStats;
  /** Changes fault injection while running. */
  setFaults(faults: FaultOptions): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new HttpError(400, 2001, message);

interface Query {
  get(name: string): string | undefined;
  list(name: string): string[];
}

function parseQuery(params: URLSearchParams): Query {
  return {
    get: (name) => params.get(name) ?? undefined,
    // PagerDuty takes arrays as name[]=a&name[]=b.
    list: (name) => [...params.getAll(`${name}[]`), ...params.getAll(name)],
  };
}

function parseInteger(q: Query, name: string, fallback: number): number {
  const raw = q.get(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw))
    throw invalid(`Invalid Input Provided: ${name} must be a non-negative integer`);
  return Number(raw);
}

/** Reads a time parameter; a timestamp without an offset is in the account's zone, as PagerDuty does. */
function parseTime(q: Query, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === undefined || raw === '') return undefined;
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(raw);
  const ms = Date.parse(hasZone ? raw : `${raw}${raw.includes('T') ? '' : 'T00:00:00'}-05:00`);
  if (Number.isNaN(ms)) throw invalid(`Invalid Input Provided: ${name} is not a valid date`);
  return ms;
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  more: boolean;
  total: number | null;
}

function pageParams(q: Query): { limit: number; offset: number; total: boolean } {
  const limit = Math.min(PD_MAX_LIMIT, Math.max(1, parseInteger(q, 'limit', PD_DEFAULT_LIMIT)));
  const offset = parseInteger(q, 'offset', 0);
  if (offset + limit > PD_OFFSET_CEILING) {
    throw new HttpError(
      400,
      2002,
      `Arguments Caused Error: Offset+limit exceeds maximum allowed value of ${PD_OFFSET_CEILING}.`,
    );
  }
  return { limit, offset, total: q.get('total') === 'true' };
}

function pageOf<T>(all: readonly T[], q: Query): Page<T> {
  const { limit, offset, total } = pageParams(q);
  return {
    items: all.slice(offset, offset + limit),
    limit,
    offset,
    more: offset + limit < all.length,
    total: total ? all.length : null,
  };
}

/** Pages a lazy sequence without materialising it (for a million incidents). */
function pageOfIterable<T>(source: Iterable<T>, q: Query): Page<T> {
  const { limit, offset, total } = pageParams(q);
  const items: T[] = [];
  let count = 0;
  let more = false;
  for (const item of source) {
    if (count >= offset && items.length < limit) items.push(item);
    else if (count >= offset + limit) {
      more = true;
      if (!total) break;
    }
    count += 1;
  }
  return { items, limit, offset, more, total: total ? count : null };
}

/**
 * Starts a PagerDuty REST API simulator over real HTTP, serving the account with PagerDuty's
 * pagination, windows, rate limits and errors, and with faults injected on demand.
 */
export async function startSimulator(
  options: SimulatorOptions,
  listen: { host?: string; port?: number } = {},
): Promise<RunningSimulator> {
  const { account } = options;
  let faults: FaultOptions = { ...options.faults };
  const random = createRandom(options.faultSeed ?? 1);
  const clock = options.clock ?? Date.now;
  const limitPerMinute = options.rateLimitPerMinute ?? PD_RATE_LIMIT_PER_MINUTE;
  const disabled = new Set(options.disabledFeatures ?? []);
  const stats: SimulatorStats = { requests: 0, byPath: new Map(), served429: 0, faults: 0 };
  let windowStart = clock();
  let windowCount = 0;
  let apiUrl = '';

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const rateHeaders = (): Record<string, string> => {
    const now = clock();
    if (now - windowStart >= 60_000) {
      windowStart = now;
      windowCount = 0;
    }
    windowCount += 1;
    return {
      'ratelimit-limit': String(limitPerMinute),
      'ratelimit-remaining': String(Math.max(0, limitPerMinute - windowCount)),
      'ratelimit-reset': String(Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000))),
    };
  };

  const route = (path: string, q: Query): unknown => {
    const renderer = new Renderer(
      account,
      apiUrl,
      q.get('time_zone') === 'UTC' ? 0 : ACCOUNT_OFFSET_MINUTES,
    );
    const include = new Set(q.list('include'));
    const e = account.entities;
    const parts = path.split('/').filter(Boolean);
    const notFound = () => new HttpError(404, 2100, 'Not Found');
    const list = <T>(key: string, page: Page<T>, render: (t: T) => unknown) => ({
      [key]: page.items.map(render),
      limit: page.limit,
      offset: page.offset,
      more: page.more,
      total: page.total,
    });

    switch (parts[0]) {
      case 'services': {
        if (parts.length === 2) {
          const service = account.liveServices().find((s) => s.id === parts[1]);
          if (!service) throw notFound();
          return { service: renderer.service(service, include) };
        }
        const teamIds = q.list('team_ids');
        const services = account
          .liveServices()
          .filter((s) => teamIds.length === 0 || s.teamIds.some((t) => teamIds.includes(t)));
        return list('services', pageOf(services, q), (s) => renderer.service(s, include));
      }
      case 'teams': {
        if (disabled.has('teams'))
          throw new HttpError(402, 2010, 'Account does not have access to the teams feature');
        if (parts.length === 3 && parts[2] === 'members') {
          if (!e.teams.some((t) => t.id === parts[1])) throw notFound();
          const members = account.liveUsers().filter((u) => u.teamIds.includes(parts[1] ?? ''));
          return list('members', pageOf(members, q), (u) => ({
            user: renderer.userRef(u.id),
            role: u.role === 'admin' ? 'manager' : 'responder',
          }));
        }
        return list('teams', pageOf(e.teams, q), (t) => renderer.team(t));
      }
      case 'escalation_policies':
        return list('escalation_policies', pageOf(e.policies, q), (p) =>
          renderer.policy(p, include),
        );
      case 'schedules': {
        if (parts.length === 2) {
          const schedule = e.schedules.find((s) => s.id === parts[1]);
          if (!schedule) throw notFound();
          const since = parseTime(q, 'since') ?? account.now;
          const until = parseTime(q, 'until') ?? since + 14 * DAY_MS;
          if (until < since) throw invalid('Invalid Input Provided: until must be after since');
          return { schedule: renderer.schedule(schedule, { since, until }) };
        }
        return list('schedules', pageOf(e.schedules, q), (s) => renderer.schedule(s));
      }
      case 'users': {
        if (parts.length === 2) {
          const user = account.liveUsers().find((u) => u.id === parts[1]);
          if (!user) throw notFound();
          return { user: renderer.user(user) };
        }
        return list('users', pageOf(account.liveUsers(), q), (u) => renderer.user(u));
      }
      case 'priorities':
        if (disabled.has('priorities'))
          throw new HttpError(402, 2010, 'Account does not have access to the priorities feature');
        return list('priorities', pageOf(e.priorities, q), (p) => renderer.priority(p));
      case 'incidents': {
        if (parts.length >= 2) {
          const i = parseIncidentId(parts[1] ?? '');
          if (i === undefined || i >= account.incidents.count) throw notFound();
          if (parts[2] === 'log_entries') {
            const events = account.incidents.stateAt(i, account.now).events;
            return list('log_entries', pageOf(events, q), (ev) =>
              renderer.logEntry(i, ev, include),
            );
          }
          return { incident: renderer.incident(i) };
        }
        return listIncidents(q, renderer, list);
      }
      case 'log_entries': {
        const until = parseTime(q, 'until') ?? account.now;
        const since = parseTime(q, 'since') ?? addMonths(until, -1);
        if (since > until) throw invalid('Invalid Input Provided: since must be before until');
        const teamIds = q.list('team_ids');
        let entries = account.logEntries(since, until);
        if (teamIds.length > 0) {
          entries = entries.filter((ref) =>
            e.services[account.incidents.serviceIndex[ref.incident] ?? 0]?.teamIds.some((t) =>
              teamIds.includes(t),
            ),
          );
        }
        return list('log_entries', pageOf(entries, q), (ref) => {
          const entry = renderer.logEntry(ref.incident, ref.event, include);
          return include.has('incidents')
            ? { ...entry, incident: renderer.incident(ref.incident) }
            : entry;
        });
      }
      case 'oncalls':
        return listOncalls(q, renderer, list);
      default:
        throw notFound();
    }
  };

  function listIncidents(
    q: Query,
    renderer: Renderer,
    list: (key: string, page: Page<number>, render: (i: number) => unknown) => unknown,
  ) {
    let since = parseTime(q, 'since');
    let until = parseTime(q, 'until');
    if (q.get('date_range') === 'all') {
      since = Number.NEGATIVE_INFINITY;
      until = Number.POSITIVE_INFINITY;
    } else {
      // Without bounds the API answers the last month; with only since, the month after it.
      if (since === undefined && until === undefined) until = account.now;
      if (since === undefined) since = addMonths(until ?? account.now, -1);
      if (until === undefined) until = addMonths(since, 1);
      if (until < since) throw invalid('Invalid Input Provided: since must be before until');
      if (until > addMonths(since, 6))
        throw invalid('Invalid Input Provided: The maximum range for since and until is 6 months.');
    }
    const statuses = q.list('statuses');
    for (const s of statuses)
      if (!(STATUSES as readonly string[]).includes(s))
        throw invalid(`Invalid Input Provided: statuses has an invalid value '${s}'`);
    const urgencies = q.list('urgencies');
    for (const u of urgencies)
      if (u !== 'high' && u !== 'low')
        throw invalid(`Invalid Input Provided: urgencies has an invalid value '${u}'`);
    const filter = {
      since,
      until,
      statuses,
      urgencies,
      serviceIds: q.list('service_ids'),
      teamIds: q.list('team_ids'),
    };
    const sortBy = q.get('sort_by') ?? 'created_at:asc';
    const [field, direction = 'asc'] = sortBy.split(':');
    if (
      !['created_at', 'incident_number', 'resolved_at', 'urgency'].includes(field ?? '') ||
      !['asc', 'desc'].includes(direction)
    ) {
      throw invalid(`Invalid Input Provided: sort_by '${sortBy}' is not supported`);
    }
    let source: Iterable<number> = account.matchingIncidents(filter);
    if (field === 'resolved_at' || field === 'urgency' || direction === 'desc') {
      const all = [...source];
      if (field === 'resolved_at') {
        const at = new Map(
          all.map((i) => [
            i,
            account.incidents.stateAt(i, account.now).resolvedAt ?? Number.POSITIVE_INFINITY,
          ]),
        );
        all.sort((a, b) => (at.get(a) ?? 0) - (at.get(b) ?? 0) || a - b);
      } else if (field === 'urgency') {
        all.sort((a, b) => account.urgency(a).localeCompare(account.urgency(b)) || a - b);
      }
      if (direction === 'desc') all.reverse();
      source = all;
    }
    return list('incidents', pageOfIterable(source, q), (i) => renderer.incident(i));
  }

  const oncallsCache = new Map<string, Record<string, unknown>[]>();

  function listOncalls(
    q: Query,
    renderer: Renderer,
    list: (
      key: string,
      page: Page<Record<string, unknown>>,
      render: (o: Record<string, unknown>) => unknown,
    ) => unknown,
  ) {
    const since = parseTime(q, 'since') ?? account.now;
    const until = parseTime(q, 'until') ?? since;
    if (until < since) throw invalid('Invalid Input Provided: until must be after since');
    if (until - since > ONCALLS_MAX_SPAN_MS)
      throw invalid('Invalid Input Provided: The range for since and until cannot exceed 90 days.');
    const policyIds = q.list('escalation_policy_ids');
    const userIds = q.list('user_ids');
    const scheduleIds = q.list('schedule_ids');
    // A reading pages through the same spans a hundred at a time: they are computed once per
    // query (the page aside) and kept until the account changes.
    const key = JSON.stringify([
      account.mutations,
      since,
      until,
      policyIds,
      userIds,
      scheduleIds,
      q.get('time_zone') === 'UTC',
    ]);
    let filtered = oncallsCache.get(key);
    if (!filtered) {
      filtered = computeOncalls(renderer, since, until, policyIds, userIds, scheduleIds);
      if (oncallsCache.size >= 8) oncallsCache.delete(oncallsCache.keys().next().value as string);
      oncallsCache.set(key, filtered);
    }
    return list('oncalls', pageOf(filtered, q), (o) => o);
  }

  function computeOncalls(
    renderer: Renderer,
    since: number,
    until: number,
    policyIds: string[],
    userIds: string[],
    scheduleIds: string[],
  ): Record<string, unknown>[] {
    const entries: Record<string, unknown>[] = [];
    for (const policy of account.entities.policies) {
      if (policyIds.length > 0 && !policyIds.includes(policy.id)) continue;
      policy.rules.forEach((rule, level) => {
        for (const target of rule.targets) {
          if (target.type === 'user_reference') {
            if (scheduleIds.length > 0) continue;
            // Direct user targets are on call permanently: no start, no end.
            entries.push({
              user: renderer.userRef(target.id),
              schedule: null,
              escalation_policy: renderer.policyRef(policy.id),
              escalation_level: level + 1,
              start: null,
              end: null,
            });
          } else if (target.type === 'schedule_reference') {
            if (scheduleIds.length > 0 && !scheduleIds.includes(target.id)) continue;
            const schedule = account.entities.schedules.find((s) => s.id === target.id);
            if (!schedule) continue;
            for (const span of scheduleEntries(schedule, {
              since,
              until: Math.max(until, since + 1000),
            })) {
              entries.push({
                user: renderer.userRef(span.userId),
                schedule: renderer.scheduleRef(schedule.id),
                escalation_policy: renderer.policyRef(policy.id),
                escalation_level: level + 1,
                start: renderer.time(span.start),
                end: renderer.time(span.end),
              });
            }
          }
        }
      });
    }
    return userIds.length > 0
      ? entries.filter((o) => userIds.includes(String((o['user'] as { id: string }).id)))
      : entries;
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    const url = new URL(req.url ?? '/', 'http://simulator');
    stats.byPath.set(url.pathname, (stats.byPath.get(url.pathname) ?? 0) + 1);

    const auth = req.headers.authorization ?? '';
    if (auth !== `Token token=${options.token}` && auth !== `Bearer ${options.token}`) {
      return send(res, 401, { error: { message: 'Unauthorized', code: 2006 } });
    }
    if (req.method !== 'GET')
      return send(res, 405, { error: { message: 'Method Not Allowed', code: 2001 } });

    const headers = rateHeaders();
    if (windowCount > limitPerMinute) {
      stats.served429 += 1;
      return send(res, 429, { error: { message: 'Rate Limit Exceeded', code: 2020 } }, headers);
    }
    const roll = random();
    const f = faults;
    let edge = 0;
    const hit = (share: number | undefined) => {
      edge += share ?? 0;
      return roll < edge;
    };
    if (hit(f.rate429)) {
      stats.faults += 1;
      stats.served429 += 1;
      // Some 429s come bare: no rate-limit headers, no body (CONTRACT.md); half by default.
      if (random() < (f.bare429Share ?? 0.5)) {
        res.writeHead(429, { 'content-length': '0' });
        return res.end();
      }
      return send(
        res,
        429,
        { error: { message: 'Rate Limit Exceeded', code: 2020 } },
        { ...headers, 'ratelimit-reset': '1' },
      );
    }
    const inBurst = f.burst5xx
      ? (stats.requests - 1) % Math.max(1, f.burst5xx.every) < f.burst5xx.length
      : false;
    if (hit(f.rate5xx) || inBurst) {
      stats.faults += 1;
      const status = [500, 502, 503, 504][Math.floor(random() * 4)] ?? 500;
      return send(res, status, { error: { message: 'Internal Server Error' } });
    }
    if (hit(f.rateDrop)) {
      stats.faults += 1;
      return req.socket.destroy();
    }
    const truncate = hit(f.rateTruncate);

    let body: unknown;
    try {
      body = route(url.pathname, parseQuery(url.searchParams));
    } catch (error) {
      if (error instanceof HttpError) {
        return send(
          res,
          error.status,
          {
            error:
              error.code === undefined
                ? { message: error.message }
                : { message: error.message, code: error.code, errors: [error.message] },
          },
          headers,
        );
      }
      return send(res, 500, {
        error: { message: error instanceof Error ? error.message : 'error' },
      });
    }
    const text = JSON.stringify(body);
    const respond = () => {
      if (truncate) {
        stats.faults += 1;
        // Promise the whole body, send half, and hang up.
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          ...headers,
        });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        setImmediate(() => req.socket.destroy());
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };
    if (f.latencyMs) setTimeout(respond, f.latencyMs);
    else respond();
  };

  const server = http.createServer(handle);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  apiUrl = `http://${host}:${address.port}`;
  return {
    url: apiUrl,
    stats,
    setFaults: (next) => {
      faults = { ...next };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
