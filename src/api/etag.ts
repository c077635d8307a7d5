import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MirrorVersion } from '../mirror/mirror-version.js';
import { AnswerCache } from './answer-cache.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a GET's ETag is made. mirror (the default): from the mirror's version and the request,
     * before the handler runs, so a revalidation costs no query. clock: the same, and the
     * minute, for answers relative to now (upcoming shifts). content: from the body, for live
     * state outside the mirror (health, sync runs in progress).
     */
    cache?: 'mirror' | 'clock' | 'content';
    /**
     * With `cache: 'mirror'`: the answer is kept (AnswerCache) and sent again, without a query,
     * to the next request of the same URL while the mirror's version stays. For lists that read
     * several queries a request and that clients ask for again and again (the dashboard's).
     */
    keep?: boolean;
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
 * before any query. Routes that ask for it (`keep`) also have their answer kept under that tag
 * and sent again to requests without If-None-Match. Register after the token check: a 304 is an
 * answer too, and so is a kept one.
 */
export function registerEtags(scope: FastifyInstance, options: EtagOptions): void {
  const answers = new AnswerCache();
  // The version each kept route's request was tagged with, read before its queries run.
  const versions = new WeakMap<FastifyRequest, number>();
  const keeps = (request: FastifyRequest) =>
    request.method === 'GET' &&
    request.routeOptions.config.keep === true &&
    (request.routeOptions.config.cache ?? 'mirror') === 'mirror';

  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    if (!request.routeOptions.url) return;
    const mode = request.routeOptions.config.cache ?? 'mirror';
    if (mode === 'content') return;
    const version = options.version.current;
    const minute = mode === 'clock' ? Math.floor(options.clock().getTime() / 60_000) : '';
    const etag = tag(version, request.url, minute);
    if (matches(request.headers['if-none-match'], etag)) return notModified(reply, etag);
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (!keeps(request)) return;
    const kept = answers.get(version, request.url);
    // Sent as it was serialised and encoded: bytes skip the response schema.
    if (kept) return reply.code(200).type(kept.type).send(kept.body);
    versions.set(request, version);
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const version = versions.get(request);
    if (version !== undefined && reply.statusCode === 200 && typeof payload === 'string') {
      versions.delete(request);
      answers.set(version, request.url, payload, String(reply.getHeader('content-type')));
    }
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
