import type { CliContext } from './cli-context.js';

/** The CLI context of a real process: its environment, its streams and its signals. */
export function processContext(): CliContext {
  return {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
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
