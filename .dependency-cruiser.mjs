// The layering of src/ that docs/architecture.md describes, checked by `npm run lint`
// (`depcruise src`): a wrong arrow fails the lint, so the note cannot drift from the code.
// Rules are written by folder, so a new file in a folder is held by them at once.

/** Imports matching `from` → `to` fail the lint; `why` is said with the failure. */
const forbid = (name, why, from, to) => ({ name, severity: 'error', comment: why, from, to });

/** The named folders of src/, as a path pattern. */
const folders = (...names) => `^src/(${names.join('|')})/`;

const MIRROR_LAYER = ['mirror'];
const ABOVE_MIRROR = ['analytics', 'sync', 'api', 'cli', 'reports', 'charts', 'metabase', 'web'];

export default {
  forbidden: [
    forbid(
      'no-circular',
      'An import circle makes load order matter and two modules one: move the shared piece to a module of its own.',
      { path: '^src/' },
      { circular: true },
    ),
    forbid(
      'db-below-config-and-libraries',
      'src/db/ is storage: it reads no config (its settings are passed in) and knows nothing above it.',
      { path: '^src/db/' },
      {
        path: ['^src/config\\.ts$', folders(...MIRROR_LAYER, ...ABOVE_MIRROR, 'simulator')],
      },
    ),
    forbid(
      'shared-modules-below-libraries',
      'config.ts, errors.ts, logger.ts and version.ts are read by every layer: of the folders they use only db/ and time/.',
      { path: '^src/(config|errors|logger|version)\\.ts$' },
      { path: '^src/[^/]+/', pathNot: folders('db', 'time') },
    ),
    forbid(
      'mirror-below-libraries',
      'The mirror (src/mirror/) derives from the writes: it may use db, time, pagerduty types, config, errors and the logger, nothing above.',
      { path: folders(...MIRROR_LAYER) },
      { path: folders(...ABOVE_MIRROR, 'simulator') },
    ),
    forbid(
      'analytics-not-sync-or-adapters',
      'Analytics is read-only and knows no HTTP or command line: not sync, api or cli.',
      { path: folders('analytics') },
      { path: folders('sync', 'api', 'cli') },
    ),
    forbid(
      'libraries-not-adapters',
      'The libraries and what is under them serve the API and the CLI, never the other way round.',
      { path: folders('sync', ...MIRROR_LAYER, 'reports', 'charts', 'db', 'pagerduty', 'time') },
      { path: folders('api', 'cli', 'web') },
    ),
    forbid(
      'sync-not-the-read-side',
      'The sync writes; analytics, reports and charts read. Neither side imports the other.',
      { path: folders('sync') },
      { path: folders('analytics', 'reports', 'charts') },
    ),
    forbid(
      'read-side-not-sync',
      'Reports and charts are built on analytics, not on the sync.',
      { path: folders('reports', 'charts') },
      { path: folders('sync') },
    ),
    forbid(
      'pagerduty-client-stands-alone',
      'src/pagerduty/ is the HTTP client: of the folders it uses only time/ (besides config, errors, logger).',
      { path: folders('pagerduty') },
      { path: '^src/[^/]+/', pathNot: folders('pagerduty', 'time') },
    ),
    forbid(
      'simulator-stands-alone',
      "The simulator plays PagerDuty and is the tests' second opinion: it shares nothing with the code it checks but time/.",
      { path: folders('simulator') },
      { path: '^src/[^/]+/', pathNot: folders('simulator', 'time') },
    ),
    forbid(
      'time-at-the-bottom',
      'src/time/ is under everything: it imports only itself and errors.ts.',
      { path: folders('time') },
      { path: '^src/', pathNot: [folders('time'), '^src/errors\\.ts$'] },
    ),
    forbid(
      'routes-read-through-libraries',
      'A route reaches the database only through src/analytics/, src/mirror/ or src/sync/; it may name the Db and table types, nothing else of src/db/.',
      { path: '^src/api/routes/' },
      { path: folders('db'), pathNot: '^src/db/(connection|schema)\\.ts$' },
    ),
    forbid(
      'routes-import-only-db-types',
      'From src/db/connection.ts and src/db/schema.ts a route imports types only.',
      { path: '^src/api/routes/' },
      { path: '^src/db/(connection|schema)\\.ts$', dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'cli-reads-through-libraries',
      'A command reaches the data only through src/analytics/, src/mirror/ or src/sync/; of src/db/ it may open, migrate and back up a database, and name its types.',
      { path: folders('cli') },
      {
        path: folders('db'),
        pathNot: '^src/db/(connection|database-url|migrator|sqlite-backup|schema)\\.ts$',
      },
    ),
    forbid(
      'adapters-use-the-sync-entry',
      'The API and the CLI call the sync library through its one entry, src/sync/index.ts, so the modules behind it can change without them.',
      { path: folders('api', 'cli') },
      { path: folders('sync'), pathNot: '^src/sync/index\\.ts$' },
    ),
    forbid(
      'fastify-only-in-api',
      'Fastify is the API adapter: nothing outside src/api/ imports it.',
      { path: '^src/', pathNot: folders('api') },
      { path: 'node_modules/(fastify|@fastify/[^/]+)/' },
    ),
    forbid(
      'no-dev-dependencies-at-run-time',
      'A devDependency is not installed where the app runs (npm ci --omit=dev): src/ may name its types only. The bench and the tests use the rest (DuckDB, the bench anchor, among them).',
      { path: '^src/' },
      { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'web-talks-to-the-api-only',
      'The dashboard runs in the browser: it reads the API over HTTP, no server module.',
      { path: folders('web') },
      { path: '^src/', pathNot: folders('web') },
    ),
    forbid(
      'not-to-unresolvable',
      'An import that resolves to no file would hide its module from every rule above.',
      { path: '^src/' },
      { couldNotResolve: true },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a circle of types is a circle still, and a route must not lean on
    // more of src/db/ than its types.
    tsPreCompilationDeps: true,
    // The project's own resolution (NodeNext): `./x.js` in a source file names `./x.ts`.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
