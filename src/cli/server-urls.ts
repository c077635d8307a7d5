import type { CliContext } from './cli-context.js';

/** Prints where a started server answers: the lines users copy from `serve` and `demo`. */
export function printServerUrls(context: CliContext, url: string): void {
  context.stdout(`  Dashboard: ${url}/`);
  context.stdout(`  API:      ${url}/api`);
  context.stdout(`  Docs:     ${url}/api/docs`);
  context.stdout(`  Health:   ${url}/api/v1/health`);
}
