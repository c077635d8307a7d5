// The account the analytics benchmarks read: the simulator's large profile (1,000,000 incidents
// over 400 days, 2,000 services, 100 teams, 150 schedules; 500 users), written into each
// database through the sync's own write path. The directory, schedules and on-calls come from a
// real sync against the simulator over HTTP; incidents and their log entries are rendered in
// process as the simulator serves them and written page by page with writePage, the function
// every sync path writes with, so counts, rollups and facts are exactly what a sync leaves.
//
// A filled database is kept (SQLite: a file under the temporary directory; servers: a database
// named after the account and the schema) and reused by later runs; BENCH_FRESH=1 fills anew.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createDb, type Db } from '../src/db/connection.js';
import type { DatabaseTarget, Dialect } from '../src/db/database-url.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { findCursor, setCursor } from '../src/db/repositories/sync-cursors-repository.js';
import { createLogger } from '../src/logger.js';
import { PagerDutyClient } from '../src/pagerduty/pagerduty-client.js';
import type { PdIncident, PdLogEntry } from '../src/pagerduty/pagerduty-types.js';
import { Renderer } from '../src/simulator/pd-renderers.js';
import { SimulatedAccount } from '../src/simulator/simulated-account.js';
import { startSimulator } from '../src/simulator/simulator-server.js';
import { LOG_ENTRY_INCLUDES, writePage } from '../src/sync/incidents-sync.js';
import { mirrorWriter } from '../src/mirror/mirror-writer.js';
import { runSync } from '../src/sync/sync-engine.js';
import { SYNC_RESOURCES } from '../src/sync/sync-progress.js';
import { TEST_MYSQL_URL, TEST_POSTGRES_URL } from '../test/helpers/test-databases.js';

export const BENCH_INCIDENTS = Number(process.env['BENCH_INCIDENTS'] ?? 1_000_000);
export const BENCH_USERS = 500;
/** A fixed clock: the same account, and the same answers, on every run. */
export const BENCH_NOW = Date.UTC(2026, 10, 27, 12);
const SEED = 7;
const PAGE = 2000;
const TOKEN = 'bench-token';
const FILL_MARKER = 'bench_fill';

export function benchAccount(): SimulatedAccount {
  return new SimulatedAccount({
    seed: SEED,
    size: 'large',
    now: BENCH_NOW,
    incidents: BENCH_INCIDENTS,
    users: BENCH_USERS,
  });
}

/**
 * Bumped when what the fill writes changes: older filled databases are then filled anew.
 * 2: log entries with their channels (interruptions; version 1 had none).
 */
const FILL_VERSION = 2;

/** The name of a filled database: the account and the fill that wrote it. */
function fillName(): string {
  return `pda_bench_s${SEED}_i${BENCH_INCIDENTS}_u${BENCH_USERS}_f${FILL_VERSION}`;
}

/** The bench database of a dialect (created empty when missing), and whether it holds the account. */
async function benchTarget(dialect: Dialect): Promise<{ target: DatabaseTarget; fresh: boolean }> {
  const name = fillName();
  const reset = process.env['BENCH_FRESH'] === '1';
  if (dialect === 'sqlite') {
    const dir = path.join(os.tmpdir(), 'pda-bench-cache');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.db`);
    const done = fs.existsSync(`${file}.filled`) && !reset;
    if (!done) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    return { target: { dialect, path: file }, fresh: !done };
  }
  const base = dialect === 'mysql' ? TEST_MYSQL_URL : TEST_POSTGRES_URL;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const target: DatabaseTarget = { dialect, url: url.toString() };
  if (dialect === 'mysql') {
    const admin = await mysql.createConnection({ uri: base });
    try {
      const [rows] = await admin.query(`SHOW DATABASES LIKE '${name}'`);
      const exists = (rows as unknown[]).length > 0;
      if (exists && !reset && (await isFilled(target))) return { target, fresh: false };
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    } finally {
      await admin.end();
    }
    return { target, fresh: true };
  }
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount && !reset && (await isFilled(target))) return { target, fresh: false };
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return { target, fresh: true };
}

/** A database holds the account once the fill wrote its marker cursor (its last write). */
async function isFilled(target: DatabaseTarget): Promise<boolean> {
  const handle = createDb(target);
  try {
    return (await findCursor(handle.db, FILL_MARKER)) === fillName();
  } catch {
    return false;
  } finally {
    await handle.destroy();
  }
}

/**
 * Everything but the incident history, through a real sync against the simulator (a year of
 * on-call history). Run on every open: it is quick, and keeps a kept database in step with the
 * sync's current code.
 */
async function syncDirectory(handle: Db, account: SimulatedAccount, log: (line: string) => void) {
  const sim = await startSimulator({ account, token: TOKEN, rateLimitPerMinute: 1_000_000 });
  try {
    const started = performance.now();
    const client = new PagerDutyClient({
      baseUrl: sim.url,
      token: TOKEN,
      requestsPerMinute: 1_000_000,
      concurrency: 8,
    });
    await runSync(
      { db: handle.db, client, logger: createLogger('silent'), clock: () => new Date(account.now) },
      {
        mode: 'full',
        since: new Date(account.now - 365 * 24 * 3600 * 1000),
        resources: SYNC_RESOURCES.filter((r) => r !== 'incidents' && r !== 'log_entries'),
      },
    );
    log(`  directory, schedules and on-calls synced in ${seconds(started)} s`);
  } finally {
    await sim.close();
  }
}

/** Writes every incident and its log entries as the simulator serves them, page by page. */
async function writeIncidentHistory(
  handle: Db,
  account: SimulatedAccount,
  log: (line: string) => void,
) {
  const started = performance.now();
  const renderer = new Renderer(account, 'http://simulator.invalid', 0);
  const writer = mirrorWriter(handle.db);
  const now = new Date(account.now);
  // What the sync asks for: without their channels, notify entries carry no medium, and the
  // account had no interruptions at all.
  const includes = new Set(LOG_ENTRY_INCLUDES);
  let entries = 0;
  for (let base = 0; base < account.incidents.count; base += PAGE) {
    const incidents: PdIncident[] = [];
    const logEntries: PdLogEntry[] = [];
    for (let i = base; i < Math.min(base + PAGE, account.incidents.count); i += 1) {
      incidents.push(renderer.incident(i) as unknown as PdIncident);
      for (const event of account.incidents.stateAt(i, account.now).events)
        logEntries.push(renderer.logEntry(i, event, includes) as unknown as PdLogEntry);
    }
    entries += logEntries.length;
    await writePage(writer, now, { incidents, logEntries });
    if ((base / PAGE) % 50 === 49)
      log(
        `  ${(base + incidents.length).toLocaleString('en-US')} incidents written (${seconds(started)} s)`,
      );
  }
  log(
    `  ${account.incidents.count.toLocaleString('en-US')} incidents and ${entries.toLocaleString('en-US')} log entries written in ${seconds(started)} s`,
  );
  await setCursor(handle.db, FILL_MARKER, fillName(), now);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(0);
}

/** The dialects whose server answers (SQLite always), or those BENCH_DIALECTS names. */
export async function benchDialects(): Promise<Dialect[]> {
  const named = process.env['BENCH_DIALECTS'];
  if (named) return named.split(',').map((d) => d.trim() as Dialect);
  const out: Dialect[] = ['sqlite'];
  try {
    const c = await mysql.createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 3000 });
    await c.end();
    out.push('mysql');
  } catch {
    console.log(`MariaDB/MySQL skipped: no server at ${TEST_MYSQL_URL} (set TEST_MYSQL_URL)`);
  }
  try {
    const c = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.end();
    out.push('postgres');
  } catch {
    console.log(`PostgreSQL skipped: no server at ${TEST_POSTGRES_URL} (set TEST_POSTGRES_URL)`);
  }
  return out;
}

/**
 * The bench database of a dialect, filled with the account (reused when a run filled it).
 * `readOnly`: a filled database is returned as it is, neither migrated nor synced again, for a
 * bench that only reads through a server while other benchmarks may share the same file.
 */
export async function openBenchDatabase(
  dialect: Dialect,
  log: (line: string) => void = console.log,
  { readOnly = false }: { readOnly?: boolean } = {},
): Promise<{ target: DatabaseTarget; account: SimulatedAccount }> {
  const account = benchAccount();
  const { target, fresh } = await benchTarget(dialect);
  if (readOnly && !fresh) return { target, account };
  const handle = createDb(target);
  try {
    await migrateToLatest(handle.db);
    await syncDirectory(handle, account, log);
    if (fresh) {
      log(`filling the ${dialect} bench database (once; BENCH_FRESH=1 fills it again)`);
      await writeIncidentHistory(handle, account, log);
    }
  } finally {
    await handle.destroy();
  }
  if (fresh && target.dialect === 'sqlite') fs.writeFileSync(`${target.path}.filled`, fillName());
  return { target, account };
}
