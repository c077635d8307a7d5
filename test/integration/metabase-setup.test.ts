import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/db/database-url.js';
import { MetabaseApiError, MetabaseClient } from '../../src/metabase/metabase-client.js';
import { metabaseDatabase, QUESTIONS, setupMetabase } from '../../src/metabase/metabase-setup.js';
import { startMetabaseStandIn } from '../helpers/metabase-stand-in.js';
import { runCliProcess } from '../helpers/run-cli.js';

const ADMIN = { email: 'admin@example.com', password: 'a-long-unique-password' };
const DATABASE = metabaseDatabase(
  parseDatabaseUrl('postgres://metabase_ro:db-secret@127.0.0.1:5432/pd'),
);

describe('pd-analytics metabase setup (against a stand-in of Metabase)', () => {
  it('sets up a brand-new Metabase, then updates in place when run again', async () => {
    const mb = await startMetabaseStandIn({ version: 'v0.50.3' });
    try {
      const first = await setupMetabase(
        new MetabaseClient(mb.url, { username: ADMIN.email, password: ADMIN.password }),
        { database: DATABASE, admin: ADMIN },
      );
      expect(first.created).toEqual(
        expect.arrayContaining([
          'admin user',
          `database ${first.databaseId}`,
          `collection ${first.collectionId}`,
          `dashboard ${first.dashboardId}`,
        ]),
      );
      expect(first.cardIds).toHaveLength(QUESTIONS.length);
      const db = mb.state.databases.find((d) => d['id'] === first.databaseId);
      expect(db).toMatchObject({
        name: 'pd-analytics',
        engine: 'postgres',
        details: { host: '127.0.0.1', dbname: 'pd', user: 'metabase_ro' },
      });
      const card = mb.state.cards[0];
      expect(card).toMatchObject({
        collection_id: first.collectionId,
        dataset_query: { type: 'native', database: first.databaseId },
      });
      const dashboard = mb.state.dashboards[0];
      expect(dashboard?.dashcards.map((d) => d.card_id)).toEqual(first.cardIds);
      for (const d of dashboard?.dashcards ?? []) expect(d.col + d.size_x).toBeLessThanOrEqual(24);
      expect(mb.calls).toContain('POST /api/database/' + first.databaseId + '/sync_schema');

      const dashcardIds = dashboard?.dashcards.map((d) => d.id);
      const counts = () => [
        mb.state.databases.length,
        mb.state.collections.length,
        mb.state.cards.length,
        mb.state.dashboards.length,
      ];
      const before = counts();
      const second = await setupMetabase(
        new MetabaseClient(mb.url, { username: ADMIN.email, password: ADMIN.password }),
        { database: DATABASE, admin: ADMIN },
      );
      expect(counts()).toEqual(before);
      expect(second.created).toEqual([]);
      expect(second.cardIds).toEqual(first.cardIds);
      expect(mb.state.dashboards[0]?.dashcards.map((d) => d.id)).toEqual(dashcardIds);
    } finally {
      await mb.close();
    }
  });

  it('works with an API key', async () => {
    const mb = await startMetabaseStandIn({
      version: 'v1.52.0',
      admin: ADMIN,
      apiKey: 'mb_secretkey',
    });
    try {
      const result = await setupMetabase(new MetabaseClient(mb.url, { apiKey: 'mb_secretkey' }), {
        database: DATABASE,
      });
      expect(result.cardIds).toHaveLength(QUESTIONS.length);
      expect(mb.calls).not.toContain('POST /api/session');
    } finally {
      await mb.close();
    }
  });

  it.each([
    ['v0.47.2', 'PUT /api/dashboard/ID/cards'],
    ['v0.46.6', 'POST /api/dashboard/ID/cards'],
  ])('lays out the dashboard the way Metabase %s takes it', async (version, call) => {
    const mb = await startMetabaseStandIn({ version, admin: ADMIN });
    try {
      const result = await setupMetabase(
        new MetabaseClient(mb.url, { username: ADMIN.email, password: ADMIN.password }),
        { database: DATABASE },
      );
      expect(mb.calls).toContain(call.replace('ID', String(result.dashboardId)));
      expect(mb.state.dashboards[0]?.dashcards).toHaveLength(QUESTIONS.length);
      const grid = version === 'v0.46.6' ? 18 : 24;
      for (const d of mb.state.dashboards[0]?.dashcards ?? [])
        expect(d.col + d.size_x).toBeLessThanOrEqual(grid);
      // Again: no duplicate dashcards.
      await setupMetabase(
        new MetabaseClient(mb.url, { username: ADMIN.email, password: ADMIN.password }),
        { database: DATABASE },
      );
      expect(mb.state.dashboards[0]?.dashcards).toHaveLength(QUESTIONS.length);
    } finally {
      await mb.close();
    }
  });

  it('fails with a clear message and no secret on a wrong password or an unreachable database', async () => {
    const mb = await startMetabaseStandIn({ admin: ADMIN });
    try {
      const wrong = await setupMetabase(
        new MetabaseClient(mb.url, { username: ADMIN.email, password: 'not-the-password' }),
        { database: DATABASE },
      ).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(MetabaseApiError);
      expect((wrong as Error).message).toContain('did not match stored password');
      expect((wrong as Error).message).not.toContain('not-the-password');
      const far = metabaseDatabase(parseDatabaseUrl('mysql://ro:db-secret@db.internal:3306/pd'));
      const unreachable = await setupMetabase(
        new MetabaseClient(mb.url, { username: ADMIN.email, password: ADMIN.password }),
        { database: far },
      ).catch((e: unknown) => e);
      expect((unreachable as Error).message).toContain("Host 'db.internal' is not reachable");
      expect((unreachable as Error).message).not.toContain('db-secret');
    } finally {
      await mb.close();
    }
  });

  it('runs from the CLI and exits 2 without credentials', async () => {
    const mb = await startMetabaseStandIn({ version: 'v0.55.1', admin: ADMIN });
    try {
      const env = {
        DATABASE_URL: 'postgres://ro:db-secret@127.0.0.1:5432/pd',
        METABASE_PASSWORD: ADMIN.password,
      };
      const ok = await runCliProcess(
        ['metabase', 'setup', '--url', mb.url, '--user', ADMIN.email],
        env,
      );
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`${mb.url}/dashboard/`);
      expect(ok.stdout).not.toContain('db-secret');
      const missing = await runCliProcess(['metabase', 'setup', '--url', mb.url], {
        DATABASE_URL: 'sqlite::memory:',
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--user');
    } finally {
      await mb.close();
    }
  });
});
