import type { Command } from 'commander';
import { parseConfig, parsePort } from '../../config.js';
import { startServer } from '../../api/server.js';
import { describeDatabaseTarget } from '../../db/database-url.js';
import { createLogger, logDestination } from '../../logger.js';
import type { CliContext } from '../cli-context.js';
import { parseDurationOption } from '../options.js';
import { printServerUrls } from '../server-urls.js';
import { ValidationError } from '../../errors.js';

interface ServeOptions {
  host?: string;
  port?: string;
  syncEvery?: string;
}

export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description(
      'serve the REST API, its OpenAPI document and Swagger UI (applies migrations first)',
    )
    .option('--host <host>', 'interface to listen on (overrides HOST)')
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .option(
      '--sync-every <duration>',
      'run a sync now and then every duration (such as 15m); needs PAGERDUTY_TOKEN',
    )
    .action(async (options: ServeOptions) => {
      const config = parseConfig(context.env);
      if (options.host !== undefined) config.host = options.host;
      if (options.port !== undefined) config.port = parsePort(options.port, '--port', config.port);
      const syncEveryMs =
        options.syncEvery === undefined
          ? undefined
          : parseDurationOption(options.syncEvery, '--sync-every', 60_000);
      // Fail now, not at the first tick, when scheduled syncs cannot work.
      if (syncEveryMs !== undefined && !config.pagerduty.token) {
        throw new ValidationError('--sync-every needs PAGERDUTY_TOKEN', '--sync-every');
      }
      const logger = createLogger(config.logLevel, logDestination(process.stderr));
      const server = await startServer(
        config,
        logger,
        syncEveryMs === undefined ? {} : { syncEveryMs },
      );
      context.stdout(`pd-analytics serving ${describeDatabaseTarget(config.database)}`);
      printServerUrls(context, server.url);
      context.stdout('Press Ctrl-C to stop.');
      context.onShutdown(async () => {
        logger.info('shutting down');
        await server.close();
        return 0;
      });
    });
}
