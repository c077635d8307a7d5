import type { Command } from 'commander';
import { parseConfig, parsePort } from '../../config.js';
import { startServer } from '../../api/server.js';
import { describeDatabaseTarget } from '../../db/database-url.js';
import { createLogger } from '../../logger.js';
import type { CliContext } from '../cli-context.js';

interface ServeOptions {
  host?: string;
  port?: string;
}

export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description(
      'serve the REST API, its OpenAPI document and Swagger UI (applies migrations first)',
    )
    .option('--host <host>', 'interface to listen on (overrides HOST)')
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .action(async (options: ServeOptions) => {
      const config = parseConfig(context.env);
      if (options.host !== undefined) config.host = options.host;
      if (options.port !== undefined) config.port = parsePort(options.port, '--port', config.port);
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, logger);
      context.stdout(`pd-analytics serving ${describeDatabaseTarget(config.database)}`);
      context.stdout(`  API:      ${server.url}/api`);
      context.stdout(`  Docs:     ${server.url}/api/docs`);
      context.stdout(`  Health:   ${server.url}/api/v1/health`);
      context.onShutdown(async () => {
        logger.info('shutting down');
        await server.close();
        return 0;
      });
    });
}
