import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { setCursor } from '../../src/db/repositories/sync-cursors-repository.js';

const NOW = new Date('2026-01-01T00:00:00Z');

// Two writers on one SQLite file, as the server's thread (webhooks) and the sync worker are.
// Both are on this thread here, which is the point: a writer waiting for the lock must leave
// the event loop free, or the holder (here the other connection) could never commit.
describe('a SQLite writer waiting for the write lock', () => {
  let dir: string;
  let first: Db;
  let second: Db;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-lock-'));
    const target = { dialect: 'sqlite' as const, path: path.join(dir, 'lock.db') };
    first = createDb(target, { sqliteReadWorkers: 0 });
    second = createDb(target, { sqliteReadWorkers: 0 });
    await migrateToLatest(first.db);
  });
  afterAll(async () => {
    await first.destroy();
    await second.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('waits without blocking the event loop, then writes once the holder commits', async () => {
    const holding = Promise.withResolvers<undefined>();
    const release = Promise.withResolvers<undefined>();
    const held = first.db.transaction().execute(async (trx) => {
      await setCursor(trx, 'a', '1', NOW);
      holding.resolve(undefined);
      await release.promise;
    });
    await holding.promise;
    const order: string[] = [];
    const waiting = second.db
      .transaction()
      .execute(async (trx) => {
        await setCursor(trx, 'b', '2', NOW);
      })
      .then(() => order.push('second committed'));
    // SQLite's own busy handler would sleep in this thread: no timer would fire until it gave up.
    await new Promise((r) => setTimeout(r, 100));
    order.push('timer fired');
    release.resolve(undefined);
    await held;
    await waiting;
    expect(order).toEqual(['timer fired', 'second committed']);
    const rows = await first.db
      .selectFrom('sync_cursors')
      .select('resource')
      .orderBy('resource')
      .execute();
    expect(rows.map((r) => r.resource)).toEqual(['a', 'b']);
    // The connection's busy timeout is back for statements outside BEGIN IMMEDIATE.
    const [timeout] = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(second.db)).rows;
    expect(Object.values(timeout ?? {})).toEqual([5000]);
  });
});
