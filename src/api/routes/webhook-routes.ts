import type { FastifyPluginAsync } from 'fastify';
import { ValidationError } from '../../errors.js';
import {
  handleWebhook,
  WEBHOOK_MAX_AGE_MS,
  WEBHOOK_OUTCOMES,
  type MirrorWriter,
} from '../../sync/index.js';
import { COMMON_ERRORS, ERROR_REF } from '../schemas/error.js';

export interface WebhookRoutesOptions {
  writer: MirrorWriter;
  secret: string | undefined;
  clock: () => Date;
}

/** Several v1= values during a secret rotation, each 67 characters. */
const MAX_SIGNATURE_HEADER = 1024;

/**
 * PagerDuty webhooks v3. The signature covers the raw bytes, so this plugin reads JSON bodies as
 * buffers (only here: the parser is scoped to this plugin) and parses them after verifying.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (
  app,
  { writer, secret, clock },
) => {
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );

  app.post<{ Body: Buffer }>(
    '/webhooks/pagerduty',
    {
      config: { public: true },
      schema: {
        tags: ['sync'],
        summary: 'Receive a PagerDuty v3 webhook (signed with PAGERDUTY_WEBHOOK_SECRET)',
        description: `Verifies X-PagerDuty-Signature (HMAC-SHA256 of the raw body), checks the event's shape (400, nothing stored, when malformed), deduplicates on the signed event.id, does not apply events that occurred over ${WEBHOOK_MAX_AGE_MS / 60_000} minutes ago (stale), and applies incident events and service.deleted at once. Every event type is accepted, those PagerDuty adds later included: an event about a sub-resource of an incident (note, status update, responder, conference bridge, workflow, task, custom fields, role, action invocation) has the next sync read that incident again (pending), and types the mirror does not keep are ignored. An event older than the state already stored changes nothing (superseded): PagerDuty does not promise delivery order. When the database cannot take the event, the answer is 503 with Retry-After, so that PagerDuty delivers it again.`,
        headers: {
          type: 'object',
          properties: {
            'x-pagerduty-signature': { type: 'string', maxLength: MAX_SIGNATURE_HEADER },
            'x-webhook-id': { type: 'string', maxLength: 128 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: [...WEBHOOK_OUTCOMES] } },
            example: { status: 'applied' },
          },
          400: COMMON_ERRORS[400],
          401: { description: 'Missing or wrong signature: nothing was stored', ...ERROR_REF },
          503: {
            description:
              'PAGERDUTY_WEBHOOK_SECRET is not configured, or the database could not take the event (with Retry-After: PagerDuty retries)',
            ...ERROR_REF,
          },
          500: COMMON_ERRORS[500],
        },
      },
    },
    async (request) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) throw new ValidationError('the body must be JSON', 'body');
      const signature = request.headers['x-pagerduty-signature'];
      return {
        status: await handleWebhook(
          { writer, secret, logger: request.log },
          { raw, signature: typeof signature === 'string' ? signature : undefined },
          clock(),
        ),
      };
    },
  );
};
