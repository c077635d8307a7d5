import { ForbiddenError, ValidationError } from '../errors.js';
import { MetabaseApiError, metabaseMinor, type MetabaseClient } from './metabase-client.js';
import { layOutDashboard } from './metabase-dashboard.js';
import { detailsForUpdate, type MetabaseDatabase } from './metabase-database.js';
import { waitForMetabase, type WaitOptions } from './metabase-wait.js';

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

/** A question drawn as a chart: its x columns (the first, then the series), its y columns. */
function chart(
  display: 'bar' | 'line',
  dimensions: string[],
  metrics: string[],
  options: { stacked?: boolean } = {},
): Pick<Question, 'display' | 'visualization_settings'> {
  return {
    display,
    visualization_settings: {
      'graph.dimensions': dimensions,
      'graph.metrics': metrics,
      ...(options.stacked ? { 'stackable.stack_type': 'stacked' } : {}),
    },
  };
}

/** A question shown as Metabase's plain table. */
const TABLE: Pick<Question, 'display' | 'visualization_settings'> = {
  display: 'table',
  visualization_settings: {},
};

/** The questions over the reporting views (migrations 0007, 0010, 0011, 0014 and 0015), laid out on the dashboard. */
export const QUESTIONS: readonly Question[] = [
  {
    name: 'Incidents per service',
    view: 'v_services',
    sql: 'SELECT service_name, incident_count FROM v_services ORDER BY incident_count DESC',
    ...chart('bar', ['service_name'], ['incident_count']),
    layout: { row: 0, col: 0, size_x: 12, size_y: 6 },
  },
  {
    name: 'Incidents by service and status',
    view: 'v_incidents_by_service_status',
    sql: 'SELECT service_name, status, incident_count FROM v_incidents_by_service_status',
    ...chart('bar', ['service_name', 'status'], ['incident_count'], { stacked: true }),
    layout: { row: 0, col: 12, size_x: 12, size_y: 6 },
  },
  {
    name: 'Teams and their services',
    view: 'v_teams_services',
    sql: 'SELECT team_name, service_name, incident_count FROM v_teams_services ORDER BY team_name, service_name',
    ...TABLE,
    layout: { row: 6, col: 0, size_x: 24, size_y: 8 },
  },
  {
    name: 'Escalation policies with teams and services',
    view: 'v_escalation_policy_relations',
    sql: 'SELECT escalation_policy_name, related_type, related_name FROM v_escalation_policy_relations ORDER BY escalation_policy_name',
    ...TABLE,
    layout: { row: 14, col: 0, size_x: 24, size_y: 8 },
  },
  {
    name: 'Inactive users on schedules',
    view: 'v_inactive_users',
    sql: 'SELECT user_name, email, reason FROM v_inactive_users ORDER BY user_name',
    ...TABLE,
    layout: { row: 22, col: 0, size_x: 12, size_y: 8 },
  },
  {
    name: 'Time to acknowledge and resolve',
    view: 'v_incident_facts',
    sql: 'SELECT service_name, AVG(seconds_to_first_ack) AS avg_seconds_to_first_ack, AVG(seconds_to_resolve) AS avg_seconds_to_resolve FROM v_incident_facts GROUP BY service_name ORDER BY service_name',
    ...TABLE,
    layout: { row: 22, col: 12, size_x: 12, size_y: 8 },
  },
  {
    // Means: the exact percentiles are in GET /api/v1/analytics/incidents (portable SQL has none).
    name: 'MTTA and MTTR per week',
    view: 'v_incident_metrics',
    sql: 'SELECT week_start, COUNT(*) AS incidents, AVG(seconds_to_first_ack) / 60 AS mtta_minutes, AVG(seconds_to_resolve) / 3600 AS mttr_hours FROM v_incident_metrics GROUP BY week_start ORDER BY week_start',
    ...chart('line', ['week_start'], ['mtta_minutes', 'mttr_hours']),
    layout: { row: 30, col: 0, size_x: 12, size_y: 6 },
  },
  {
    name: 'Interruptions per week',
    view: 'v_incident_metrics',
    sql: 'SELECT week_start, SUM(business_hour_interruptions) AS business_hours, SUM(off_hour_interruptions) AS off_hours, SUM(sleep_hour_interruptions) AS sleep_hours FROM v_incident_metrics GROUP BY week_start ORDER BY week_start',
    ...chart('bar', ['week_start'], ['business_hours', 'off_hours', 'sleep_hours'], {
      stacked: true,
    }),
    layout: { row: 30, col: 12, size_x: 12, size_y: 6 },
  },
  {
    // Sums of spans: time on two policies at once counts twice here; GET
    // /api/v1/analytics/responders gives the union. Permanent on-calls have no seconds.
    name: 'On-call hours per user',
    view: 'v_oncall_intervals',
    sql: 'SELECT user_name, SUM(seconds) / 3600 AS on_call_hours FROM v_oncall_intervals WHERE start_at IS NOT NULL GROUP BY user_name ORDER BY on_call_hours DESC',
    ...chart('bar', ['user_name'], ['on_call_hours']),
    layout: { row: 36, col: 0, size_x: 12, size_y: 6 },
  },
  {
    name: 'Interruptions per user',
    view: 'v_user_interruptions',
    sql: 'SELECT user_name, hour_class, SUM(interruptions) AS interruptions FROM v_user_interruptions GROUP BY user_name, hour_class ORDER BY user_name, hour_class',
    ...chart('bar', ['user_name', 'hour_class'], ['interruptions'], { stacked: true }),
    layout: { row: 36, col: 12, size_x: 12, size_y: 6 },
  },
  {
    // With the default TRANSIENT_MINUTES and REPEAT_WINDOW_HOURS (a view reads no settings).
    name: 'Noisiest services',
    view: 'v_incident_noise',
    sql: 'SELECT service_name, COUNT(*) AS incidents, SUM(unacknowledged_resolved) AS unacknowledged_resolved, SUM(transient) AS transient, SUM(is_repeat) AS repeats FROM v_incident_noise GROUP BY service_name ORDER BY SUM(unacknowledged_resolved) DESC',
    ...chart('bar', ['service_name'], ['unacknowledged_resolved', 'transient', 'repeats']),
    layout: { row: 42, col: 0, size_x: 12, size_y: 6 },
  },
  {
    name: 'Noise share per week',
    view: 'v_incident_noise',
    sql: 'SELECT week_start, AVG(unacknowledged_resolved) AS noise_share, AVG(is_repeat) AS repeat_share FROM v_incident_noise GROUP BY week_start ORDER BY week_start',
    ...chart('line', ['week_start'], ['noise_share', 'repeat_share']),
    layout: { row: 42, col: 12, size_x: 12, size_y: 6 },
  },
  {
    name: 'Top repeating alerts',
    view: 'v_incident_noise',
    sql: 'SELECT service_name, repeat_key_source, repeat_key, COUNT(*) AS incidents, SUM(is_repeat) AS repeats, MIN(created_at) AS first_seen_at, MAX(created_at) AS last_seen_at FROM v_incident_noise WHERE repeat_key IS NOT NULL GROUP BY service_name, repeat_key_source, repeat_key HAVING SUM(is_repeat) > 0 ORDER BY SUM(is_repeat) DESC, COUNT(*) DESC',
    ...TABLE,
    layout: { row: 48, col: 0, size_x: 24, size_y: 8 },
  },
  {
    // The pay panel's hours (schedules only), by month of each user's local days; amounts are
    // GET /api/v1/analytics/on-call-pay's (the rates are the server's ONCALL_PAY_RULES).
    name: 'On-call hours by pay class per month',
    view: 'v_on_call_pay',
    sql: "SELECT month, user_name, SUM(seconds_business) / 3600 AS business_hours, SUM(seconds_off) / 3600 AS off_hours, SUM(seconds_sleep) / 3600 AS sleep_hours, SUM(seconds_weekend) / 3600 AS weekend_hours, SUM(seconds_holiday) / 3600 AS holiday_hours, SUM(interruptions_business + interruptions_off + interruptions_sleep + interruptions_weekend + interruptions_holiday) AS interruptions FROM v_on_call_pay WHERE basis = 'scheduled' GROUP BY month, user_name ORDER BY month DESC, user_name",
    ...TABLE,
    layout: { row: 56, col: 0, size_x: 24, size_y: 8 },
  },
];

export interface SetupOptions {
  database: MetabaseDatabase;
  /** For a brand-new Metabase: the first admin (its email and password are the login's). */
  admin?: { email: string; password: string };
  /** How long and how to wait for Metabase to finish starting. */
  wait?: Omit<WaitOptions, 'log'>;
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
interface ListedDatabase extends Named {
  engine: string;
  is_sample?: boolean;
  details?: Record<string, unknown>;
}

/**
 * Metabase's default password rule (v0.50 src/metabase/util/password.clj, complexity "normal"),
 * said in our error because Metabase answers "password is too common." for every failure of it,
 * a short password included.
 */
export const METABASE_PASSWORD_RULE =
  'Metabase requires at least 6 characters including a digit, and not a common password (MB_PASSWORD_COMPLEXITY and MB_PASSWORD_LENGTH can change the rule)';

/** POST /api/setup: the first admin, logged in. */
async function createFirstAdmin(
  client: MetabaseClient,
  token: string,
  admin: { email: string; password: string },
): Promise<void> {
  let session: { id: string };
  try {
    session = await client.public<{ id: string }>('POST', '/api/setup', {
      token,
      user: {
        email: admin.email,
        password: admin.password,
        first_name: 'PagerDuty',
        last_name: 'Admin',
      },
      prefs: { site_name: 'PagerDuty analytics' },
    });
  } catch (error) {
    // v0.50 names the field `password`; later versions, with a nested schema, `user.password`.
    const refused =
      error instanceof MetabaseApiError && error.status === 400
        ? Object.entries(error.fields).find(([k]) => k === 'password' || k.endsWith('.password'))
        : undefined;
    if (refused)
      throw new MetabaseApiError(
        400,
        'POST',
        '/api/setup',
        `the admin password was refused (${refused[1]}): ${METABASE_PASSWORD_RULE}`,
      );
    throw error;
  }
  client.useSession(session.id);
}

/**
 * Registers the mirror in Metabase with a collection holding one question per reporting view and
 * a dashboard laying them out. Run again, it finds what it made (Metabase names are not unique,
 * so every object is looked up before anything is created) and updates it in place, keeping what
 * users added to the dashboard.
 */
export async function setupMetabase(
  client: MetabaseClient,
  options: SetupOptions,
): Promise<SetupResult> {
  const log = options.log ?? (() => undefined);
  const created: string[] = [];
  const updated: string[] = [];
  await waitForMetabase(client, { ...options.wait, log });
  const properties = await client.public<{
    version?: { tag?: string };
    'has-user-setup'?: boolean;
    'setup-token'?: string | null;
  }>('GET', '/api/session/properties');
  const version = properties.version?.tag ?? 'unknown';
  const minor = metabaseMinor(version);

  if (properties['has-user-setup'] === false) {
    const token = properties['setup-token'];
    if (!token || !options.admin || !client.usesPassword)
      throw new ValidationError(
        'this Metabase has no admin yet: give --user and --password (an API key cannot) to create its first admin',
        '--user',
      );
    await createFirstAdmin(client, token, options.admin);
    created.push('admin user');
  }
  // Everything below needs an admin (POST /api/database checks it); say so before any change.
  const me = await client.request<{ email?: string; is_superuser?: boolean }>(
    'GET',
    '/api/user/current',
  );
  if (me.is_superuser !== true)
    throw new ForbiddenError(
      `${client.usesPassword ? `Metabase user ${me.email ?? ''}` : "the API key's user"} is not a Metabase admin; metabase setup needs an admin${client.usesPassword ? '' : ' (an API key in the Administrators group)'}`,
      'metabase_not_admin',
    );

  // Database: matched on name and engine, never the sample.
  const listed = await client.request<{ data: ListedDatabase[] } | ListedDatabase[]>(
    'GET',
    '/api/database',
  );
  const databases = Array.isArray(listed) ? listed : listed.data;
  const existingDb = databases.find(
    (d) => d.name === DATABASE_NAME && d.engine === options.database.engine && !d.is_sample,
  );
  let databaseId: number;
  if (existingDb) {
    await client.request('PUT', `/api/database/${existingDb.id}`, {
      details: detailsForUpdate(options.database, existingDb.details),
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
  const isNew = dashboardId === undefined;
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
  }
  const placements = QUESTIONS.map((q, i) => ({ cardId: cardIds[i] as number, layout: q.layout }));
  if ((await layOutDashboard(client, dashboardId, placements, minor)) && !isNew)
    updated.push(`dashboard ${dashboardId}`);
  log(`collection ${collectionId}: ${cardIds.length} questions; dashboard ${dashboardId}`);
  return { version, databaseId, collectionId, cardIds, dashboardId, created, updated };
}
