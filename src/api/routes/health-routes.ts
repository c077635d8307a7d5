import type { FastifyPluginAsync } from 'fastify';
import { LOG_LEVELS, type LogLevel } from '../../config.js';
import { readHealth } from '../../analytics/health.js';
import type { Db } from '../../db/connection.js';
import { COMMON_ERRORS } from '../schemas/error.js';

const HEALTH_SCHEMA = {
  type: 'object',
  required: ['status', 'version', 'database', 'last_sync'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    version: { type: 'string' },
    database: {
      type: 'object',
      required: ['dialect', 'reachable', 'schema_version', 'latest_schema_version'],
      properties: {
        dialect: { type: 'string', enum: ['sqlite', 'mysql', 'postgres'] },
        reachable: { type: 'boolean' },
        schema_version: { type: ['string', 'null'] },
        latest_schema_version: { type: 'string' },
      },
    },
    last_sync: {
      type: ['object', 'null'],
      properties: {
        id: { type: 'string' },
        kind: { type: 'string' },
        status: { type: 'string' },
        started_at: { type: 'string', format: 'date-time' },
        finished_at: { type: ['string', 'null'], format: 'date-time' },
        error: { type: ['string', 'null'] },
      },
    },
    analytics_cache: {
      type: ['object', 'null'],
      description:
        "The analytics' in-memory copy of the incident facts (ANALYTICS_CACHE_MB): the incident and noise metrics answer from it while it is of the mirror's current version, from SQL otherwise; null without one",
      properties: {
        state: {
          type: 'string',
          enum: ['empty', 'loading', 'ready', 'stale', 'disabled', 'over_cap'],
          description:
            'ready: answering; stale: the mirror has moved past it (read again with the next request once the mirror has been still for 2 s); loading: being read (requests wait for it, up to 30 s); over_cap: the mirror needs more than ANALYTICS_CACHE_MB',
        },
        incidents: { type: 'integer', description: 'Incidents in the copy' },
        bytes: { type: 'integer', description: 'Memory the copy takes' },
        version: { type: ['integer', 'null'], description: "The mirror's version it was read at" },
        cap_bytes: { type: 'integer', description: 'ANALYTICS_CACHE_MB, in bytes' },
        load_ms: { type: ['integer', 'null'], description: 'How long the last read took' },
        responders: {
          type: 'object',
          description:
            "The responders' copy (incident_responders and the on-call history), read at start-up after the facts' copy; the same states, each copy capped at ANALYTICS_CACHE_MB",
          properties: {
            state: {
              type: 'string',
              enum: ['empty', 'loading', 'ready', 'stale', 'disabled', 'over_cap'],
            },
            parts: { type: 'integer', description: 'incident_responders rows in the copy' },
            spans: { type: 'integer', description: 'On-call spans in the copy' },
            bytes: { type: 'integer', description: 'Memory the copy takes' },
            version: { type: ['integer', 'null'] },
            load_ms: { type: ['integer', 'null'] },
          },
        },
      },
    },
  },
  example: {
    status: 'ok',
    version: '0.1.0',
    database: {
      dialect: 'sqlite',
      reachable: true,
      schema_version: '0001-initial',
      latest_schema_version: '0001-initial',
    },
    last_sync: null,
    analytics_cache: {
      state: 'ready',
      incidents: 1000000,
      bytes: 69000000,
      version: 5312,
      cap_bytes: 268435456,
      load_ms: 4100,
    },
  },
} as const;

/**
 * Docker's HEALTHCHECK asks every 30 s: its request lines (info) would bury what matters, so they
 * show only at LOG_LEVEL debug or trace, as if logged at debug. A failing check still logs (error).
 */
function healthLogLevel(appLevel: string): LogLevel {
  if (appLevel === 'info') return 'warn';
  return LOG_LEVELS.find((level) => level === appLevel) ?? 'warn';
}

export const healthRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/health',
    {
      config: { public: true, cache: 'content' },
      logLevel: healthLogLevel(app.log.level),
      schema: {
        tags: ['health'],
        summary:
          'Whether the service and its database answer, the schema version and the last sync run',
        response: {
          200: { description: 'Healthy', ...HEALTH_SCHEMA },
          503: { description: 'The database does not answer', ...HEALTH_SCHEMA },
          500: COMMON_ERRORS[500],
        },
      },
    },
    async (request, reply) => {
      const health = await readHealth(db, (err) =>
        request.log.error({ err }, 'health check: database unreachable'),
      );
      return reply.status(health.status === 'ok' ? 200 : 503).send(health);
    },
  );
};
