import type { Command } from 'commander';
import { parseConfig } from '../../config.js';
import { createDb } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrator.js';
import { commandLogger } from '../cli-logger.js';
import { createPagerDutyClient } from '../../pagerduty/create-client.js';
import { describeAccount, parseSyncRequest, runSync, SYNC_RESOURCES } from '../../sync/index.js';
import type { CliContext } from '../cli-context.js';
import { CLI_SYNC_SOURCE } from '../options.js';
import { createSyncReporter } from '../sync-reporter.js';

interface SyncCommandOptions {
  full?: boolean;
  fresh?: boolean;
  since?: string;
  resources?: string;
}

export function registerSyncCommand(program: Command, context: CliContext): void {
  program
    .command('sync')
    .description(
      'mirror the PagerDuty account into DATABASE_URL (incremental once a full sync has completed)',
    )
    .option('--full', 'run a full sync even when one has completed')
    .option(
      '--since <iso-date>',
      "start of the history (default SYNC_SINCE, else the whole history: from the oldest incident); earlier than the mirror's history, the range before it is read",
    )
    .option(
      '--fresh',
      'wipe the mirror (everything read from PagerDuty) and run a full sync: to mirror another account into the same database',
    )
    .option('--resources <list>', `only these, comma-separated: ${SYNC_RESOURCES.join(',')}`)
    .action(async (options: SyncCommandOptions) => {
      const config = parseConfig(context.env);
      // SYNC_SINCE was parsed with the configuration; --since goes through the one validation
      // of a sync request, as POST /api/v1/sync's body does.
      const request = parseSyncRequest(
        {
          mode: options.full ? 'full' : 'auto',
          fresh: options.fresh,
          since: options.since,
          resources: options.resources,
        },
        new Date(),
        CLI_SYNC_SOURCE,
      );
      const since = request.since ?? config.sync.since;
      const logger = commandLogger(config, context);
      const client = createPagerDutyClient(config, logger);
      const handle = createDb(config.database, {
        onIdleConnectionError: (error) =>
          logger.warn({ error }, 'an idle database connection failed'),
      });
      const reporter = createSyncReporter(process.stderr, context.stderr);
      const controller = new AbortController();
      let finished: Promise<unknown> = Promise.resolve();
      // Ctrl-C stops the requests, lets the run record itself as failed, and exits 130.
      context.onShutdown(async () => {
        controller.abort();
        await finished.catch(() => undefined);
        return 130;
      });
      try {
        await migrateToLatest(handle.db);
        const run = runSync(
          { db: handle.db, client, logger, analytics: config.analytics },
          {
            ...request,
            ...(since ? { since } : {}),
            signal: controller.signal,
            observers: [reporter.observe],
          },
        );
        finished = run;
        const result = await run;
        reporter.stop();
        const counts = Object.entries(result.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        context.stdout(
          `sync ${result.runId} (${result.kind}) succeeded: ${counts}; ${result.requests} requests, ${result.retries} retries, ${result.rateLimited} rate-limited`,
        );
        context.stdout(`  account ${describeAccount(result.account)}; ${result.history.note}`);
      } finally {
        reporter.stop();
        await handle.destroy();
      }
    });
}
