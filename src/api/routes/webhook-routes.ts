import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../db/connection.js';
import {
  AppError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from '../../errors.js';
import { applyWebhookEvent, type PdWebhookEvent } from '../../sync/webhook-events.js';
import { verifyPagerDutySignature } from '../../sync/webhook-signature.js';
import { COMMON_ERRORS, ERROR_REF } from '../error-schema.js';

export interface WebhookRoutesOptions {
  db: Db;
  secret: string | undefined;
}

/**
 * PagerDuty webhooks v3. The signature covers the raw bytes, so this plugin reads JSON bodies as
 * buffers (only here: the parser is scoped to this plugin) and parses them after verifying.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (
  app,
  { db, secret },
) => {
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );

  app.post<{ Body: Buffer }>(
    '/webhooks/pagerduty',
    {
      schema: {
        tags: ['sync'],
        summary: 'Receive a PagerDuty v3 webhook (signed with PAGERDUTY_WEBHOOK_SECRET)',
        description:
          'Verifies X-PagerDuty-Signature, deduplicates on X-Webhook-Id, applies incident events and service.deleted at once.',
        headers: {
          type: 'object',
          properties: {
            'x-pagerduty-signature': { type: 'string' },
            'x-webhook-id': { type: 'string' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: ['applied', 'duplicate', 'ignored'] } },
            example: { status: 'applied' },
          },
          400: COMMON_ERRORS[400],
          401: { description: 'Missing or wrong signature: nothing was stored', ...ERROR_REF },
          503: { description: 'PAGERDUTY_WEBHOOK_SECRET is not configured', ...ERROR_REF },
          500: COMMON_ERRORS[500],
        },
      },
    },
    async (request) => {
      if (!secret)
        throw new ServiceUnavailableError('webhooks are disabled: set PAGERDUTY_WEBHOOK_SECRET');
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) throw new ValidationError('the body must be JSON', 'body');
      const signature = request.headers['x-pagerduty-signature'];
      if (
        !verifyPagerDutySignature(
          raw,
          typeof signature === 'string' ? signature : undefined,
          secret,
        )
      ) {
        throw new UnauthorizedError('missing or invalid X-PagerDuty-Signature');
      }
      let payload: PdWebhookEvent;
      try {
        payload = JSON.parse(raw.toString('utf8')) as PdWebhookEvent;
      } catch {
        throw new ValidationError('the body is not valid JSON', 'body');
      }
      const event = payload?.event;
      if (!event?.id || !event.event_type || !event.data?.id)
        throw new ValidationError('not a PagerDuty v3 webhook event', 'event');
      const header = request.headers['x-webhook-id'];
      const deliveryId = typeof header === 'string' && header ? header : event.id;
      try {
        return { status: await applyWebhookEvent(db.db, payload, deliveryId, new Date()) };
      } catch (error) {
        if (error instanceof AppError) throw error;
        request.log.error({ err: error }, 'webhook could not be applied');
        throw error;
      }
    },
  );
};
