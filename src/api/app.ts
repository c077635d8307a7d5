import type { Ajv } from 'ajv';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DEFAULT_ANALYTICS_CONFIG, type AnalyticsConfig, type Config } from '../config.js';
import { MirrorVersion } from '../mirror/mirror-version.js';
import { mirrorWriter } from '../mirror/mirror-writer.js';
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import { VERSION } from '../version.js';
import { registerErrorHandler } from './error-handler.js';
import { ERROR_SCHEMA } from './schemas/error.js';
import { apiV1 } from './api-v1.js';
import { registerRequestGuards } from './request-guards.js';
import { rootRoutes } from './routes/root-routes.js';
import { webRoutes } from './routes/web-routes.js';
import type { SyncService } from '../sync/index.js';

export interface AppDependencies {
  config: Pick<Config, 'apiToken' | 'adminToken' | 'host'> & {
    allowedHosts?: readonly string[];
    webhookSecret?: string | undefined;
  };
  db: Db;
  logger: Logger;
  /** Starts syncs for POST /sync; absent in apps that cannot sync. */
  syncService?: SyncService;
  /** "Now" for time-relative answers (upcoming shifts); the wall clock by default. */
  clock?: () => Date;
  /** How figures are computed (webhooks write them); the defaults when absent. */
  analytics?: AnalyticsConfig;
  /**
   * The mirror's version for ETags; shared with the sync service so that its writes move it at
   * once. When absent the app keeps its own, polled from the database.
   */
  mirror?: MirrorVersion;
}

/** What a keyword's validate function reports, in ajv's error shape. */
interface KeywordValidator {
  (schema: boolean, data: unknown): boolean;
  errors?: { keyword: string; message: string; params: Record<string, never> }[];
}

/**
 * `x-finite: true` on a number schema refuses Infinity and NaN: ajv coerces "1e309" to Infinity
 * and then skips its range checks for non-finite numbers.
 */
function finiteKeyword(ajv: Ajv): Ajv {
  const validate: KeywordValidator = (schema, data) => {
    if (!schema || typeof data !== 'number' || Number.isFinite(data)) return true;
    validate.errors = [{ keyword: 'x-finite', message: 'must be a finite number', params: {} }];
    return false;
  };
  // No `type`: ajv guards number keywords with isFinite(), which would skip the very case.
  return ajv.addKeyword({ keyword: 'x-finite', schemaType: 'boolean', errors: true, validate });
}

/**
 * A line per request at info buried what matters (sync runs, warnings): requests are logged at
 * debug; a request that failed still logs at error.
 */
class DebugRequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Builds the HTTP application without listening: tests drive it with inject(). */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is wider than Fastify's logger type; narrowing keeps plugins' types default.
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new DebugRequestLogs(),
    // Query strings like ?statuses=a&statuses=b arrive as arrays; ajv coerces types for us.
    ajv: {
      customOptions: {
        coerceTypes: 'array',
        removeAdditional: false,
        allErrors: false,
        keywords: ['example'],
      },
      plugins: [finiteKeyword],
    },
  });

  app.addSchema(ERROR_SCHEMA);
  registerErrorHandler(app);
  // Before any plugin: hooks added later would not reach the plugins' routes.
  registerRequestGuards(app, {
    host: deps.config.host,
    allowedHosts: deps.config.allowedHosts ?? [],
    apiToken: deps.config.apiToken,
  });

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

  await app.register(rootRoutes);
  await app.register(webRoutes);
  let mirror = deps.mirror;
  if (!mirror) {
    const own = new MirrorVersion(deps.db.read);
    await own.start();
    app.addHook('onClose', async () => own.stop());
    mirror = own;
  }
  const version = mirror;
  const analytics = deps.analytics ?? DEFAULT_ANALYTICS_CONFIG;
  await app.register(apiV1, {
    prefix: '/api/v1',
    db: deps.db,
    admin: deps.config,
    webhookSecret: deps.config.webhookSecret,
    syncService: deps.syncService,
    clock: deps.clock ?? (() => new Date()),
    mirror: version,
    analytics,
    writer: mirrorWriter(deps.db.db, analytics, (v) => version.observe(v)),
  });
  return app;
}
