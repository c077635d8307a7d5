import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Metabase's REST API, because Metabase cannot be installed on this machine. It
 * follows ../shared/metabase/CONTRACT.md ("Minimum stand-in surface"): sessions and API keys,
 * first-run setup, databases, collections, cards, dashboards and their dashcards with the
 * version differences (0.48+, 0.47, ≤0.46), JSON and text errors, extra keys ignored, a new id on
 * every POST and no name uniqueness.
 */
export interface StandInOptions {
  version?: string;
  admin?: { email: string; password: string };
  apiKey?: string;
  /** Database hosts Metabase can reach; any other gets 400 "not reachable". */
  reachableHosts?: string[];
}

interface DashCard {
  id: number;
  card_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
}

export interface StandIn {
  url: string;
  calls: string[];
  state: {
    databases: Record<string, unknown>[];
    collections: Record<string, unknown>[];
    cards: Record<string, unknown>[];
    dashboards: { id: number; name: string; collection_id: number; dashcards: DashCard[] }[];
  };
  close(): Promise<void>;
}

export async function startMetabaseStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const version = options.version ?? 'v0.50.3';
  const minor = Number(/^v\d+\.(\d+)/.exec(version)?.[1] ?? 50);
  let admin = options.admin;
  let setupToken: string | null = admin ? null : 'setup-token-1234';
  const sessions = new Set<string>();
  let nextId = 1;
  const id = () => nextId++;
  const state: StandIn['state'] = {
    databases: [{ id: id(), name: 'Sample Database', engine: 'h2', is_sample: true }],
    collections: [{ id: 'root', name: 'Our analytics', location: null }],
    cards: [],
    dashboards: [],
  };
  const calls: string[] = [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const text = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  };
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      : {};
    const url = new URL(req.url ?? '/', 'http://metabase');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    calls.push(`${method} ${path}`);
    const route = (m: string, pattern: RegExp) => (method === m ? pattern.exec(path) : null);

    if (route('GET', /^\/api\/health$/)) return json(res, 200, { status: 'ok' });
    if (route('GET', /^\/api\/session\/properties$/))
      return json(res, 200, {
        version: { tag: version },
        'has-user-setup': admin !== undefined,
        'setup-token': setupToken,
        engines: {},
      });
    if (route('POST', /^\/api\/setup$/)) {
      if (admin) return text(res, 403, "You don't have permissions to do that.");
      if (body['token'] !== setupToken)
        return json(res, 400, { errors: { token: 'Token does not match the setup token.' } });
      const user = body['user'] as { email?: string; password?: string } | undefined;
      if (!user?.password || user.password.length < 8)
        return json(res, 400, { errors: { password: 'password is too common.' } });
      admin = { email: user.email ?? '', password: user.password };
      setupToken = null;
      const session = `s-${id()}`;
      sessions.add(session);
      return json(res, 200, { id: session });
    }
    if (route('POST', /^\/api\/session$/)) {
      if (blank(body['username']) || blank(body['password']))
        return json(res, 400, { errors: { username: 'value must be a non-blank string.' } });
      if (!admin || body['username'] !== admin.email || body['password'] !== admin.password)
        return json(res, 401, { errors: { password: 'did not match stored password' } });
      const session = `s-${id()}`;
      sessions.add(session);
      return json(res, 200, { id: session });
    }
    const session = req.headers['x-metabase-session'];
    const key = req.headers['x-api-key'];
    const authed =
      (typeof session === 'string' && sessions.has(session)) ||
      (options.apiKey !== undefined && key === options.apiKey && minor >= 49);
    if (!path.startsWith('/api/')) return text(res, 404, 'Not found.');
    if (!authed) return text(res, 401, 'Unauthenticated');

    let m: RegExpExecArray | null;
    if (route('GET', /^\/api\/user\/current$/))
      return json(res, 200, { id: 1, email: admin?.email, is_superuser: true });
    if (route('DELETE', /^\/api\/session$/)) return text(res, 204, '');
    if (route('GET', /^\/api\/database$/))
      return json(res, 200, { data: state.databases, total: state.databases.length });
    if (route('POST', /^\/api\/database$/)) {
      if (blank(body['name']) || blank(body['engine']))
        return json(res, 400, { errors: { name: 'value must be a non-blank string.' } });
      const details = (body['details'] ?? {}) as Record<string, unknown>;
      if (
        details['host'] !== undefined &&
        !(options.reachableHosts ?? ['127.0.0.1', 'localhost']).includes(String(details['host']))
      ) {
        return json(res, 400, {
          message: `Host '${String(details['host'])}' is not reachable`,
          errors: { host: 'check your host settings' },
        });
      }
      const db = {
        id: id(),
        name: body['name'],
        engine: body['engine'],
        details: { ...details, password: details['password'] ? '**MetabasePass**' : undefined },
        is_sample: false,
        initial_sync_status: 'incomplete',
      };
      state.databases.push(db);
      return json(res, 200, db);
    }
    if ((m = route('PUT', /^\/api\/database\/(\d+)$/))) {
      const db = state.databases.find((d) => d['id'] === Number(m?.[1]));
      if (!db) return text(res, 404, 'Not found.');
      Object.assign(db, { details: body['details'] ?? db['details'] });
      return json(res, 200, db);
    }
    if ((m = route('POST', /^\/api\/database\/(\d+)\/sync_schema$/)))
      return json(res, 200, { status: 'ok' });
    if (route('GET', /^\/api\/collection$/)) return json(res, 200, state.collections);
    if (route('POST', /^\/api\/collection$/)) {
      if (blank(body['name']))
        return json(res, 400, { errors: { name: 'value must be a non-blank string.' } });
      if (body['description'] === '')
        return json(res, 400, { errors: { description: 'value must be a non-blank string.' } });
      if (minor < 48 && typeof body['color'] !== 'string')
        return json(res, 400, {
          errors: { color: 'value must be a string that matches the regex ^#[0-9A-Fa-f]{6}$.' },
        });
      const c = {
        id: id(),
        name: body['name'],
        description: body['description'] ?? null,
        location: '/',
        personal_owner_id: null,
        archived: false,
      };
      state.collections.push(c);
      return json(res, 200, c);
    }
    if ((m = route('GET', /^\/api\/collection\/(\d+)\/items$/))) {
      const models = url.searchParams.getAll('models');
      const cid = Number(m[1]);
      const data = [
        ...state.cards
          .filter((c) => c['collection_id'] === cid && !c['archived'])
          .map((c) => ({
            id: c['id'],
            name: c['name'],
            model: 'card',
            display: c['display'],
            description: c['description'],
          })),
        ...state.dashboards
          .filter((d) => d.collection_id === cid)
          .map((d) => ({ id: d.id, name: d.name, model: 'dashboard' })),
      ].filter((i) => models.length === 0 || models.includes(i.model));
      return json(res, 200, { total: data.length, data, models, limit: null, offset: null });
    }
    if (route('POST', /^\/api\/card$/)) {
      for (const k of ['name', 'display'])
        if (blank(body[k]))
          return json(res, 400, { errors: { [k]: 'value must be a non-blank string.' } });
      if (!body['dataset_query'] || typeof body['visualization_settings'] !== 'object')
        return json(res, 400, { errors: { dataset_query: 'value must be a map.' } });
      const card = {
        id: id(),
        name: body['name'],
        description: body['description'] ?? null,
        collection_id: body['collection_id'] ?? null,
        display: body['display'],
        dataset_query: body['dataset_query'],
        visualization_settings: body['visualization_settings'],
        archived: false,
      };
      state.cards.push(card);
      return json(res, 200, card);
    }
    if ((m = route('GET', /^\/api\/card\/(\d+)$/)) || (m = route('PUT', /^\/api\/card\/(\d+)$/))) {
      const card = state.cards.find((c) => c['id'] === Number(m?.[1]));
      if (!card) return text(res, 404, 'Not found.');
      if (method === 'PUT')
        for (const k of [
          'name',
          'description',
          'collection_id',
          'display',
          'dataset_query',
          'visualization_settings',
          'archived',
        ])
          if (k in body) card[k] = body[k];
      return json(res, 200, card);
    }
    if (route('POST', /^\/api\/dashboard$/)) {
      if (blank(body['name']))
        return json(res, 400, { errors: { name: 'value must be a non-blank string.' } });
      const d = {
        id: id(),
        name: String(body['name']),
        collection_id: Number(body['collection_id']),
        dashcards: [],
      };
      state.dashboards.push(d);
      return json(res, 200, { ...d, tabs: [], parameters: [], archived: false });
    }
    const dashboardOf = (raw: string | undefined) =>
      state.dashboards.find((d) => d.id === Number(raw));
    const present = (d: (typeof state.dashboards)[number]) =>
      minor >= 48
        ? { id: d.id, name: d.name, dashcards: d.dashcards, tabs: [] }
        : { id: d.id, name: d.name, ordered_cards: d.dashcards, ordered_tabs: [] };
    const replaceAll = (d: (typeof state.dashboards)[number], items: Record<string, unknown>[]) => {
      const ids = items.map((i) => i['id']);
      if (new Set(ids).size !== ids.length) return false;
      d.dashcards = items.map((i) => ({
        id: Number(i['id']) < 0 ? id() : Number(i['id']),
        card_id: (i['card_id'] as number | undefined) ?? null,
        row: Number(i['row']),
        col: Number(i['col']),
        size_x: Number(i['size_x']),
        size_y: Number(i['size_y']),
      }));
      return true;
    };
    if ((m = route('GET', /^\/api\/dashboard\/(\d+)$/))) {
      const d = dashboardOf(m[1]);
      return d ? json(res, 200, present(d)) : text(res, 404, 'Not found.');
    }
    if ((m = route('PUT', /^\/api\/dashboard\/(\d+)$/))) {
      const d = dashboardOf(m[1]);
      if (!d) return text(res, 404, 'Not found.');
      if (
        minor >= 48 &&
        Array.isArray(body['dashcards']) &&
        !replaceAll(d, body['dashcards'] as Record<string, unknown>[])
      )
        return json(res, 400, { errors: { dashcards: 'ids must be unique' } });
      return json(res, 200, present(d));
    }
    if ((m = route('PUT', /^\/api\/dashboard\/(\d+)\/cards$/)) && minor <= 47) {
      const d = dashboardOf(m[1]);
      if (!d) return text(res, 404, 'Not found.');
      const items = (body['cards'] ?? []) as Record<string, unknown>[];
      // 0.47 creates from negative ids; earlier versions only reposition known dashcards.
      if (minor <= 46 && items.some((i) => Number(i['id']) < 0))
        return json(res, 400, { message: 'Invalid dashcard id' });
      replaceAll(d, items);
      return json(res, 200, { cards: d.dashcards });
    }
    if ((m = route('POST', /^\/api\/dashboard\/(\d+)\/cards$/)) && minor <= 46) {
      const d = dashboardOf(m[1]);
      if (!d) return text(res, 404, 'Not found.');
      const dc = {
        id: id(),
        card_id: Number(body['cardId']),
        row: Number(body['row']),
        col: Number(body['col']),
        size_x: Number(body['size_x']),
        size_y: Number(body['size_y']),
      };
      d.dashcards.push(dc);
      return json(res, 200, dc);
    }
    return text(res, 404, 'API endpoint does not exist.');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
