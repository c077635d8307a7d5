import type { CliContext } from './cli-context.js';

/**
 * The address a person can open: a server listening on every interface (0.0.0.0, ::) answers on
 * loopback too, and a browser cannot open http://0.0.0.0:5000.
 */
export function browsableUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}

/** Prints where a started server answers: the lines users copy from `serve` and `demo`. */
export function printServerUrls(context: CliContext, url: string): void {
  const open = browsableUrl(url);
  if (open !== url)
    context.stdout(
      `  Listening on every interface (HOST ${new URL(url).hostname}); on this machine:`,
    );
  context.stdout(`  Dashboard: ${open}/`);
  context.stdout(`  API:      ${open}/api`);
  context.stdout(`  Docs:     ${open}/api/docs`);
  context.stdout(`  Health:   ${open}/api/v1/health`);
}
