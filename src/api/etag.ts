import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MirrorVersion } from '../mirror/mirror-version.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a GET's ETag is made. mirror (the default): from the mirror's version and the request,
     * before the handler runs, so a revalidation costs no query. clock: the same, and the
     * minute, for answers relative to now (upcoming shifts). content: from the body, for live
     * state outside the mirror (health, sync runs in progress).
     */
    cache?: 'mirror' | 'clock' | 'content';
  }
}

export interface EtagOptions {
  version: MirrorVersion;
  clock: () => Date;
}

function tag(...parts: (string | number)[]): string {
  const hash = crypto.createHash('sha1').update(parts.join('\n')).digest('base64url').slice(0, 22);
  return `W/"${hash}"`;
}

/** True when an If-None-Match header names this ETag (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === opaque);
}

function notModified(reply: FastifyReply, etag: string) {
  return reply.code(304).header('etag', etag).header('cache-control', 'private, no-cache').send();
}

/**
 * ETags on every GET of the scope, with `Cache-Control: private, no-cache` so that browsers
 * revalidate. Every figure under /api/v1 changes only when the mirror does (a sync, a webhook):
 * the tag is the mirror's version with the request, and If-None-Match that names it gets 304
 * before any query. Register after the token check: a 304 is an answer too.
 */
export function registerEtags(scope: FastifyInstance, options: EtagOptions): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    if (!request.routeOptions.url) return;
    const mode = request.routeOptions.config.cache ?? 'mirror';
    if (mode === 'content') return;
    const minute = mode === 'clock' ? Math.floor(options.clock().getTime() / 60_000) : '';
    const etag = tag(options.version.current, request.url, minute);
    if (matches(request.headers['if-none-match'], etag)) return notModified(reply, etag);
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' || request.routeOptions.config.cache !== 'content') return payload;
    if (reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload)))
      return payload;
    const etag = tag(crypto.createHash('sha1').update(payload).digest('hex'));
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (!matches(request.headers['if-none-match'], etag)) return payload;
    reply.code(304);
    return '';
  });
}
