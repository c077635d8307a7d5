import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';

export interface AuthOptions {
  apiToken: string | undefined;
  adminToken: string | undefined;
}

/** Paths under /api/v1 that stay open even when API_TOKEN is set. */
// Webhooks authenticate with their signature, not a bearer token.
const PUBLIC_PATHS = new Set(['/api/v1/health', '/api/v1/webhooks/pagerduty']);

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Compares in constant time so that response timing does not leak the token. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** True when the request carries the admin token. */
export function isAdmin(request: FastifyRequest, options: AuthOptions): boolean {
  const token = bearer(request);
  return (
    token !== undefined &&
    options.adminToken !== undefined &&
    tokensEqual(token, options.adminToken)
  );
}

/**
 * With API_TOKEN set, every /api/v1 route but health needs `Authorization: Bearer <API_TOKEN>`
 * (the admin token reads too). Without it the read API is open, as on a laptop.
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const { apiToken } = options;
  if (apiToken === undefined) return;
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/v1/') || PUBLIC_PATHS.has(path)) return;
    const token = bearer(request);
    if (token !== undefined && (tokensEqual(token, apiToken) || isAdmin(request, options))) return;
    throw new UnauthorizedError();
  });
}
