// Runs every benchmark under bench/ (or those named on the command line) and prints its figures.
import { analyticsBenchmark } from './analytics-bench.js';
import { dashboardBenchmark } from './dashboard-bench.js';
import { loadBenchmark } from './load-bench.js';
import { pullBenchmark } from './pull-bench.js';
import { syncLargeBenchmark, syncMediumBenchmark } from './sync-bench.js';
import { upsertBenchmark } from './upsert-bench.js';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  upsert: upsertBenchmark,
  pull: pullBenchmark,
  analytics: analyticsBenchmark,
  dashboard: dashboardBenchmark,
  load: loadBenchmark,
  'sync-medium': syncMediumBenchmark,
  'sync-large': syncLargeBenchmark,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in BENCHMARKS)) {
    console.error(
      `bench: unknown benchmark '${name}'; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(BENCHMARKS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n# ${name}`);
  await run();
}
