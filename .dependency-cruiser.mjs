// The layering of src/ that docs/architecture.md describes, checked by `npm run lint`
// (`depcruise src`): a wrong arrow fails the lint, so the note cannot drift from the code.
// Rules are written by folder, so a new file in a folder is held by them at once.

/** Everything above src/db/: the libraries over the storage, the adapters, the simulator. */
const ABOVE_DB =
  '^src/(analytics|sync|api|cli|reports|charts|facts|mirror|metabase|simulator|web)/';

export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import circle makes load order matter and the two modules one: move the shared piece to a module of its own.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'db-below-config-and-libraries',
      severity: 'error',
      comment:
        'src/db/ is storage: it reads no config (its defaults are its own, passed in by the caller) and knows nothing above it.',
      from: { path: '^src/db/' },
      // The one exception, until the facts repository moves to src/mirror/ beside the facts it
      // stores (under way): src/db/repositories/incident-facts-repository.ts names their types.
      to: { path: ['^src/config\\.ts$', ABOVE_DB], pathNot: '^src/facts/incident-facts\\.ts$' },
    },
    {
      name: 'mirror-below-libraries',
      severity: 'error',
      comment:
        'The mirror layer (src/mirror/, and src/facts/ until it moves there) derives from the writes: it may use db, time, pagerduty types, config and errors, nothing above.',
      from: { path: '^src/(mirror|facts)/' },
      to: { path: '^src/(analytics|sync|api|cli|reports|charts|metabase|simulator|web)/' },
    },
    {
      name: 'analytics-not-sync-or-adapters',
      severity: 'error',
      comment: 'Analytics is read-only and knows no HTTP or command line: not sync, api or cli.',
      from: { path: '^src/analytics/' },
      to: { path: '^src/(sync|api|cli)/' },
    },
    {
      name: 'libraries-not-adapters',
      severity: 'error',
      comment:
        'The libraries and what is under them are used by the API and the CLI, never the other way round.',
      from: { path: '^src/(sync|mirror|facts|reports|charts|db|pagerduty|time)/' },
      to: { path: '^src/(api|cli|web)/' },
    },
    {
      name: 'sync-not-the-read-side',
      severity: 'error',
      comment:
        'The sync writes; analytics, reports and charts read. Neither side imports the other.',
      from: { path: '^src/sync/' },
      to: { path: '^src/(analytics|reports|charts)/' },
    },
    {
      name: 'read-side-not-sync',
      severity: 'error',
      comment: 'Reports and charts are built on analytics, not on the sync.',
      from: { path: '^src/(reports|charts)/' },
      to: { path: '^src/sync/' },
    },
    {
      name: 'pagerduty-client-stands-alone',
      severity: 'error',
      comment:
        'src/pagerduty/ is the HTTP client: of the folders it uses only time/ (besides config, errors, logger).',
      from: { path: '^src/pagerduty/' },
      to: { path: '^src/[^/]+/', pathNot: '^src/(pagerduty|time)/' },
    },
    {
      name: 'simulator-stands-alone',
      severity: 'error',
      comment:
        "The simulator plays PagerDuty and is the tests' second opinion: it shares nothing with the code it checks but time/.",
      from: { path: '^src/simulator/' },
      to: { path: '^src/[^/]+/', pathNot: '^src/(simulator|time)/' },
    },
    {
      name: 'time-at-the-bottom',
      severity: 'error',
      comment: 'src/time/ is under everything: it imports only itself and errors.ts.',
      from: { path: '^src/time/' },
      to: { path: '^src/', pathNot: ['^src/time/', '^src/errors\\.ts$'] },
    },
    {
      name: 'routes-read-through-libraries',
      severity: 'error',
      comment:
        'A route reaches the database only through src/analytics/, src/mirror/ or src/sync/; it may name the Db and table types, nothing else of src/db/.',
      from: { path: '^src/api/routes/' },
      to: { path: '^src/db/', pathNot: '^src/db/(connection|schema)\\.ts$' },
    },
    {
      name: 'routes-import-only-db-types',
      severity: 'error',
      comment: 'From src/db/connection.ts and src/db/schema.ts a route imports types only.',
      from: { path: '^src/api/routes/' },
      to: { path: '^src/db/(connection|schema)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-reads-through-libraries',
      severity: 'error',
      comment:
        'A command reaches the data only through src/analytics/, src/mirror/ or src/sync/; of src/db/ it may open, migrate and back up a database, and name its types.',
      from: { path: '^src/cli/' },
      to: {
        path: '^src/db/',
        pathNot: '^src/db/(connection|database-url|migrator|sqlite-backup|schema)\\.ts$',
      },
    },
    {
      name: 'fastify-only-in-api',
      severity: 'error',
      comment: 'Fastify is the API adapter: nothing outside src/api/ imports it.',
      from: { path: '^src/', pathNot: '^src/api/' },
      to: { path: 'node_modules/(fastify|@fastify/[^/]+)/' },
    },
    {
      name: 'web-talks-to-the-api-only',
      severity: 'error',
      comment: 'The dashboard runs in the browser: it reads the API over HTTP, no server module.',
      from: { path: '^src/web/' },
      to: { path: '^src/', pathNot: '^src/web/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file would hide its module from every rule above.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
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
    reporterOptions: { text: { highlightFocused: true } },
  },
};
