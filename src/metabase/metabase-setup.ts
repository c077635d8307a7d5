import type { DatabaseTarget } from '../db/database-url.js';
import { MetabaseApiError, metabaseMinor, type MetabaseClient } from './metabase-client.js';

export const COLLECTION_NAME = 'PagerDuty Analytics';
export const DASHBOARD_NAME = 'PagerDuty overview';
export const DATABASE_NAME = 'pd-analytics';
const MARKER = 'pd-analytics view:';

interface Question {
  name: string;
  view: string;
  sql: string;
  display: string;
  visualization_settings: Record<string, unknown>;
  /** Place on Metabase's 24-column grid. */
  layout: { row: number; col: number; size_x: number; size_y: number };
}

/** One question per reporting view (migration 0007), laid out on the dashboard. */
export const QUESTIONS: readonly Question[] = [
  {
    name: 'Incidents per service',
    view: 'v_services',
    sql: 'SELECT service_name, incident_count FROM v_services ORDER BY incident_count DESC',
    display: 'bar',
    visualization_settings: {
      'graph.dimensions': ['service_name'],
      'graph.metrics': ['incident_count'],
    },
    layout: { row: 0, col: 0, size_x: 12, size_y: 6 },
  },
  {
    name: 'Incidents by service and status',
    view: 'v_incidents_by_service_status',
    sql: 'SELECT service_name, status, incident_count FROM v_incidents_by_service_status',
    display: 'bar',
    visualization_settings: {
      'graph.dimensions': ['service_name', 'status'],
      'graph.metrics': ['incident_count'],
      'stackable.stack_type': 'stacked',
    },
    layout: { row: 0, col: 12, size_x: 12, size_y: 6 },
  },
  {
    name: 'Teams and their services',
    view: 'v_teams_services',
    sql: 'SELECT team_name, service_name, incident_count FROM v_teams_services ORDER BY team_name, service_name',
    display: 'table',
    visualization_settings: {},
    layout: { row: 6, col: 0, size_x: 24, size_y: 8 },
  },
  {
    name: 'Escalation policies with teams and services',
    view: 'v_escalation_policy_relations',
    sql: 'SELECT escalation_policy_name, related_type, related_name FROM v_escalation_policy_relations ORDER BY escalation_policy_name',
    display: 'table',
    visualization_settings: {},
    layout: { row: 14, col: 0, size_x: 24, size_y: 8 },
  },
  {
    name: 'Inactive users on schedules',
    view: 'v_inactive_users',
    sql: 'SELECT user_name, email, reason FROM v_inactive_users ORDER BY user_name',
    display: 'table',
    visualization_settings: {},
    layout: { row: 22, col: 0, size_x: 12, size_y: 8 },
  },
  {
    name: 'Time to acknowledge and resolve',
    view: 'v_incident_facts',
    sql: 'SELECT service_name, AVG(seconds_to_first_ack) AS avg_seconds_to_first_ack, AVG(seconds_to_resolve) AS avg_seconds_to_resolve FROM v_incident_facts GROUP BY service_name ORDER BY service_name',
    display: 'table',
    visualization_settings: {},
    layout: { row: 22, col: 12, size_x: 12, size_y: 8 },
  },
];

/** What Metabase needs to connect to the mirror, as seen from the Metabase host. */
export interface MetabaseDatabase {
  engine: 'postgres' | 'mysql' | 'sqlite';
  details: Record<string, unknown>;
}

/**
 * Connection details for Metabase from DATABASE_URL. `host` and `sqlitePath` override what the
 * Metabase host sees (in Docker the database is `mysql`, not 127.0.0.1; a SQLite file has its
 * own path in the Metabase container).
 */
export function metabaseDatabase(
  target: DatabaseTarget,
  overrides: { host?: string; sqlitePath?: string } = {},
): MetabaseDatabase {
  if (target.dialect === 'sqlite')
    return { engine: 'sqlite', details: { db: overrides.sqlitePath ?? target.path } };
  const url = new URL(target.url);
  const engine = target.dialect === 'mysql' ? 'mysql' : 'postgres';
  return {
    engine,
    details: {
      host: overrides.host ?? url.hostname,
      port: Number(url.port || (engine === 'mysql' ? 3306 : 5432)),
      dbname: decodeURIComponent(url.pathname.replace(/^\//, '')),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: false,
    },
  };
}

export interface SetupOptions {
  database: MetabaseDatabase;
  /** For a brand-new Metabase: the first admin (its email and password are the login's). */
  admin?: { email: string; password: string };
  log?: (line: string) => void;
}

export interface SetupResult {
  version: string;
  databaseId: number;
  collectionId: number;
  cardIds: number[];
  dashboardId: number;
  created: string[];
  updated: string[];
}

interface Named {
  id: number;
  name: string;
}
interface DashCard {
  id: number;
  card_id: number | null;
}

/**
 * Registers the mirror in Metabase with a collection holding one question per reporting view and
 * a dashboard laying them out. Run again, it finds what it made (Metabase names are not unique,
 * so every object is looked up before anything is created) and updates it in place.
 */
export async function setupMetabase(
  client: MetabaseClient,
  options: SetupOptions,
): Promise<SetupResult> {
  const log = options.log ?? (() => undefined);
  const created: string[] = [];
  const updated: string[] = [];
  const health = await client.public<{ status: string }>('GET', '/api/health');
  if (health?.status !== 'ok')
    throw new MetabaseApiError(
      503,
      'GET',
      '/api/health',
      'Metabase is still starting; try again in a minute',
    );
  const properties = await client.public<{
    version?: { tag?: string };
    'has-user-setup'?: boolean;
    'setup-token'?: string | null;
  }>('GET', '/api/session/properties');
  const version = properties.version?.tag ?? 'unknown';
  const minor = metabaseMinor(version);

  if (properties['has-user-setup'] === false && properties['setup-token'] && options.admin) {
    const session = await client.public<{ id: string }>('POST', '/api/setup', {
      token: properties['setup-token'],
      user: {
        email: options.admin.email,
        password: options.admin.password,
        first_name: 'PagerDuty',
        last_name: 'Admin',
      },
      prefs: { site_name: 'PagerDuty analytics' },
    });
    client.useSession(session.id);
    created.push('admin user');
  }
  await client.request('GET', '/api/user/current');

  // Database: matched on name and engine, never the sample.
  const listed = await client.request<
    | { data: (Named & { engine: string; is_sample?: boolean })[] }
    | (Named & { engine: string; is_sample?: boolean })[]
  >('GET', '/api/database');
  const databases = Array.isArray(listed) ? listed : listed.data;
  const existingDb = databases.find(
    (d) => d.name === DATABASE_NAME && d.engine === options.database.engine && !d.is_sample,
  );
  let databaseId: number;
  if (existingDb) {
    await client.request('PUT', `/api/database/${existingDb.id}`, {
      details: options.database.details,
    });
    databaseId = existingDb.id;
    updated.push(`database ${databaseId}`);
  } else {
    const db = await client.request<Named>('POST', '/api/database', {
      name: DATABASE_NAME,
      engine: options.database.engine,
      details: options.database.details,
      is_full_sync: true,
      is_on_demand: false,
    });
    databaseId = db.id;
    created.push(`database ${databaseId}`);
  }
  await client.request('POST', `/api/database/${databaseId}/sync_schema`);
  log(`database ${DATABASE_NAME} (${options.database.engine}) is Metabase database ${databaseId}`);

  const collections = await client.request<
    (Omit<Named, 'id'> & {
      id: number | string;
      location?: string;
      personal_owner_id?: number | null;
      archived?: boolean;
    })[]
  >('GET', '/api/collection');
  const existingCollection = collections.find(
    (c) =>
      c.name === COLLECTION_NAME &&
      (c.location ?? '/') === '/' &&
      !c.personal_owner_id &&
      !c.archived &&
      typeof c.id === 'number',
  );
  let collectionId: number;
  if (existingCollection) {
    collectionId = existingCollection.id as number;
  } else {
    // Before 0.48 a collection needed a colour.
    const collection = await client.request<Named>('POST', '/api/collection', {
      name: COLLECTION_NAME,
      description: 'Managed by pd-analytics',
      parent_id: null,
      ...(minor < 48 ? { color: '#509EE3' } : {}),
    });
    collectionId = collection.id;
    created.push(`collection ${collectionId}`);
  }

  const items = async (model: 'card' | 'dashboard') => {
    const answer = await client.request<
      { data: (Named & { model: string })[] } | (Named & { model: string })[]
    >('GET', `/api/collection/${collectionId}/items?models=${model}`);
    return (Array.isArray(answer) ? answer : answer.data).filter((i) => i.model === model);
  };
  const cards = await items('card');
  const cardIds: number[] = [];
  for (const q of QUESTIONS) {
    const body = {
      name: q.name,
      description: `${MARKER} ${q.view}`,
      collection_id: collectionId,
      display: q.display,
      dataset_query: {
        type: 'native',
        database: databaseId,
        native: { query: q.sql, 'template-tags': {} },
      },
      visualization_settings: q.visualization_settings,
    };
    const existing = cards.find((c) => c.name === q.name);
    if (existing) {
      await client.request('PUT', `/api/card/${existing.id}`, body);
      cardIds.push(existing.id);
      updated.push(`card ${existing.id}`);
    } else {
      const card = await client.request<Named>('POST', '/api/card', body);
      cardIds.push(card.id);
      created.push(`card ${card.id}`);
    }
  }

  const dashboards = await items('dashboard');
  let dashboardId = dashboards.find((d) => d.name === DASHBOARD_NAME)?.id;
  if (dashboardId === undefined) {
    dashboardId = (
      await client.request<Named>('POST', '/api/dashboard', {
        name: DASHBOARD_NAME,
        collection_id: collectionId,
        description: 'Managed by pd-analytics',
        parameters: [],
      })
    ).id;
    created.push(`dashboard ${dashboardId}`);
  } else {
    updated.push(`dashboard ${dashboardId}`);
  }
  await layOutDashboard(client, dashboardId, cardIds, minor);
  log(`collection ${collectionId}: ${cardIds.length} questions; dashboard ${dashboardId}`);
  return { version, databaseId, collectionId, cardIds, dashboardId, created, updated };
}

/**
 * Places every question on the dashboard, keeping the dashcards already there. 0.48+ takes the
 * whole set in PUT /api/dashboard/:id (negative ids create); 0.47 in PUT /api/dashboard/:id/cards;
 * up to 0.46 new cards are added one by one on an 18-column grid.
 */
async function layOutDashboard(
  client: MetabaseClient,
  dashboardId: number,
  cardIds: readonly number[],
  minor: number,
): Promise<void> {
  const dashboard = await client.request<{ dashcards?: DashCard[]; ordered_cards?: DashCard[] }>(
    'GET',
    `/api/dashboard/${dashboardId}`,
  );
  const existing = new Map(
    (dashboard.dashcards ?? dashboard.ordered_cards ?? [])
      .filter((d) => d.card_id !== null)
      .map((d) => [d.card_id, d.id]),
  );
  const scale = minor <= 46 ? 18 / 24 : 1;
  let next = -1;
  const placed = QUESTIONS.map((q, i) => {
    const cardId = cardIds[i] as number;
    return {
      id: existing.get(cardId) ?? next--,
      card_id: cardId,
      row: q.layout.row,
      col: Math.round(q.layout.col * scale),
      size_x: Math.max(1, Math.round(q.layout.size_x * scale)),
      size_y: q.layout.size_y,
      parameter_mappings: [],
      visualization_settings: {},
    };
  });
  if (minor >= 48) {
    await client.request('PUT', `/api/dashboard/${dashboardId}`, { dashcards: placed, tabs: [] });
  } else if (minor === 47) {
    await client.request('PUT', `/api/dashboard/${dashboardId}/cards`, {
      cards: placed,
      ordered_tabs: [],
    });
  } else {
    for (const card of placed.filter((c) => c.id < 0)) {
      const added = await client.request<DashCard>('POST', `/api/dashboard/${dashboardId}/cards`, {
        cardId: card.card_id,
        row: card.row,
        col: card.col,
        size_x: card.size_x,
        size_y: card.size_y,
        parameter_mappings: [],
        series: [],
      });
      card.id = added.id;
    }
    await client.request('PUT', `/api/dashboard/${dashboardId}/cards`, { cards: placed });
  }
}
