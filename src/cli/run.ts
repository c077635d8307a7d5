import { runCli } from './main.js';
import { processContext } from './process-context.js';

/** Entry of the `pd-analytics` binary. */
export async function run(): Promise<void> {
  const code = await runCli(process.argv.slice(2), processContext());
  if (code !== 0) process.exitCode = code;
}
