import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../../version.js';
import { COMMON_ERRORS } from '../schemas/error.js';

export const rootRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api',
    {
      schema: {
        tags: ['meta'],
        summary: 'Links to the API documentation and the OpenAPI document',
        response: {
          200: {
            type: 'object',
            required: ['name', 'version', 'docs', 'openapi', 'health'],
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              docs: { type: 'string' },
              openapi: { type: 'string' },
              health: { type: 'string' },
            },
            example: {
              name: 'pd-analytics',
              version: '0.1.0',
              docs: '/api/docs',
              openapi: '/api/openapi.json',
              health: '/api/v1/health',
            },
          },
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
    }),
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
