import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js';

// A server now starts its read workers as it starts listening (db.warm()); a quick stop can close
// the database while they still answer their first query. Those queries must fail, not wait for
// ever: a promise that never settles left `pd-analytics demo` on a busy port exiting with code 13
// (an unsettled top-level await) instead of its one line and exit 1.

describe('closing the SQLite read workers', () => {
  let testDb: TestDatabase;
  let handle: Db;

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    const writer = createDb(testDb.target, { sqliteReadWorkers: 0 });
    await migrateToLatest(writer.db);
    await writer.destroy();
    handle = createDb(testDb.target, { sqliteReadWorkers: 1 });
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  it('fails the reads under way with the database closed', async () => {
    // The worker started first: how long a worker takes to start varies (a second under load, a
    // tenth on a warm cache), and a warm-up that had finished before the stop proved nothing.
    await sql`select 1`.execute(handle.read);
    // Counting to fifty million keeps the worker busy for seconds.
    const slow = sql<{
      n: number;
    }>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 50000000) select count(*) as n from c`.execute(
      handle.read,
    );
    // Until the worker has the query (it takes one at a time on SQLite): the warm-up then waits
    // behind it, as a server's does when it is stopped at once.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const warm = handle.warm();
    const failed = Promise.all([
      expect(slow).rejects.toThrow('the database is closed'),
      expect(warm).rejects.toThrow('the database is closed'),
    ]);
    await handle.destroy();
    await failed;
  });
});
