import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../config.js';
import { AppError, ForbiddenError } from '../errors.js';

export interface RequestGuardOptions {
  /** The address the server listens on (HOST). */
  host: string;
  /** ALLOWED_HOSTS: further names the server answers to (a proxy's, a browser's). */
  allowedHosts: readonly string[];
  apiToken: string | undefined;
}

/** Names that always mean this machine. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Fetch metadata values a browser sends for requests this server's own pages make. */
const SAME_SITE_FETCH = new Set(['same-origin', 'none']);

/** The host name of a Host header or an Origin's authority, lower-cased, without the port. */
export function hostNameOf(authority: string | undefined): string | undefined {
  if (!authority) return undefined;
  const value = authority.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(0, end + 1) : undefined;
  }
  return value.split(':')[0] || undefined;
}

/** True when the Origin header names this server's own origin (same host and port as Host). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return url.host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
  } catch {
    // "null" (sandboxed frames, file: pages) and garbage are foreign by definition.
    return false;
  }
}

/**
 * Checks every request before routing decides anything:
 *
 * - the request target must be a path: absolute-form (`GET http://host/api/v1/...`) is refused,
 *   so no check can be fooled by a target that is not what the router matches;
 * - on loopback without API_TOKEN (the laptop setup, where the server trusts whoever can reach
 *   it) only Host values that name this machine or ALLOWED_HOSTS are served: a DNS-rebinding page
 *   (evil.example resolving to 127.0.0.1) sends its own name and is refused;
 * - state-changing requests from another origin are refused (Origin and Sec-Fetch-Site), so a page
 *   open in the user's browser cannot start syncs: a body-less cross-site POST needs no preflight.
 */
export function registerRequestGuards(app: FastifyInstance, options: RequestGuardOptions): void {
  const trustsLoopback = options.apiToken === undefined && isLoopbackHost(options.host);
  const checkHost = trustsLoopback || options.allowedHosts.length > 0;
  const allowed = new Set(
    [
      ...(trustsLoopback || isLoopbackHost(options.host) ? LOOPBACK_NAMES : []),
      hostNameOf(options.host) ?? '',
      ...options.allowedHosts,
    ].filter(Boolean),
  );

  app.addHook('onRequest', async (request) => {
    if (!(request.raw.url ?? '').startsWith('/'))
      throw new AppError(
        'the request target must be a path (absolute-form requests are not accepted)',
        'invalid_request_target',
        400,
      );
    if (checkHost) {
      const name = hostNameOf(request.headers.host);
      if (name === undefined || !allowed.has(name))
        throw new ForbiddenError(
          'this server does not answer to that Host; add the name to ALLOWED_HOSTS',
          'host_not_allowed',
        );
    }
    if (!SAFE_METHODS.has(request.method)) {
      const site = request.headers['sec-fetch-site'];
      if (!sameOrigin(request) || (typeof site === 'string' && !SAME_SITE_FETCH.has(site)))
        throw new ForbiddenError(
          'cross-origin requests may not change state here',
          'cross_origin_refused',
        );
    }
  });
}
