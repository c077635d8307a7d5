import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, pingDb, type Db } from '../../src/db/connection.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  TEST_MYSQL_URL,
  TEST_POSTGRES_URL,
  type TestDatabase,
} from '../helpers/test-databases.js';

/** Ends, from another session, every session on the test database (as a restart would). */
async function endSessions(dialect: 'mysql' | 'postgres', database: string): Promise<number> {
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    const { rows } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    await admin.end();
    return rows.length;
  }
  const admin = await mysql.createConnection({ uri: TEST_MYSQL_URL });
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> connection_id()',
    [database],
  );
  for (const r of rows) await admin.query(`KILL ${Number(r['id'])}`);
  await admin.end();
  return rows.length;
}

for (const { dialect, available } of await dialectsUnderTest()) {
  if (dialect === 'sqlite') continue;
  describe.skipIf(!available)(`losing idle connections on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;
    const reported: { message: string; code?: string }[] = [];

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target, { onIdleConnectionError: (e) => reported.push(e) });
    });
    afterAll(async () => {
      await handle?.destroy();
      await testDb?.drop();
    });

    it('survives the server ending its sessions, says so without secrets, and reconnects', async () => {
      // Several idle connections in the pool.
      await Promise.all(Array.from({ length: 4 }, () => pingDb(handle.db)));
      const target = testDb.target;
      if (target.dialect === 'sqlite') throw new Error('server dialects only');
      const database = new URL(target.url).pathname.slice(1);
      expect(await endSessions(dialect, database)).toBeGreaterThan(0);
      // Give the pool time to see the closed sockets; an unhandled 'error' would fail the run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (dialect === 'postgres') {
        expect(reported.length).toBeGreaterThan(0);
        expect(reported[0]?.code).toBe('57P01');
        expect(Object.keys(reported[0] ?? {}).sort()).toEqual(['code', 'message']);
      }
      // Dead connections are dropped and new ones opened on demand.
      for (let i = 0; i < 3; i += 1) await expect(pingDb(handle.db)).resolves.toBeUndefined();
    });
  });
}
