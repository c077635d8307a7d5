import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { createDb, type Db } from '../db/connection.js';
import { migrateToLatest } from '../db/migrator.js';
import type { Logger } from '../logger.js';
import { buildApp } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  /** The base URL the server answers on. */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database, applies pending migrations (a failure stops start-up), builds the app and
 * listens on HOST:PORT.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const db = createDb(config.database);
  try {
    const applied = await migrateToLatest(db.db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const app = await buildApp({ config, db, logger });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await db.destroy();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closed = false;
  return {
    app,
    db,
    url: `http://${host}:${port}`,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await db.destroy();
    },
  };
}
