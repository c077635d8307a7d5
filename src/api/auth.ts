import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';

export interface AuthOptions {
  apiToken: string | undefined;
  adminToken: string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Open even when API_TOKEN is set: health (for load balancers) and the webhook (PagerDuty
     * authenticates with its signature, not a bearer token).
     */
    public?: boolean;
  }
}

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
 * With API_TOKEN set, every route of `scope` (the /api/v1 plugin) but those marked public needs
 * `Authorization: Bearer <API_TOKEN>` (the admin token reads too); so does a path of the scope
 * that matches no route. Without it the read API is open, as on a laptop.
 *
 * The decision is taken on the route the router matched, inside the scope, never on the raw
 * URL: `/%61pi/v1/…` and `/api/%761/…` reach the same routes as `/api/v1/…`, and are guarded
 * the same way.
 */
export function registerAuth(scope: FastifyInstance, options: AuthOptions): void {
  const { apiToken } = options;
  if (apiToken === undefined) return;
  scope.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public === true) return;
    const token = bearer(request);
    if (token !== undefined && (tokensEqual(token, apiToken) || isAdmin(request, options))) return;
    throw new UnauthorizedError();
  });
}
