import type { Config } from '../config.js';
import { createLogger, logDestination, type Logger } from '../logger.js';
import type { CliContext } from './cli-context.js';

/**
 * One-shot commands print their own one-line outcome; JSON logs on top would be noise. They log
 * only when LOG_LEVEL is set explicitly.
 */
export function commandLogger(config: Config, context: CliContext): Logger {
  return createLogger(
    context.env['LOG_LEVEL'] ? config.logLevel : 'silent',
    logDestination(process.stderr),
  );
}
