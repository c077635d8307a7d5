import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';

// The dashboard's files sit in src/web, next to dist/ in the package: the same path from src/
// (tests) and dist/ (the CLI). ECharts comes from the installed package, so nothing is fetched
// from a CDN and the dashboard works offline.
const WEB_DIR = new URL('../../../src/web/', import.meta.url);
const ECHARTS_FILE = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');

const ASSETS: Record<string, { file: URL | string; type: string }> = {
  'dashboard.js': {
    file: new URL('dashboard.js', WEB_DIR),
    type: 'text/javascript; charset=utf-8',
  },
  'dashboard.css': { file: new URL('dashboard.css', WEB_DIR), type: 'text/css; charset=utf-8' },
  'echarts.min.js': { file: ECHARTS_FILE, type: 'text/javascript; charset=utf-8' },
};

/** The web dashboard at / and its assets under /assets. */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const index = fs.readFileSync(new URL('index.html', WEB_DIR));
  const files = new Map(
    Object.entries(ASSETS).map(([name, asset]) => [
      name,
      { body: fs.readFileSync(asset.file), type: asset.type },
    ]),
  );

  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(index),
  );
  // Browsers ask for it on every page; there is none.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
    reply.status(204).send(),
  );
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { schema: { hide: true } },
    async (request, reply) => {
      const asset = files.get(request.params.name);
      if (!asset) return reply.callNotFound();
      return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
    },
  );
};
