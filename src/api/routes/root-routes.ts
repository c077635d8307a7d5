import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../../version.js';
import { arr, obj, str } from '../schemas/common.js';
import { COMMON_ERRORS } from '../schemas/error.js';

interface OpenApiPaths {
  paths?: Record<string, Record<string, { summary?: string }>>;
}

/** Every operation of the OpenAPI document, so that `/api` lists what is there, not a chosen few. */
function documentedRoutes(doc: OpenApiPaths): { method: string; path: string; summary: string }[] {
  return Object.entries(doc.paths ?? {})
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? '',
      })),
    )
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

export const rootRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api',
    {
      schema: {
        tags: ['meta'],
        summary: 'Links to the API documentation, the OpenAPI document and every route',
        response: {
          200: obj(
            {
              name: str(),
              version: str(),
              docs: str(),
              openapi: str(),
              health: str(),
              routes: {
                description: 'Every route of the OpenAPI document, by path',
                ...arr(obj({ method: str(), path: str(), summary: str() })),
              },
            },
            {
              example: {
                name: 'pd-analytics',
                version: '0.1.0',
                docs: '/api/docs',
                openapi: '/api/openapi.json',
                health: '/api/v1/health',
                routes: [
                  {
                    method: 'GET',
                    path: '/api/v1/services/count',
                    summary: 'How many services exist in PagerDuty',
                  },
                ],
              },
            },
          ),
          500: COMMON_ERRORS[500],
        },
      },
    },
    async () => ({
      name: 'pd-analytics',
      version: VERSION,
      docs: '/api/docs',
      openapi: '/api/openapi.json',
      health: '/api/v1/health',
      routes: documentedRoutes(app.swagger() as OpenApiPaths),
    }),
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
