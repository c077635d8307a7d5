import type { MirrorWriter } from '../mirror/mirror-writer.js';
import {
  AppError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { parseWebhookEvent } from './webhook-event-parser.js';
import { applyWebhookEvent, type WebhookOutcome } from './webhook-events.js';
import { verifyPagerDutySignature } from './webhook-signature.js';

/** When PagerDuty should deliver again an event the database could not take. */
const WEBHOOK_RETRY_AFTER_SECONDS = 30;

export interface WebhookDelivery {
  /** The body's bytes as received: the signature covers them, not a re-serialised JSON. */
  raw: Buffer;
  /** X-PagerDuty-Signature (several `v1=` values during a secret rotation). */
  signature: string | undefined;
}

/**
 * One PagerDuty v3 webhook delivery, from its raw bytes to the mirror: verify, parse, apply.
 * Throws the typed errors the adapter maps: 503 when webhooks are off or the database cannot
 * take the event now (PagerDuty counts any non-2xx as failed and delivers again), 401 on a
 * missing or wrong signature, 400 on a malformed event (nothing is stored).
 */
export async function handleWebhook(
  deps: { writer: MirrorWriter; secret: string | undefined; logger: Pick<Logger, 'error'> },
  delivery: WebhookDelivery,
  now: Date,
): Promise<WebhookOutcome> {
  if (!deps.secret)
    throw new ServiceUnavailableError('webhooks are disabled: set PAGERDUTY_WEBHOOK_SECRET');
  if (!verifyPagerDutySignature(delivery.raw, delivery.signature, deps.secret))
    throw new UnauthorizedError('missing or invalid X-PagerDuty-Signature');
  let json: unknown;
  try {
    json = JSON.parse(delivery.raw.toString('utf8'));
  } catch {
    throw new ValidationError('the body is not valid JSON', 'body');
  }
  const payload = parseWebhookEvent(json);
  try {
    return await applyWebhookEvent(deps.writer, payload, now);
  } catch (error) {
    if (error instanceof AppError) throw error;
    // A database that cannot take the event now (locked, restarting, a constraint) must not
    // lose it as a 500 would: a 503 has PagerDuty deliver it again.
    deps.logger.error(
      { err: error, event_id: payload.event.id, event_type: payload.event.event_type },
      'webhook could not be applied; PagerDuty is asked to retry',
    );
    throw new ServiceUnavailableError(
      'the event could not be stored now; retry later',
      WEBHOOK_RETRY_AFTER_SECONDS,
    );
  }
}
