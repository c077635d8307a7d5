import type { FastifyInstance } from 'fastify';
import { isLoopbackHost, type Config } from '../config.js';
import { createDb, type Db } from '../db/connection.js';
import { SQLITE_MEMORY } from '../db/database-url.js';
import { migrateToLatest } from '../db/migrator.js';
import type { Logger } from '../logger.js';
import { buildApp } from './app.js';
import {
  pagerDutyClientSettings,
  type PagerDutyClientSettings,
} from '../pagerduty/create-client.js';
import { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import {
  InProcessSyncRunner,
  markInterruptedRuns,
  scheduleSyncs,
  SyncService,
  WorkerSyncRunner,
  type SyncRunner,
} from '../sync/index.js';
import { MirrorVersion } from '../mirror/mirror-version.js';
import { portInUse } from '../errors.js';
import { analyticsState } from '../analytics/analytics-state.js';
import { ANALYTICS_TASKS_MODULE, runAnalytics } from '../analytics/analytics-tasks.js';

export interface ServerOptions {
  /** Run incremental syncs in the background this often. */
  syncEveryMs?: number;
  /**
   * The settings of the PagerDuty client syncs use, read when the first sync starts (the demo
   * points them at its simulator, known only after the server listens); default: from config.
   */
  pagerduty?: () => PagerDutyClientSettings;
  /** What chose the port, for the message when it is taken (default `--port or PORT`). */
  portChosenBy?: string;
}

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  syncService: SyncService;
  /** The mirror's version behind the ETags, moved by the syncs' commits. */
  mirror: MirrorVersion;
  /** The base URL the server answers on. */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database, applies pending migrations (a failure stops start-up), builds the app and
 * listens on HOST:PORT.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const db = createDb(config.database, {
    sqliteReadWorkers: config.sqliteReadWorkers,
    taskState: analyticsState(config.analyticsCacheMb),
    taskModules: [ANALYTICS_TASKS_MODULE],
    onIdleConnectionError: (error) =>
      logger.warn({ error }, 'an idle database connection failed; it is replaced on demand'),
  });
  try {
    const applied = await migrateToLatest(db.db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    // A sync killed with SIGKILL leaves its run `running`: say what it is now, not at the next sync.
    const interrupted = await markInterruptedRuns(db.db, new Date());
    if (interrupted.length > 0)
      logger.warn({ run_ids: interrupted }, 'sync runs of stopped processes marked interrupted');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const mirror = new MirrorVersion(db.read);
  await mirror.start();
  const clientSettings = options.pagerduty ?? (() => pagerDutyClientSettings(config));
  const onCommitted = (version: number) => mirror.observe(version);
  // Syncs run in a worker thread, so that they hold up no request. An in-memory SQLite database
  // is this connection's alone (no other thread can open it): its syncs run here.
  const runner: SyncRunner =
    config.database.dialect === 'sqlite' && config.database.path === SQLITE_MEMORY
      ? new InProcessSyncRunner({
          db: db.db,
          createClient: () => new PagerDutyClient({ ...clientSettings(), logger }),
          logger,
          analytics: config.analytics,
          onCommitted,
        })
      : new WorkerSyncRunner({
          target: config.database,
          client: clientSettings,
          logger,
          analytics: config.analytics,
          onCommitted,
          db: db.db,
        });
  const syncService = new SyncService({ runner, logger, since: config.sync.since });
  if (!isLoopbackHost(config.host) && !config.apiToken)
    logger.warn(
      { host: config.host },
      'serving beyond loopback without API_TOKEN: anyone who can reach this address reads the mirror',
    );
  const app = await buildApp({
    config: { ...config, webhookSecret: config.pagerduty.webhookSecret },
    db,
    logger,
    syncService,
    analytics: config.analytics,
    mirror,
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    mirror.stop();
    await app.close();
    await syncService.close();
    await db.destroy();
    throw portInUse(error, config.host, config.port, options.portChosenBy ?? '--port or PORT');
  }
  // The read workers start now rather than on the first requests: a dashboard opened on a fresh
  // server waited for them. A failure here shows at first use.
  // Then the pinned worker reads its copies of the mirror (when it keeps them): requests that
  // come while one is read wait for it (mirror-copy.ts), so they are best read before they come.
  db.warm()
    .then(() => runAnalytics(db, 'readCopiesTask', { config: config.analytics }))
    .catch(() => undefined);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const stopSchedule = options.syncEveryMs
    ? scheduleSyncs(syncService, options.syncEveryMs, logger)
    : () => undefined;
  let closed = false;
  return {
    app,
    db,
    syncService,
    mirror,
    url: `http://${host}:${port}`,
    close: async () => {
      if (closed) return;
      closed = true;
      stopSchedule();
      mirror.stop();
      await app.close();
      // A running sync is stopped and records itself as failed before the database closes; then
      // the sync worker ends.
      await syncService.close();
      await db.destroy();
    },
  };
}
