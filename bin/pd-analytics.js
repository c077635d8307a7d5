#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'pd-analytics: dist/ is missing; run `npm run build` (npm install does it) first\n',
  );
  process.exit(1);
}
const { run } = await import(entry.href);
await run();
