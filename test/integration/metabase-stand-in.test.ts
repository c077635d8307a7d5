import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetabaseStandIn, type StandIn } from '../helpers/metabase-stand-in.js';

/**
 * The stand-in must refuse what Metabase v0.50 refuses, or the client's tests prove nothing.
 * Each row is a request Metabase's source (named in the stand-in) answers with an error.
 */
const ADMIN = { email: 'admin@example.com', password: 'pd-analytics-admin-7' };
let mb: StandIn;
let session: string;
let dashboardId: number;

async function call(method: string, path: string, body?: unknown, auth = true) {
  const response = await fetch(`${mb.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(auth ? { 'x-metabase-session': session } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text };
}

beforeAll(async () => {
  mb = await startMetabaseStandIn({ admin: ADMIN });
  session = JSON.parse(
    (await call('POST', '/api/session', { username: ADMIN.email, password: ADMIN.password }, false))
      .text,
  ).id;
  const collection = JSON.parse(
    (await call('POST', '/api/collection', { name: 'C', parent_id: null })).text,
  );
  dashboardId = JSON.parse(
    (await call('POST', '/api/dashboard', { name: 'D', collection_id: collection.id })).text,
  ).id;
});
afterAll(() => mb.close());

const dashcard = { id: -1, card_id: null, row: 0, col: 0, size_x: 4, size_y: 2 };

describe('the Metabase stand-in refuses what Metabase v0.50 refuses', () => {
  it.each<[string, string, string, unknown, number, string]>([
    ['no session', 'GET', '/api/user/current', undefined, 401, 'Unauthenticated'],
    ['setup once a user exists', 'POST', '/api/setup', {}, 400, 'Token does not match'],
    ['a blank login', 'POST', '/api/session', { username: '', password: 'x' }, 400, 'non-blank'],
    [
      'a database without details',
      'POST',
      '/api/database',
      { name: 'x', engine: 'postgres' },
      400,
      'must be a map',
    ],
    [
      'an unknown engine',
      'POST',
      '/api/database',
      { name: 'x', engine: 'oracle', details: {} },
      400,
      'valid database engine',
    ],
    [
      'a SQLite path Metabase cannot open',
      'POST',
      '/api/database',
      { name: 'x', engine: 'sqlite', details: { db: 'data/pd.db' } },
      400,
      'No such file or directory',
    ],
    [
      'a SQLite in-memory database',
      'POST',
      '/api/database',
      { name: 'x', engine: 'sqlite', details: { db: ':memory:' } },
      400,
      'No such file or directory',
    ],
    [
      'MySQL 8.4 without public key retrieval',
      'POST',
      '/api/database',
      {
        name: 'x',
        engine: 'mysql',
        details: { host: '127.0.0.1', port: 3306, dbname: 'pd', user: 'u', password: 'p' },
      },
      400,
      'RSA public key is not available',
    ],
    [
      'a blank collection description',
      'POST',
      '/api/collection',
      { name: 'x', description: '' },
      400,
      'non-blank',
    ],
    [
      'a card without visualization settings',
      'POST',
      '/api/card',
      { name: 'x', display: 'table', dataset_query: {} },
      400,
      'must be a map',
    ],
    [
      'a card with a blank description',
      'POST',
      '/api/card',
      {
        name: 'x',
        display: 'table',
        dataset_query: {},
        visualization_settings: {},
        description: '',
      },
      400,
      'non-blank',
    ],
    [
      'a dashboard without a name',
      'POST',
      '/api/dashboard',
      { collection_id: 1 },
      400,
      'non-blank',
    ],
    [
      'a dashcard of width 0',
      'PUT',
      '/api/dashboard/DASH',
      { dashcards: [{ ...dashcard, size_x: 0 }] },
      400,
      'unique',
    ],
    [
      'a dashcard at a negative row',
      'PUT',
      '/api/dashboard/DASH',
      { dashcards: [{ ...dashcard, row: -1 }] },
      400,
      'unique',
    ],
    [
      'two dashcards with one id',
      'PUT',
      '/api/dashboard/DASH',
      { dashcards: [dashcard, dashcard] },
      400,
      'ids are unique',
    ],
    [
      'a tab without a name',
      'PUT',
      '/api/dashboard/DASH',
      { dashcards: [], tabs: [{ id: -1 }] },
      400,
      'unique',
    ],
    [
      'the pre-0.47 way to add a dashcard',
      'POST',
      '/api/dashboard/DASH/cards',
      { cardId: 1 },
      404,
      'API endpoint does not exist.',
    ],
  ])('%s', async (_name, method, path, body, status, text) => {
    const answer = await call(
      method,
      path.replace('DASH', String(dashboardId)),
      body,
      !path.startsWith('/api/user'),
    );
    expect(answer.status).toBe(status);
    expect(answer.text).toContain(text);
  });

  it('refuses dashcards without a tab once the dashboard has tabs', async () => {
    const path = `/api/dashboard/${dashboardId}`;
    expect((await call('PUT', path, { tabs: [{ id: -1, name: 'A' }], dashcards: [] })).status).toBe(
      200,
    );
    const answer = await call('PUT', path, {
      tabs: JSON.parse((await call('GET', path)).text).tabs,
      dashcards: [dashcard],
    });
    expect(answer).toEqual({
      status: 400,
      text: 'This dashboard has tab, makes sure every card has a tab',
    });
  });
});
