// The sync worker: a server's syncs run here, in one long-lived thread with its own database
// connection and its own PagerDuty client, so that their work (requests, JSON parsing, mapping,
// the facts, the writes) never holds up the server's event loop. Started by WorkerSyncRunner;
// only events, committed versions, log lines and results cross to the server's thread.
import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '../db/connection.js';
import { createLogger } from '../logger.js';
import { PagerDutyClient } from '../pagerduty/pagerduty-client.js';
import { lowerThreadPriority } from '../worker-thread.js';
import { runSync } from './sync-engine.js';
import type { SyncWorkerData, SyncWorkerReply, SyncWorkerRequest } from './sync-worker-messages.js';
import { toTransferableError } from './transferable-error.js';

/**
 * How much lower than the server's thread the sync runs (nice levels): the lowest, below the
 * read workers (10). A thread of its own does not free the CPU: in the load bench (two shared
 * cores, readers saturating them) a worker at the server's priority left read p99 7.7x idle,
 * near the 9.7x of a sync on the event loop, and at 10 still 10x. At 19 the answers run first
 * and a sync under such a load barely moves: background work that catches up when the load
 * drops (bench/RESULTS.md). Its lease is renewed every 20 s for a 2-minute expiry, which that
 * share still covers. The cost: a webhook may wait for the write lock a starved sync holds.
 */
const SYNC_WORKER_NICENESS = 19;

const { target, client: settings, logLevel, analytics } = workerData as SyncWorkerData;
const port = parentPort;
if (!port) throw new Error('the sync worker runs in a worker thread');
const post = (reply: SyncWorkerReply) => port.postMessage(reply);

lowerThreadPriority(SYNC_WORKER_NICENESS);

// Log lines go to the server's logger, which writes them where and as its own (a terminal's
// readable lines, JSON elsewhere); secrets are redacted here already, by the same paths.
const logger = createLogger(logLevel, { write: (line: string) => post({ type: 'log', line }) });
// The sync's own connection: writes on SQLite take the file's write lock beside the server's
// (webhooks), waiting up to its busy timeout; reads run on this connection, not in read workers.
const handle = createDb(target, { sqliteReadWorkers: 0 });
const client = new PagerDutyClient({ ...settings, logger });
const running = new Map<string, AbortController>();

port.on('message', (message: SyncWorkerRequest) => {
  if (message.type === 'abort') {
    running.get(message.runId)?.abort();
    return;
  }
  if (message.type === 'close') {
    // The server stops its runs before it closes the runner: nothing is running here.
    void handle.destroy().finally(() => port.close());
    return;
  }
  const { runId } = message.request;
  const controller = new AbortController();
  running.set(runId, controller);
  runSync(
    {
      db: handle.db,
      client,
      logger,
      ...(analytics ? { analytics } : {}),
      onCommitted: (version) => post({ type: 'committed', version }),
    },
    {
      ...message.request,
      signal: controller.signal,
      observers: [(event) => post({ type: 'event', runId, event })],
    },
  )
    .then(
      (result) => post({ type: 'finished', runId, result }),
      (error: unknown) => post({ type: 'failed', runId, error: toTransferableError(error) }),
    )
    .finally(() => running.delete(runId));
});
