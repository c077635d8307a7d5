import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleContent, type DashCard, type StoredDashboard } from './metabase-stand-in-content.js';
import {
  isBoolean,
  isEmail,
  isMap,
  isNonBlank,
  isValidPassword,
  MSG,
  nullable,
  testConnection,
  testConnectionDetails,
  validate,
  type Warehouse,
} from './metabase-stand-in-rules.js';

/**
 * A stand-in for Metabase's REST API, because Metabase cannot be installed on this machine (no
 * image, no JVM). Each handler follows the Metabase v0.50 source file named beside it
 * (metabase/metabase, the 0.50 line of the file; ../shared/metabase/CONTRACT.md summarises them)
 * and rejects what that code rejects, with its status and body; what it cannot know (the common
 * password list, real database servers) is modelled and says so. The version differences the
 * client handles (0.48+, 0.47, ≤0.46) are kept.
 */
export interface StandInOptions {
  version?: string;
  /** An admin who exists already; without one, Metabase is brand-new (has-user-setup false). */
  admin?: { email: string; password: string };
  /** Users who are not admins. */
  members?: { email: string; password: string }[];
  apiKey?: string;
  /** Whether the API key's group is Administrators (default) or another. */
  apiKeyIsAdmin?: boolean;
  /** GET /api/health answers 503 "initializing" this many times before Metabase is up. */
  startingFor?: number;
  /** The port to listen on (default: any free one). */
  port?: number;
  /** Database hosts Metabase can reach; any other gets 400 "not reachable". */
  reachableHosts?: string[];
  /** Whether the database servers offer TLS that Metabase's drivers accept (default false). */
  tlsAvailable?: boolean;
  /** MySQL 8.4's caching_sha2_password with a cold cache (default true). */
  cachingSha2Password?: boolean;
  /** Metabase's working directory, for relative SQLite paths (default: one that does not exist). */
  metabaseCwd?: string;
}

export interface StoredDatabase {
  id: number;
  name: string;
  engine: string;
  details: Record<string, unknown>;
  is_sample: boolean;
  initial_sync_status: string;
}

export interface StandIn {
  url: string;
  /** `METHOD /path` of every request, in order. */
  calls: string[];
  state: {
    databases: StoredDatabase[];
    collections: Record<string, unknown>[];
    cards: Record<string, unknown>[];
    dashboards: StoredDashboard[];
  };
  close(): Promise<void>;
}

interface User {
  id: number;
  email: string;
  password: string;
  is_superuser: boolean;
}

export type { DashCard };

/** What a handler needs: the request, the state, and the answers. */
export interface Exchange {
  method: string;
  path: string;
  url: URL;
  body: Record<string, unknown>;
  minor: number;
  user: User;
  state: StandIn['state'];
  warehouse: Warehouse;
  newId(): number;
  json(status: number, body: unknown): void;
  text(status: number, body: string): void;
  route(method: string, pattern: RegExp): RegExpExecArray | null;
}

const MASKED = '**MetabasePass**';
const FORBIDDEN = "You don't have permissions to do that.";

export async function startMetabaseStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const version = options.version ?? 'v0.50.3';
  const minor = Number(/^v\d+\.(\d+)/.exec(version)?.[1] ?? 50);
  let nextId = 1;
  const newId = () => nextId++;
  const users: User[] = [];
  if (options.admin) users.push({ id: newId(), ...options.admin, is_superuser: true });
  for (const m of options.members ?? []) users.push({ id: newId(), ...m, is_superuser: false });
  const apiKeyUser: User = {
    id: newId(),
    email: 'api-key-user@example.com',
    password: '',
    is_superuser: options.apiKeyIsAdmin ?? true,
  };
  let setupToken: string | null = options.admin ? null : 'setup-token-1234';
  let startingFor = options.startingFor ?? 0;
  const sessions = new Map<string, User>();
  const warehouse: Warehouse = {
    reachableHosts: options.reachableHosts ?? ['127.0.0.1', 'localhost'],
    tlsAvailable: options.tlsAvailable ?? false,
    cachingSha2Password: options.cachingSha2Password ?? true,
    // Deep enough that no relative path of a test climbs out of it with `..`.
    metabaseCwd: options.metabaseCwd ?? `/nonexistent-metabase-cwd${'/x'.repeat(64)}`,
  };
  const state: StandIn['state'] = {
    databases: [
      {
        id: newId(),
        name: 'Sample Database',
        engine: 'h2',
        details: { db: 'zip:/app/metabase.jar!/sample-database.db' },
        is_sample: true,
        initial_sync_status: 'complete',
      },
    ],
    // api/collection.clj GET "/": the Root Collection first (string id), and from 0.50 the Trash.
    collections: [
      { id: 'root', name: 'Our analytics', location: null },
      ...(minor >= 50
        ? [{ id: newId(), name: 'Trash', type: 'trash', location: '/', archived: false }]
        : []),
    ],
    cards: [],
    dashboards: [],
  };
  const calls: string[] = [];
  const present = (db: StoredDatabase) => ({
    ...db,
    details: { ...db.details, ...(db.details['password'] ? { password: MASKED } : {}) },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://metabase');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    calls.push(`${method} ${path}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    let body: Record<string, unknown> = {};
    try {
      if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString()) as typeof body;
    } catch {
      return text(400, 'Malformed JSON in request body.');
    }
    const route = (m: string, pattern: RegExp) => (method === m ? pattern.exec(path) : null);

    // server/routes.clj: /api/health answers 503 until initialisation completes, and every
    // other /api route answers 503 text meanwhile.
    if (route('GET', /^\/api\/health$/)) {
      if (startingFor > 0) {
        startingFor--;
        return json(503, { status: 'initializing', progress: 0.5 });
      }
      return json(200, { status: 'ok' });
    }
    if (startingFor > 0 && path.startsWith('/api/'))
      return text(503, 'Metabase is still initializing. Please sit tight...');

    // api/session.clj GET "/properties": public settings; setup-token and has-user-setup are
    // :visibility :public (setup.clj).
    if (route('GET', /^\/api\/session\/properties$/))
      return json(200, {
        version: { tag: version },
        'has-user-setup': users.length > 0,
        'setup-token': setupToken,
        engines: { h2: {}, mysql: {}, postgres: {}, sqlite: {} },
      });

    // api/setup.clj POST "/": token, user.email, user.password (ValidPassword), prefs.site_name.
    if (route('POST', /^\/api\/setup$/)) {
      const user = (isMap(body['user']) ? body['user'] : {}) as Record<string, unknown>;
      const prefs = (isMap(body['prefs']) ? body['prefs'] : {}) as Record<string, unknown>;
      const invalid = validate(
        {
          token: body['token'],
          site_name: prefs['site_name'],
          first_name: user['first_name'],
          last_name: user['last_name'],
          email: user['email'],
          password: user['password'],
        },
        {
          token: [(v) => isNonBlank(v) && v === setupToken, MSG.token],
          site_name: [isNonBlank, MSG.nonBlank],
          first_name: [nullable(isNonBlank), MSG.nullableNonBlank],
          last_name: [nullable(isNonBlank), MSG.nullableNonBlank],
          email: [isEmail, MSG.email],
          password: [isValidPassword, MSG.password],
        },
      );
      if (invalid) return json(400, invalid);
      if (users.length > 0)
        return text(
          403,
          'The /api/setup route can only be used to create the first user, however a user currently exists.',
        );
      const admin: User = {
        id: newId(),
        email: String(user['email']),
        password: String(user['password']),
        is_superuser: true,
      };
      users.push(admin);
      setupToken = null;
      const session = `s-${newId()}`;
      sessions.set(session, admin);
      return json(200, { id: session });
    }

    // api/session.clj POST "/": 400 on blank fields, 401 on wrong credentials.
    if (route('POST', /^\/api\/session$/)) {
      const invalid = validate(body, {
        username: [isNonBlank, MSG.nonBlank],
        password: [isNonBlank, MSG.nonBlank],
      });
      if (invalid) return json(400, invalid);
      const user = users.find(
        (u) => u.email === body['username'] && u.password === body['password'],
      );
      if (!user)
        return json(401, {
          errors: { password: 'did not match stored password' },
        });
      const session = `s-${newId()}`;
      sessions.set(session, user);
      return json(200, { id: session });
    }

    if (!path.startsWith('/api/')) return text(404, 'Not found.');
    // server/middleware/session.clj: the session header first, then x-api-key (0.49+);
    // api/routes.clj `+auth` answers a plain-text 401 otherwise.
    const sessionId = req.headers['x-metabase-session'];
    const key = req.headers['x-api-key'];
    const user =
      (typeof sessionId === 'string' ? sessions.get(sessionId) : undefined) ??
      (options.apiKey !== undefined && key === options.apiKey && minor >= 49
        ? apiKeyUser
        : undefined);
    if (!user) return text(401, 'Unauthenticated');
    const ex: Exchange = {
      method,
      path,
      url,
      body,
      minor,
      user,
      state,
      warehouse,
      newId,
      json,
      text,
      route,
    };

    let m: RegExpExecArray | null;
    // api/user.clj GET "/current".
    if (route('GET', /^\/api\/user\/current$/))
      return json(200, { id: user.id, email: user.email, is_superuser: user.is_superuser });
    if (route('DELETE', /^\/api\/session$/)) {
      if (typeof sessionId === 'string') sessions.delete(sessionId);
      return text(204, '');
    }

    // api/database.clj GET "/": {data, total}; details (password masked) for admins.
    if (route('GET', /^\/api\/database$/)) {
      const data = state.databases.map((d) =>
        user.is_superuser ? present(d) : { id: d.id, name: d.name, engine: d.engine },
      );
      return json(200, { data, total: data.length });
    }
    // api/database.clj POST "/": superuser; name, engine, details; the connection is tested
    // (TLS first) and a failure answers 400 with its message.
    if (route('POST', /^\/api\/database$/)) {
      const invalid = validate(body, {
        name: [isNonBlank, MSG.nonBlank],
        engine: [(v) => ['h2', 'mysql', 'postgres', 'sqlite'].includes(String(v)), MSG.engine],
        details: [isMap, MSG.map],
        is_full_sync: [nullable(isBoolean), MSG.nullableBoolean],
        is_on_demand: [nullable(isBoolean), MSG.nullableBoolean],
      });
      if (invalid) return json(400, invalid);
      if (!user.is_superuser) return text(403, FORBIDDEN);
      const engine = String(body['engine']);
      const tested = testConnectionDetails(
        engine,
        body['details'] as Record<string, unknown>,
        warehouse,
      );
      if ('error' in tested) return json(400, tested.error);
      const db: StoredDatabase = {
        id: newId(),
        name: String(body['name']),
        engine,
        details: tested.details,
        is_sample: false,
        initial_sync_status: 'incomplete',
      };
      state.databases.push(db);
      return json(200, present(db));
    }
    // api/database.clj PUT "/:id": write-check; details are merged into the stored ones, a
    // masked password keeps the stored one (upsert-sensitive-fields); changed details are tested.
    if ((m = route('PUT', /^\/api\/database\/(\d+)$/))) {
      const db = state.databases.find((d) => d.id === Number(m?.[1]));
      if (!db) return text(404, 'Not found.');
      const invalid = validate(body, {
        name: [nullable(isNonBlank), MSG.nullableNonBlank],
        details: [nullable(isMap), MSG.nullableMap],
      });
      if (invalid) return json(400, invalid);
      if (!user.is_superuser) return text(403, FORBIDDEN);
      if (isMap(body['details'])) {
        const sent = { ...(body['details'] as Record<string, unknown>) };
        if (sent['password'] === MASKED) sent['password'] = db.details['password'];
        const details = { ...db.details, ...sent };
        const error = testConnection(db.engine, details, warehouse);
        if (error) return json(400, error);
        db.details = details;
      }
      if (isNonBlank(body['name'])) db.name = String(body['name']);
      return json(200, present(db));
    }
    // api/database.clj POST "/:id/sync_schema": write-check, then a connection check that
    // answers 422 (plain text) when it fails.
    if ((m = route('POST', /^\/api\/database\/(\d+)\/sync_schema$/))) {
      const db = state.databases.find((d) => d.id === Number(m?.[1]));
      if (!db) return text(404, 'Not found.');
      if (!user.is_superuser) return text(403, FORBIDDEN);
      const error = testConnection(db.engine, db.details, warehouse);
      if (error) return text(422, error.message);
      return json(200, { status: 'ok' });
    }

    if (handleContent(ex)) return;
    return text(404, 'API endpoint does not exist.');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
