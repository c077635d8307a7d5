import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { Config } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/connection.js';
import type { DatabaseTarget } from '../../src/db/database-url.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import type { SyncService } from '../../src/sync/sync-service.js';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  close(): Promise<void>;
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
