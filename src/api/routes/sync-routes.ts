import type { FastifyPluginAsync } from 'fastify';
import {
  findSyncRunView,
  listSyncRunViews,
  type SyncRunView,
} from '../../analytics/sync-runs-analytics.js';
import type { Db } from '../../db/connection.js';
import { NotFoundError, ServiceUnavailableError } from '../../errors.js';
import {
  parseSyncRequest,
  SYNC_MODES,
  SYNC_RESOURCES,
  type SyncMode,
  type SyncResource,
  type SyncService,
} from '../../sync/index.js';
import { requireAdmin, type AdminOptions } from '../admin.js';
import { COMMON_ERRORS, ERROR_REF } from '../schemas/error.js';
import { idParams, paginationQuery, querySchema } from '../schemas/common.js';

const RUN_SCHEMA = {
  type: 'object',
  required: [
    'id',
    'kind',
    'status',
    'started_at',
    'finished_at',
    'counts',
    'requests',
    'rate_limited',
    'retries',
    'error',
    'progress',
  ],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['full', 'incremental'] },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    started_at: { type: 'string', format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
    counts: {
      type: 'object',
      additionalProperties: { type: 'integer' },
      description: 'Rows written per resource',
    },
    requests: { type: 'integer', description: 'Requests made to PagerDuty' },
    rate_limited: { type: 'integer', description: '429 answers met' },
    retries: { type: 'integer' },
    error: { type: ['string', 'null'] },
    progress: {
      type: ['object', 'null'],
      description: 'Live progress per resource while the run is running in this server process',
      additionalProperties: {
        type: 'object',
        properties: {
          state: { type: 'string', enum: ['pending', 'running', 'done'] },
          written: { type: 'integer' },
          total: { type: 'integer' },
        },
      },
    },
  },
  example: {
    id: '3f0c9d0e-6a47-4c61-9b1c-2f1f1f0a7b11',
    kind: 'incremental',
    status: 'succeeded',
    started_at: '2026-11-27T12:00:00.000Z',
    finished_at: '2026-11-27T12:00:02.000Z',
    counts: { services: 24, incidents: 3 },
    requests: 8,
    rate_limited: 0,
    retries: 0,
    error: null,
    progress: null,
  },
} as const;

export interface SyncRoutesOptions {
  db: Db;
  syncService: SyncService | undefined;
  admin: AdminOptions;
}

export const syncRoutes: FastifyPluginAsync<SyncRoutesOptions> = async (
  app,
  { db, syncService, admin },
) => {
  const present = (run: SyncRunView) => ({
    ...run,
    progress: syncService?.progress(run.id)?.resources ?? null,
  });

  app.post<{
    Body: { mode?: SyncMode; since?: string; resources?: SyncResource[] } | undefined;
  }>(
    '/sync',
    {
      // Authorised before the body is read: a refused request costs no parsing.
      onRequest: async (request) => requireAdmin(request, admin),
      schema: {
        tags: ['sync'],
        summary: 'Start a sync (needs the admin token); answers at once with the run id',
        security: [{ bearerAuth: [] }],
        body: {
          type: 'object',
          nullable: true,
          additionalProperties: false,
          properties: {
            mode: { type: 'string', enum: [...SYNC_MODES], default: 'auto' },
            since: {
              type: 'string',
              maxLength: 40,
              description:
                "Start of the incident history (ISO date or date-time; UTC when no offset). Earlier than the mirror's history: the missing range is read (a backfill)",
              example: '2025-01-01',
            },
            resources: {
              type: 'array',
              items: { type: 'string', enum: [...SYNC_RESOURCES] },
              minItems: 1,
            },
          },
        },
        response: {
          202: {
            description: 'Started',
            type: 'object',
            required: ['id', 'status', 'links'],
            properties: {
              id: { type: 'string' },
              status: { type: 'string', enum: ['running'] },
              links: { type: 'object', properties: { self: { type: 'string' } } },
            },
            example: {
              id: '3f0c9d0e-6a47-4c61-9b1c-2f1f1f0a7b11',
              status: 'running',
              links: { self: '/api/v1/sync/runs/3f0c9d0e-6a47-4c61-9b1c-2f1f1f0a7b11' },
            },
          },
          400: COMMON_ERRORS[400],
          401: COMMON_ERRORS[401],
          403: {
            description:
              'No ADMIN_TOKEN configured and the server listens beyond loopback; or a cross-origin request',
            ...ERROR_REF,
          },
          415: {
            description:
              'Without ADMIN_TOKEN (loopback only) the request must be application/json, so that no web page can send it',
            ...ERROR_REF,
          },
          409: {
            description:
              "A sync is already running (error.run_id names it); or PAGERDUTY_TOKEN reads another account than the mirror's (account_mismatch: `pd-analytics sync --fresh` moves the mirror to it)",
            ...ERROR_REF,
          },
          503: { description: 'Sync is not configured (PAGERDUTY_TOKEN)', ...ERROR_REF },
          500: COMMON_ERRORS[500],
        },
      },
    },
    async (request, reply) => {
      if (!syncService) throw new ServiceUnavailableError('sync is not available in this server');
      const id = await syncService.start(parseSyncRequest(request.body ?? {}, new Date()));
      return reply
        .status(202)
        .send({ id, status: 'running', links: { self: `/api/v1/sync/runs/${id}` } });
    },
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/sync/runs',
    {
      // Runs in progress change without a write to the mirror (their live progress).
      config: { cache: 'content' },
      schema: {
        tags: ['sync'],
        summary: 'Sync runs, newest first, with live progress for a running one',
        querystring: querySchema(paginationQuery(50, 500)),
        response: {
          200: {
            type: 'object',
            required: ['runs', 'total', 'limit', 'offset'],
            properties: {
              runs: { type: 'array', items: RUN_SCHEMA },
              total: { type: 'integer' },
              limit: { type: 'integer' },
              offset: { type: 'integer' },
            },
          },
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const { items, total, limit, offset } = await listSyncRunViews(
        db.db,
        request.query.limit,
        request.query.offset,
      );
      return { runs: items.map(present), total, limit, offset };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/sync/runs/:id',
    {
      config: { cache: 'content' },
      schema: {
        tags: ['sync'],
        summary: 'One sync run',
        params: idParams(),
        response: {
          200: RUN_SCHEMA,
          404: { description: 'No such run', ...ERROR_REF },
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const run = await findSyncRunView(db.db, request.params.id);
      if (!run) throw new NotFoundError(`no sync run ${request.params.id}`);
      return present(run);
    },
  );
};
