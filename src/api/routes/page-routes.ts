import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { COUNT, page, type PageQuery } from '../schemas/common.js';
import { COMMON_ERRORS } from '../schemas/error.js';

// The directory and incident lists answer in one shape ({ <key>: [...], total, limit, offset })
// and their counts in another ({ count }); declaring each route through these keeps the shape,
// its schema in the OpenAPI document and the error responses from drifting apart between them.

/** What a route declares about itself for the OpenAPI document, beside its responses. */
interface RouteDocs {
  tags: string[];
  summary: string;
  description?: string;
}

/** Declares GET `url`, answering `{ count }` with what `count` finds. */
export function countRoute(
  app: FastifyInstance,
  url: string,
  docs: RouteDocs,
  count: () => Promise<number>,
): void {
  app.get(url, { schema: { ...docs, response: { 200: COUNT, ...COMMON_ERRORS } } }, async () => ({
    count: await count(),
  }));
}

/**
 * Declares GET `url`, answering a page of a list: the items `list` finds, under `key`, each
 * matching the `item` schema, with the total and the paging asked for.
 */
export function pageRoute<Query extends PageQuery, Params = unknown>(
  app: FastifyInstance,
  url: string,
  declaration: {
    config?: FastifyContextConfig;
    /** The route's documentation and its request schemas (querystring, params). */
    schema: RouteDocs & { params?: unknown; querystring: unknown };
    key: string;
    item: unknown;
    /** Error responses of this route beside the common ones (a 404 for an unknown parent). */
    errors?: Record<number, unknown>;
  },
  list: (
    request: FastifyRequest<{ Querystring: Query; Params: Params }>,
  ) => Promise<{ items: readonly unknown[]; total: number }>,
): void {
  type Request = FastifyRequest<{ Querystring: Query; Params: Params }>;
  const { config, schema, key, item, errors } = declaration;
  app.get<{ Querystring: Query; Params: Params }>(
    url,
    {
      ...(config ? { config } : {}),
      schema: { ...schema, response: { 200: page(key, item), ...errors, ...COMMON_ERRORS } },
    },
    async (request: Request) => {
      const { items, total } = await list(request);
      // Fastify's types leave the query of a generic `Query` unresolved; it extends PageQuery.
      const { limit, offset } = request.query as PageQuery;
      return { [key]: items, total, limit, offset };
    },
  );
}
