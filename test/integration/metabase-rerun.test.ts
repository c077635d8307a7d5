import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/db/database-url.js';
import { MetabaseClient } from '../../src/metabase/metabase-client.js';
import { metabaseDatabase } from '../../src/metabase/metabase-database.js';
import { QUESTIONS, setupMetabase } from '../../src/metabase/metabase-setup.js';
import { startMetabaseStandIn, type StandIn } from '../helpers/metabase-stand-in.js';

const ADMIN = { email: 'admin@example.com', password: 'pd-analytics-admin-7' };
const POSTGRES = metabaseDatabase(parseDatabaseUrl('postgres://ro:db-secret@127.0.0.1:5432/pd'));
const MYSQL = metabaseDatabase(parseDatabaseUrl('mysql://ro:db-secret@127.0.0.1:3306/pd'));

/** What a user does in Metabase's UI, through the same REST API the UI uses. */
async function asUser(mb: StandIn) {
  const { id } = (await (
    await fetch(`${mb.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN.email, password: ADMIN.password }),
    })
  ).json()) as { id: string };
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${mb.url}${path}`, {
      method,
      headers: { 'x-metabase-session': id, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
}

type DashCard = {
  id: number;
  card_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
  dashboard_tab_id: number | null;
  visualization_settings: Record<string, unknown>;
  parameter_mappings: unknown[];
};
const run = (mb: StandIn, database = POSTGRES) =>
  setupMetabase(new MetabaseClient(mb.url, { username: ADMIN.email, password: ADMIN.password }), {
    database,
  });

describe('pd-analytics metabase setup run again (against a stand-in of Metabase)', () => {
  it('keeps the dashcards users added, their settings and where they moved ours', async () => {
    const mb = await startMetabaseStandIn({ admin: ADMIN });
    try {
      const first = await run(mb);
      const api = await asUser(mb);
      const path = `/api/dashboard/${first.dashboardId}`;
      const { dashcards } = await api<{ dashcards: DashCard[] }>('GET', path);
      const theirs = await api<{ id: number }>('POST', '/api/card', {
        name: 'My own question',
        display: 'table',
        dataset_query: {
          type: 'native',
          database: first.databaseId,
          native: { query: 'SELECT 1' },
        },
        visualization_settings: {},
      });
      const moved = {
        ...(dashcards[0] as DashCard),
        row: 40,
        col: 0,
        visualization_settings: { 'card.title': 'Ours, renamed' },
      };
      await api('PUT', path, {
        dashcards: [
          moved,
          ...dashcards.slice(1),
          { id: -1, card_id: theirs.id, row: 30, col: 0, size_x: 12, size_y: 4 },
          {
            id: -2,
            card_id: null,
            row: 30,
            col: 12,
            size_x: 12,
            size_y: 2,
            visualization_settings: { virtual_card: { display: 'text' }, text: 'Read me first' },
          },
        ],
        tabs: [],
      });
      const before = (await api<{ dashcards: DashCard[] }>('GET', path)).dashcards;

      await run(mb);
      const after = (await api<{ dashcards: DashCard[] }>('GET', path)).dashcards;
      expect(after).toEqual(before);
      expect(after.find((d) => d.card_id === theirs.id)).toBeDefined();
      expect(after.find((d) => d.card_id === null)?.visualization_settings).toMatchObject({
        text: 'Read me first',
      });
      expect(after.find((d) => d.id === moved.id)).toMatchObject({
        row: 40,
        visualization_settings: { 'card.title': 'Ours, renamed' },
      });
    } finally {
      await mb.close();
    }
  });

  it('puts a question missing from the dashboard back below what is there, on its first tab', async () => {
    const mb = await startMetabaseStandIn({ admin: ADMIN });
    try {
      const first = await run(mb);
      const api = await asUser(mb);
      const path = `/api/dashboard/${first.dashboardId}`;
      const { dashcards } = await api<{ dashcards: DashCard[] }>('GET', path);
      // The user splits the dashboard into two tabs and removes one of our questions.
      const [dropped, ...kept] = dashcards;
      await api('PUT', path, {
        tabs: [
          { id: -1, name: 'Overview' },
          { id: -2, name: 'Mine' },
        ],
        dashcards: kept.map((d) => ({ ...d, dashboard_tab_id: -1 })),
      });
      const { tabs } = await api<{ tabs: { id: number; name: string }[] }>('GET', path);

      await run(mb);
      const after = await api<{
        dashcards: DashCard[];
        tabs: { id: number; name: string }[];
      }>('GET', path);
      expect(after.tabs.map((t) => [t.id, t.name])).toEqual(tabs.map((t) => [t.id, t.name]));
      expect(after.dashcards).toHaveLength(QUESTIONS.length);
      const back = after.dashcards.find((d) => d.card_id === dropped?.card_id);
      const bottom = Math.max(...kept.map((d) => d.row + d.size_y));
      expect(back).toMatchObject({ dashboard_tab_id: tabs[0]?.id });
      expect(back?.row).toBeGreaterThanOrEqual(bottom);
    } finally {
      await mb.close();
    }
  });

  it('keeps the TLS Metabase found at creation instead of turning it off', async () => {
    const mb = await startMetabaseStandIn({ admin: ADMIN, tlsAvailable: true });
    try {
      const first = await run(mb);
      const stored = () => mb.state.databases.find((d) => d.id === first.databaseId)?.details;
      expect(stored()).toMatchObject({ ssl: true });
      await run(mb);
      expect(stored()).toMatchObject({ ssl: true, password: 'db-secret' });
    } finally {
      await mb.close();
    }
  });

  it('connects to MySQL 8.4 with caching_sha2_password, and keeps the JDBC options an admin added', async () => {
    const mb = await startMetabaseStandIn({ admin: ADMIN, cachingSha2Password: true });
    try {
      const first = await run(mb, MYSQL);
      const stored = () => mb.state.databases.find((d) => d.id === first.databaseId)?.details;
      expect(stored()).toMatchObject({ 'additional-options': 'allowPublicKeyRetrieval=true' });
      const api = await asUser(mb);
      await api('PUT', `/api/database/${first.databaseId}`, {
        details: { 'additional-options': 'tinyInt1isBit=false&allowPublicKeyRetrieval=true' },
      });
      await run(mb, MYSQL);
      expect(stored()).toMatchObject({
        'additional-options': 'tinyInt1isBit=false&allowPublicKeyRetrieval=true',
      });
    } finally {
      await mb.close();
    }
  });
});
