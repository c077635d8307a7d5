import type { FastifyPluginAsync } from 'fastify';
import type { AnalyticsConfig } from '../config.js';
import type { Db } from '../db/connection.js';
import type { MirrorVersion } from '../mirror/mirror-version.js';
import type { MirrorWriter } from '../mirror/mirror-writer.js';
import { registerEtags } from './etag.js';
import type { SyncService } from '../sync/index.js';
import type { AdminOptions } from './admin.js';
import { registerAuth } from './auth.js';
import { notFoundHandler } from './error-handler.js';
import { analyticsRoutes } from './routes/analytics-routes.js';
import { escalationPoliciesRoutes } from './routes/escalation-policies-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { incidentsRoutes } from './routes/incidents-routes.js';
import { reportsRoutes } from './routes/reports-routes.js';
import { servicesRoutes } from './routes/services-routes.js';
import { syncRoutes } from './routes/sync-routes.js';
import { teamsRoutes } from './routes/teams-routes.js';
import { usersRoutes } from './routes/users-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';

export interface ApiV1Options {
  db: Db;
  admin: AdminOptions;
  webhookSecret: string | undefined;
  syncService: SyncService | undefined;
  clock: () => Date;
  mirror: MirrorVersion;
  /** How the figures are computed (hours, holidays, zone): the reads' and the writes' alike. */
  analytics: AnalyticsConfig;
  /** How webhooks write the mirror. */
  writer: MirrorWriter;
}

/**
 * Everything under /api/v1, in one plugin scope: the bearer-token hook and the scope's 404 live
 * here, so authorisation follows the route the router matched, whatever the path's spelling.
 */
export const apiV1: FastifyPluginAsync<ApiV1Options> = async (scope, options) => {
  const { db, admin, clock } = options;
  registerAuth(scope, admin);
  // After the token check: a 304 is an answer too.
  registerEtags(scope, { version: options.mirror, clock });
  // Set again in this scope so that its hooks (the token check) run for unknown paths too.
  scope.setNotFoundHandler(notFoundHandler);
  await scope.register(healthRoutes, { db });
  await scope.register(syncRoutes, { db, syncService: options.syncService, admin });
  await scope.register(webhookRoutes, {
    writer: options.writer,
    secret: options.webhookSecret,
    clock,
  });
  for (const routes of [
    servicesRoutes,
    incidentsRoutes,
    teamsRoutes,
    escalationPoliciesRoutes,
    usersRoutes,
    analyticsRoutes,
    reportsRoutes,
  ])
    await scope.register(routes, { db, clock, analytics: options.analytics });
};
