import type { Command } from 'commander';
import { SIMULATOR_SIZES, type SimulatorSize } from '../../simulator/account-entities.js';
import { SimulatedAccount } from '../../simulator/simulated-account.js';
import { PD_RATE_LIMIT_PER_MINUTE, startSimulator } from '../../simulator/simulator-server.js';
import { portInUse } from '../../errors.js';
import type { CliContext } from '../cli-context.js';
import { parseChoiceOption, parseIntegerOption, parseShareOption } from '../options.js';

interface SimulateOptions {
  host: string;
  port: string;
  seed: string;
  size: string;
  token: string;
  rateLimit: string;
  latency: string;
  fail429: string;
  fail5xx: string;
  drop: string;
  truncate: string;
}

export const DEFAULT_SIMULATOR_TOKEN = 'simulator-token';

export function registerSimulateCommand(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description(
      'run a PagerDuty REST API simulator serving a generated account (for demos and tests)',
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '4010')
    .option('--seed <n>', 'seed of the generated account', '42')
    .option('--size <size>', `account size: ${SIMULATOR_SIZES.join(', ')}`, 'small')
    .option('--token <token>', 'API token the simulator accepts', DEFAULT_SIMULATOR_TOKEN)
    .option('--rate-limit <n>', 'requests per minute before 429', String(PD_RATE_LIMIT_PER_MINUTE))
    .option('--latency <ms>', 'added to every answer', '0')
    .option('--fail-429 <share>', 'share of requests answered 429 (half without headers)', '0')
    .option('--fail-5xx <share>', 'share of requests answered 500-504', '0')
    .option('--drop <share>', 'share of connections dropped without an answer', '0')
    .option('--truncate <share>', 'share of answers cut off halfway', '0')
    .action(async (options: SimulateOptions) => {
      const size = parseChoiceOption<SimulatorSize>(options.size, '--size', SIMULATOR_SIZES);
      const port = parseIntegerOption(options.port, '--port', 0, 65535);
      const seed = parseIntegerOption(options.seed, '--seed', 0, 2 ** 32 - 1);
      const rateLimitPerMinute = parseIntegerOption(
        options.rateLimit,
        '--rate-limit',
        1,
        1_000_000,
      );
      const faults = {
        latencyMs: parseIntegerOption(options.latency, '--latency', 0, 600_000),
        rate429: parseShareOption(options.fail429, '--fail-429'),
        rate5xx: parseShareOption(options.fail5xx, '--fail-5xx'),
        rateDrop: parseShareOption(options.drop, '--drop'),
        rateTruncate: parseShareOption(options.truncate, '--truncate'),
      };
      const started = performance.now();
      const account = new SimulatedAccount({ seed, size });
      const sim = await startSimulator(
        { account, token: options.token, rateLimitPerMinute, faults },
        { host: options.host, port },
      ).catch((error: unknown) => {
        throw portInUse(error, options.host, port, '--port (0 picks a free one)');
      });
      context.stdout(
        `PagerDuty simulator (${size}, seed ${seed}: ${account.liveServices().length} services, ${account.incidents.count.toLocaleString('en-US')} incidents, generated in ${Math.round(performance.now() - started)} ms)`,
      );
      context.stdout(`  URL:   ${sim.url}`);
      // Only the well-known default token is printed; a token of the user's own is not echoed.
      const token =
        options.token === DEFAULT_SIMULATOR_TOKEN ? DEFAULT_SIMULATOR_TOKEN : '<your --token>';
      context.stdout(
        `  Use:   PAGERDUTY_API_URL=${sim.url} PAGERDUTY_TOKEN=${token} npx pd-analytics sync`,
      );
      context.onShutdown(async () => {
        await sim.close();
        return 0;
      });
    });
}
