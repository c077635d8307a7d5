import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseTarget, Dialect } from '../../src/db/database-url.js';

/**
 * Where the MariaDB/MySQL and PostgreSQL suites find a server. Each test file creates a database
 * of its own there (and drops it after) so that parallel files and concurrent runs never collide.
 */
export const TEST_MYSQL_URL = process.env['TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
export const TEST_POSTGRES_URL =
  process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Under CI the server suites must run: an unreachable server fails the run instead of skipping. */
const REQUIRED = process.env['PDA_REQUIRE_DB_SUITES'] === '1' || process.env['CI'] === 'true';
const PROBE_TIMEOUT_MS = 3000;

export interface DialectUnderTest {
  dialect: Dialect;
  available: boolean;
  /** Why the suite is skipped, when it is. */
  reason?: string;
}

async function probeMysql(): Promise<void> {
  const conn = await mysql.createConnection({
    uri: TEST_MYSQL_URL,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  await conn.end();
}

async function probePostgres(): Promise<void> {
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  await client.connect();
  await client.end();
}

function hostOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}

async function probe(dialect: Dialect): Promise<DialectUnderTest> {
  if (dialect === 'sqlite') return { dialect, available: true };
  const [check, url, variable] =
    dialect === 'mysql'
      ? [probeMysql, TEST_MYSQL_URL, 'TEST_MYSQL_URL']
      : [probePostgres, TEST_POSTGRES_URL, 'TEST_POSTGRES_URL'];
  try {
    await check();
    return { dialect, available: true };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const reason = `${dialect} suite skipped: no server answered at ${hostOf(url)} (${why}); set ${variable} to run it`;
    if (REQUIRED) {
      throw new Error(`${reason}. Under CI the ${dialect} suite must run.`, { cause: error });
    }
    console.warn(reason);
    return { dialect, available: false, reason };
  }
}

/** Every dialect with whether its server is reachable. Call once per test file, at top level. */
export async function dialectsUnderTest(): Promise<DialectUnderTest[]> {
  return Promise.all((['sqlite', 'mysql', 'postgres'] as const).map(probe));
}

export interface TestDatabase {
  target: DatabaseTarget;
  /** Drops the database (or deletes the file). */
  drop(): Promise<void>;
}

function uniqueName(): string {
  return `pda_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
}

/** A test database as the DATABASE_URL a server or the CLI is started with. */
export function databaseUrlOf(target: DatabaseTarget): string {
  return target.dialect === 'sqlite' ? `sqlite:${target.path}` : target.url;
}

/** Creates an empty database of its own for one test file. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const name = uniqueName();
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-test-'));
    const file = path.join(dir, `${name}.db`);
    return {
      target: { dialect, path: file },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (dialect === 'mysql') {
    const admin = await mysql.createConnection({ uri: TEST_MYSQL_URL });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
    const url = new URL(TEST_MYSQL_URL);
    url.pathname = `/${name}`;
    return {
      target: { dialect, url: url.toString() },
      drop: async () => {
        const conn = await mysql.createConnection({ uri: TEST_MYSQL_URL });
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await conn.end();
      },
    };
  }
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    target: { dialect, url: url.toString() },
    drop: async () => {
      const conn = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await conn.connect();
      await conn.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await conn.end();
    },
  };
}
