import type { FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../config.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
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
}
