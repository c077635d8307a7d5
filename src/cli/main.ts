import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import type { CliContext } from './cli-context.js';
import { describeCliError, EXIT_USAGE } from './cli-error.js';
import { registerBackupCommand } from './commands/backup-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerMetabaseCommand } from './commands/metabase-command.js';
import { registerMigrateCommand } from './commands/migrate-command.js';
import { registerReportCommand } from './commands/report-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSimulateCommand } from './commands/simulate-command.js';
import { registerSyncCommand } from './commands/sync-command.js';

/** Builds the command tree. Exported for tests. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('pd-analytics')
    .description('Mirror a PagerDuty account into SQL and serve analytics over it.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => context.stdout(s.trimEnd()),
      // Commander's own messages ("error: unknown command 'x'") are already one line.
      writeErr: (s) => context.stderr(s.trimEnd()),
    });
  registerMigrateCommand(program, context);
  registerServeCommand(program, context);
  registerSimulateCommand(program, context);
  registerSyncCommand(program, context);
  registerDemoCommand(program, context);
  registerMetabaseCommand(program, context);
  registerBackupCommand(program, context);
  registerReportCommand(program, context);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) command.exitOverride();
  return program;
}

/**
 * Runs the CLI. Resolves with the exit code once the command has finished; a long-running
 * command (serve) resolves at start-up and keeps the process alive with its server.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every usage error exits 2 with commander's one-line message.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const { line, exitCode } = describeCliError(error);
    context.stderr(`pd-analytics: ${line}`);
    return exitCode;
  }
}
