// Starting a worker thread of this project's own code, from dist/ and from src/ alike, and
// lowering its priority: shared by the read workers (src/db/read-pool.ts) and the sync worker
// (src/sync/worker-sync-runner.ts).
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

// The code is TypeScript in src/ (tests and `npm run bench` run from src/) and JavaScript in
// dist/. Node's own type stripping does not map our `.js` import specifiers to `.ts` files, so
// from src/ a worker starts through tsx (a dev dependency, present wherever src/ runs).
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The URL of a worker module named without its extension, beside the module at `base`. */
export function workerModuleUrl(name: string, base: string): URL {
  return new URL(`${name}${FROM_SOURCE ? '.ts' : '.js'}`, base);
}

/**
 * A worker's young generation, in MB. V8 sizes it to the machine (up to 3 x 16-32 MB per thread);
 * the read workers turn a million rows into short-lived values, filled it at every request, and
 * each kept it: with three threads that was a tenth of the serve process at a million incidents.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/** Starts the worker module at `url` with `workerData`. */
export function startWorkerThread(url: URL, workerData: unknown): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
  if (!FROM_SOURCE) return new Worker(url, { workerData, resourceLimits });
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits });
}

/**
 * Lowers the calling thread's priority by `niceness` (nice levels), so that it yields the CPU
 * to the server's thread: on a machine with few cores a busy worker took the core the event loop
 * needed. Linux only (a thread is a task with an id of its own there, read from
 * /proc/thread-self); elsewhere, or when not allowed, the thread keeps the process's priority.
 */
export function lowerThreadPriority(niceness: number): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, os.getPriority(tid) + niceness);
  } catch {
    // Not Linux, or not allowed: the same priority as the server's thread.
  }
}
