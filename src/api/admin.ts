import type { FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../config.js';
import { AppError, ForbiddenError, UnauthorizedError } from '../errors.js';
import { isAdmin, type AuthOptions } from './auth.js';

export interface AdminOptions extends AuthOptions {
  host: string;
}

/**
 * Admin actions (starting a sync) need `Authorization: Bearer <ADMIN_TOKEN>`. Without an
 * ADMIN_TOKEN they are allowed only while the server listens on loopback, where only this
 * machine can reach it.
 */
export function requireAdmin(request: FastifyRequest, options: AdminOptions): void {
  if (options.adminToken !== undefined) {
    if (!isAdmin(request, options))
      throw new UnauthorizedError('this action needs Authorization: Bearer <ADMIN_TOKEN>');
    return;
  }
  if (!isLoopbackHost(options.host)) {
    throw new ForbiddenError(
      'set ADMIN_TOKEN to allow this action: the server listens beyond loopback',
      'admin_token_required',
    );
  }
  // Trusting loopback means trusting every page the user's browser has open. A cross-site
  // request can be a body-less POST or a form (no preflight); a JSON body cannot be sent
  // cross-site without a CORS preflight, which this server never grants.
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new AppError(
      "this action needs Content-Type: application/json (for example curl -H 'content-type: application/json' -d '{}')",
      'json_required',
      415,
    );
}
