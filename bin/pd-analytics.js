#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// V8 lets a heap grow up to four times what survived its last full collection before the next
// one. The read workers turn a million rows into short-lived values at every analytics request,
// and at a million incidents a serve process grew by 25-90 MB a request that way, to 1 GB, most
// of it garbage: growing by a fifth collects sooner (the figures, and what it costs in time, are
// in bench/RESULTS.md). Set before any worker starts: V8's flags are the process's.
setFlagsFromString('--heap-growing-percent=20');

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'pd-analytics: dist/ is missing; run `npm run build` (npm install does it) first\n',
  );
  process.exit(1);
}
const { run } = await import(entry.href);
await run();
