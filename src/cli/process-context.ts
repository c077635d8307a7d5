import type { CliContext } from './cli-context.js';

/**
 * A reader that went away (`pd-analytics report … | head -2`) is not a failure: on a closed stdout
 * (EPIPE) the command ends at once with exit 0 and says nothing, as ripgrep does (C tools die of
 * SIGPIPE instead, 141 under `set -o pipefail`; Node ignores SIGPIPE, so an unhandled EPIPE was a
 * stack trace and exit 1). A closed stderr loses only what nobody reads: the command goes on, and
 * its exit code stands. Any other write error is thrown as before.
 */
function endQuietlyOnClosedPipes(): void {
  const isEpipe = (error: unknown) => (error as { code?: unknown } | null)?.code === 'EPIPE';
  process.stdout.on('error', (error) => {
    if (!isEpipe(error)) throw error;
    process.exit(0);
  });
  process.stderr.on('error', (error) => {
    if (!isEpipe(error)) throw error;
  });
}

/** The CLI context of a real process: its environment, its streams and its signals. */
export function processContext(): CliContext {
  endQuietlyOnClosedPipes();
  return {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stdoutText: (text) => process.stdout.write(text),
    stderr: (line) => process.stderr.write(`${line}\n`),
    onShutdown: (handler) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          // A second signal means "now".
          process.exit(130);
        }
        stopping = true;
        handler().then(
          (code) => process.exit(code ?? 0),
          (error: unknown) => {
            process.stderr.write(
              `pd-analytics: error while stopping on ${signal}: ${error instanceof Error ? error.message : String(error)}\n`,
            );
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  };
}
