import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { AnalyticsConfig, Config } from '../../src/config.js';
import { createDb, type Db, type DbOptions } from '../../src/db/connection.js';
import type { DatabaseTarget, Dialect } from '../../src/db/database-url.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { MirrorVersion } from '../../src/mirror/mirror-version.js';
import { createLogger } from '../../src/logger.js';
import type { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import type { RunningSimulator } from '../../src/simulator/simulator-server.js';
import { runSync, type SyncDependencies, type SyncResult } from '../../src/sync/sync-engine.js';
import { SyncService } from '../../src/sync/sync-service.js';
import {
  InProcessSyncRunner,
  type InProcessSyncRunnerDependencies,
} from '../../src/sync/sync-runner.js';
import { SIM_NOW, startTestSimulator, testClient } from './simulator-fixture.js';
import { createTestDatabase } from './test-databases.js';

const DAY = 24 * 3600 * 1000;

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  close(): Promise<void>;
}

/** A sync service whose runs run in this thread, as the library runs them. */
export function inProcessSyncService(deps: InProcessSyncRunnerDependencies): SyncService {
  return new SyncService({ runner: new InProcessSyncRunner(deps), logger: deps.logger });
}

/** A migrated database (in-memory SQLite unless given) and the app over it, not listening. */
export async function createTestApp(
  options: {
    target?: DatabaseTarget;
    config?: Partial<Pick<Config, 'apiToken' | 'adminToken' | 'host' | 'allowedHosts'>> & {
      webhookSecret?: string;
    };
    /** Builds the app's sync service over the test database. */
    syncService?: (db: Db) => SyncService;
  } = {},
): Promise<TestApp> {
  const db = createDb(options.target ?? { dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(db.db);
  const app = await buildApp({
    config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1', ...options.config },
    ...(options.syncService ? { syncService: options.syncService(db) } : {}),
    db,
    logger: createLogger('silent'),
  });
  return {
    app,
    db,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

/** A database of one dialect, synced from the small simulated account, and the app over it. */
export interface SyncedTestApp {
  app: FastifyInstance;
  db: Db;
  /** Where the database is, for a CLI run over it. */
  target: DatabaseTarget;
  account: SimulatedAccount;
  sim: RunningSimulator;
  /** A second past the account's now: the clock of the sync and of the app. */
  clock(): Date;
  /** Syncs the mirror from the simulator again, incidents from 500 days before SIM_NOW. */
  sync(): Promise<SyncResult>;
  /** Closes the app, the simulator and the connections, and drops the database. */
  close(): Promise<void>;
}

/**
 * The set-up of the suites that test the API over a synced mirror: a database of its own,
 * migrated, the small simulated account synced into it, and the app over it (not listening).
 */
export async function startSyncedTestApp(
  dialect: Dialect,
  options: {
    db?: DbOptions;
    webhookSecret?: string;
    /** The analytics settings of the sync and the app (working hours, pay rules, limits). */
    analytics?: AnalyticsConfig;
    /** After migration, before the first sync: a mirror version the sync tells and the app reads. */
    beforeSync?: (
      db: Db,
    ) => Promise<Pick<SyncDependencies, 'onCommitted'> & { mirror?: MirrorVersion }>;
  } = {},
): Promise<SyncedTestApp> {
  // Undone in reverse order, also when a step of the set-up fails.
  const undo: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const testDb = await createTestDatabase(dialect);
    undo.push(() => testDb.drop());
    const db = createDb(testDb.target, options.db);
    undo.push(() => db.destroy());
    await migrateToLatest(db.db);
    const { account, sim } = await startTestSimulator('small');
    undo.push(() => sim.close());
    const shared = (await options.beforeSync?.(db)) ?? {};
    const clock = () => new Date(account.now + 1000);
    const sync = () =>
      runSync(
        {
          db: db.db,
          client: testClient(sim.url),
          logger: createLogger('silent'),
          clock,
          ...(options.analytics ? { analytics: options.analytics } : {}),
          ...(shared.onCommitted ? { onCommitted: shared.onCommitted } : {}),
        },
        { since: new Date(SIM_NOW - 500 * DAY) },
      );
    await sync();
    const app = await buildApp({
      config: {
        apiToken: undefined,
        adminToken: undefined,
        host: '127.0.0.1',
        ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
      },
      db,
      logger: createLogger('silent'),
      clock,
      ...(options.analytics ? { analytics: options.analytics } : {}),
      ...(shared.mirror ? { mirror: shared.mirror } : {}),
    });
    undo.push(() => app.close());
    return { app, db, target: testDb.target, account, sim, clock, sync, close };
  } catch (error) {
    await close();
    throw error;
  }
}
