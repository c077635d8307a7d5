import type { Command } from 'commander';
import { startServer } from '../../api/server.js';
import { parseConfig } from '../../config.js';
import { describeDatabaseTarget } from '../../db/database-url.js';
import { commandLogger } from '../cli-logger.js';
import { PagerDutyClient } from '../../pagerduty/pagerduty-client.js';
import { SimulatedAccount } from '../../simulator/simulated-account.js';
import { startSimulator } from '../../simulator/simulator-server.js';
import { runSync } from '../../sync/sync-engine.js';
import type { CliContext } from '../cli-context.js';
import { parseIntegerOption } from '../options.js';
import { printServerUrls } from '../server-urls.js';
import { createSyncReporter } from '../sync-reporter.js';
import { DEFAULT_SIMULATOR_TOKEN } from './simulate-command.js';

interface DemoOptions {
  simulatorPort: string;
  seed: string;
}

const DAY_MS = 24 * 3600 * 1000;

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description(
      'start the PagerDuty simulator (small account), sync it into DATABASE_URL, and serve the API',
    )
    .option('--simulator-port <port>', 'port of the simulator (0 picks a free one)', '4010')
    .option('--seed <n>', 'seed of the generated account', '42')
    .action(async (options: DemoOptions) => {
      const config = parseConfig(context.env);
      const simulatorPort = parseIntegerOption(options.simulatorPort, '--simulator-port', 0, 65535);
      const seed = parseIntegerOption(options.seed, '--seed', 0, 2 ** 32 - 1);
      const logger = commandLogger(config, context);

      const account = new SimulatedAccount({ seed, size: 'small' });
      const sim = await startSimulator(
        { account, token: DEFAULT_SIMULATOR_TOKEN },
        { host: '127.0.0.1', port: simulatorPort },
      ).catch((error: unknown) => {
        // A busy default port should not stop the demo.
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
          return startSimulator(
            { account, token: DEFAULT_SIMULATOR_TOKEN },
            { host: '127.0.0.1', port: 0 },
          );
        throw error;
      });
      context.stdout(
        `PagerDuty simulator: ${sim.url} (token ${DEFAULT_SIMULATOR_TOKEN}; ${account.liveServices().length} services, ${account.incidents.count} incidents)`,
      );

      // The demo's "sync now" (POST /api/v1/sync) reads the simulator too.
      const client = new PagerDutyClient({
        baseUrl: sim.url,
        token: DEFAULT_SIMULATOR_TOKEN,
        logger,
        requestsPerMinute: 60_000,
        concurrency: 4,
      });
      const server = await startServer(config, logger, { createClient: () => client });
      try {
        const reporter = createSyncReporter(process.stderr, context.stderr);
        const result = await runSync(
          { db: server.db.db, client, logger, analytics: config.analytics },
          {
            mode: 'full',
            since: new Date(Date.now() - 400 * DAY_MS),
            observers: [reporter.observe],
          },
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
      context.stdout(`  Sync runs: ${server.url}/api/v1/sync/runs`);
      context.stdout(`  Simulator: ${sim.url}`);
      context.stdout('Press Ctrl-C to stop.');
      context.onShutdown(async () => {
        await server.close();
        await sim.close();
        return 0;
      });
    });
}
