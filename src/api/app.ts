import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import { VERSION } from '../version.js';
import { registerAuth } from './auth.js';
import { registerErrorHandler } from './error-handler.js';
import { ERROR_SCHEMA } from './error-schema.js';
import { healthRoutes } from './routes/health-routes.js';
import { rootRoutes } from './routes/root-routes.js';
import { webRoutes } from './routes/web-routes.js';
import { analyticsRoutes } from './routes/analytics-routes.js';
import { reportsRoutes } from './routes/reports-routes.js';
import { syncRoutes } from './routes/sync-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import type { SyncService } from '../sync/sync-service.js';

export interface AppDependencies {
  config: Pick<Config, 'apiToken' | 'adminToken' | 'host'> & { webhookSecret?: string | undefined };
  db: Db;
  logger: Logger;
  /** Starts syncs for POST /sync; absent in apps that cannot sync. */
  syncService?: SyncService;
  /** "Now" for time-relative answers (upcoming shifts); the wall clock by default. */
  clock?: () => Date;
}

/** Builds the HTTP application without listening: tests drive it with inject(). */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is wider than Fastify's logger type; narrowing keeps plugins' types default.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Query strings like ?statuses=a&statuses=b arrive as arrays; ajv coerces types for us.
    ajv: {
      customOptions: {
        coerceTypes: 'array',
        removeAdditional: false,
        allErrors: false,
        keywords: ['example'],
      },
    },
  });

  app.addSchema(ERROR_SCHEMA);
  registerErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'pd-analytics API',
        version: VERSION,
        description:
          'Analytics over a PagerDuty account mirrored into SQL. With API_TOKEN set, every /api/v1 route but /health needs `Authorization: Bearer <token>`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
      security: deps.config.apiToken ? [{ bearerAuth: [] }] : [],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });
  // Swagger UI's assets come from the installed package: no CDN, works offline.
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  registerAuth(app, deps.config);
  await app.register(rootRoutes);
  await app.register(webRoutes);
  await app.register(healthRoutes, { prefix: '/api/v1', db: deps.db });
  await app.register(syncRoutes, {
    prefix: '/api/v1',
    db: deps.db,
    syncService: deps.syncService,
    admin: deps.config,
  });
  await app.register(webhookRoutes, {
    prefix: '/api/v1',
    db: deps.db,
    secret: deps.config.webhookSecret,
  });
  const clock = deps.clock ?? (() => new Date());
  await app.register(analyticsRoutes, { prefix: '/api/v1', db: deps.db, clock });
  await app.register(reportsRoutes, { prefix: '/api/v1', db: deps.db, clock });
  return app;
}
