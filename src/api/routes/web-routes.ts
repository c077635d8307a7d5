import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';

// The page and its stylesheet sit in src/web; the dashboard's modules are TypeScript compiled
// by `npm run build` (which `npm install` runs) into dist/web. Both paths are the same seen
// from src/ (tests) and dist/ (the CLI). ECharts comes from the installed package, so nothing
// is fetched from a CDN and the dashboard works offline.
const WEB_DIR = new URL('../../../src/web/', import.meta.url);
const BUILT_DIR = new URL('../../../dist/web/', import.meta.url);
const ECHARTS_FILE = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
const MODULE = /^[a-z][a-z0-9-]*\.js$/;
const JS = 'text/javascript; charset=utf-8';

interface Asset {
  body: Buffer;
  type: string;
}

/** The dashboard's compiled modules, by file name (none when the build has not run). */
function builtModules(): Map<string, Asset> {
  const modules = new Map<string, Asset>();
  if (!fs.existsSync(BUILT_DIR)) return modules;
  for (const name of fs.readdirSync(BUILT_DIR))
    if (MODULE.test(name))
      modules.set(name, { body: fs.readFileSync(new URL(name, BUILT_DIR)), type: JS });
  return modules;
}

/** The web dashboard at / and its assets under /assets. */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const index = fs.readFileSync(new URL('index.html', WEB_DIR));
  // A fixed set read once at start-up: no path from a request ever reaches the file system.
  const files = new Map<string, Asset>([
    ...builtModules(),
    [
      'dashboard.css',
      { body: fs.readFileSync(new URL('dashboard.css', WEB_DIR)), type: 'text/css; charset=utf-8' },
    ],
    ['echarts.min.js', { body: fs.readFileSync(ECHARTS_FILE), type: JS }],
  ]);
  if (!files.has('dashboard.js'))
    app.log.warn('the dashboard is not built (dist/web/dashboard.js): run npm run build');

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
