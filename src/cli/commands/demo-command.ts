import type { Command } from 'commander';
import { startServer } from '../../api/server.js';
import { parseConfig, parsePort } from '../../config.js';
import { parseDatabaseUrl, describeDatabaseTarget } from '../../db/database-url.js';
import { createDb } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrator.js';
import { portInUse, ValidationError } from '../../errors.js';
import { commandLogger } from '../cli-logger.js';
import type { PagerDutyClientSettings } from '../../pagerduty/create-client.js';
import { SimulatedAccount } from '../../simulator/simulated-account.js';
import { startSimulator } from '../../simulator/simulator-server.js';
import { describeAccount, findMirrorAccount } from '../../sync/index.js';
import type { CliContext } from '../cli-context.js';
import { parseIntegerOption } from '../options.js';
import { browsableUrl, printServerUrls } from '../server-urls.js';
import { createSyncReporter } from '../sync-reporter.js';
import { DEFAULT_SIMULATOR_TOKEN } from './simulate-command.js';

interface DemoOptions {
  simulatorPort: string;
  seed: string;
  port?: string;
  database: string;
}

/**
 * The demo's own database: the simulator's account never lands in the mirror of a real one
 * (DATABASE_URL), which it once did, giving a dashboard of both.
 */
export const DEMO_DATABASE_URL = 'sqlite:./data/demo.db';
const DAY_MS = 24 * 3600 * 1000;

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description(
      'start the PagerDuty simulator (small account), sync it into the demo database (not DATABASE_URL), and serve the dashboard and API',
    )
    .option('--port <port>', 'port of the dashboard and API (overrides PORT; default 5000)')
    .option('--simulator-port <port>', 'port of the simulator (0 picks a free one)', '4010')
    .option('--seed <n>', 'seed of the generated account', '42')
    .option(
      '--database <url>',
      "the demo's database, wiped and filled at each start (only ever with a simulated account)",
      DEMO_DATABASE_URL,
    )
    .action(async (options: DemoOptions) => {
      const config = parseConfig(context.env);
      config.database = parseDatabaseUrl(options.database, '--database', undefined);
      if (options.port !== undefined) config.port = parsePort(options.port, '--port', config.port);
      const simulatorPort = parseIntegerOption(options.simulatorPort, '--simulator-port', 0, 65535);
      const seed = parseIntegerOption(options.seed, '--seed', 0, 2 ** 32 - 1);
      const logger = commandLogger(config, context);

      // The demo wipes its database at each start: never one that holds a real account.
      const check = createDb(config.database);
      try {
        await migrateToLatest(check.db);
        const held = await findMirrorAccount(check.db);
        if (held && !/^sim-\d+$/.test(held.subdomain ?? ''))
          throw new ValidationError(
            `--database holds the mirror of ${describeAccount(held)}: the demo never overwrites a real account; give it a database of its own`,
            '--database',
          );
      } finally {
        await check.destroy();
      }
      context.stdout(
        `Demo database: ${describeDatabaseTarget(config.database)} (apart from your own mirror, DATABASE_URL; wiped at each start)`,
      );

      // The server listens first: a busy port stops the demo before anything else starts.
      const started: { client?: PagerDutyClientSettings } = {};
      const server = await startServer(config, logger, {
        // The demo's syncs (its first, and "sync now": POST /api/v1/sync) read the simulator, in
        // the server's sync worker, over HTTP.
        pagerduty: () => {
          if (!started.client)
            throw new ValidationError('the simulator is still starting', 'simulator');
          return started.client;
        },
        portChosenBy: '--port or PORT',
      });
      const account = new SimulatedAccount({ seed, size: 'small' });
      const sim = await startSimulator(
        { account, token: DEFAULT_SIMULATOR_TOKEN },
        { host: '127.0.0.1', port: simulatorPort },
      ).catch(async (error: unknown) => {
        await server.close();
        throw portInUse(error, '127.0.0.1', simulatorPort, '--simulator-port (0 picks a free one)');
      });
      context.stdout(
        `PagerDuty simulator: ${sim.url} (token ${DEFAULT_SIMULATOR_TOKEN}; ${account.liveServices().length} services, ${account.incidents.count} incidents)`,
      );
      started.client = {
        baseUrl: sim.url,
        token: DEFAULT_SIMULATOR_TOKEN,
        requestsPerMinute: 60_000,
        concurrency: 4,
      };
      try {
        const reporter = createSyncReporter(process.stderr, context.stderr);
        const result = await server.syncService.run(
          { mode: 'full', fresh: true, since: new Date(Date.now() - 400 * DAY_MS) },
          [reporter.observe],
        );
        reporter.stop();
        context.stdout(
          `Synced into ${describeDatabaseTarget(config.database)}: ${Object.entries(result.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} (${result.requests} requests)`,
        );
      } catch (error) {
        await server.close();
        await sim.close();
        throw error;
      }
      context.stdout('');
      context.stdout('pd-analytics demo is running:');
      printServerUrls(context, server.url);
      context.stdout(`  Sync runs: ${browsableUrl(server.url)}/api/v1/sync/runs`);
      context.stdout(`  Simulator: ${sim.url}`);
      context.stdout('Press Ctrl-C to stop.');
      context.onShutdown(async () => {
        await server.close();
        await sim.close();
        return 0;
      });
    });
}
