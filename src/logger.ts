import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Paths that may hold secrets, blanked in every log line. Tokens are never logged on purpose;
 * this is the net under that rule (request headers, error objects carrying config).
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-pagerduty-signature"]',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'apiToken',
  'adminToken',
  'config.pagerduty.token',
  'config.database',
];

/** Creates the application's logger: JSON lines on stderr, secrets redacted. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination(2),
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, left out of the pretty form. */
const ROUTINE_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One JSON log line as a person reads it: `16:55:01 INFO  sync finished run_id=… kind=full`. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']) : new Date();
  const level = LEVEL_NAMES[Number(entry['level'])] ?? String(entry['level']);
  const fields = Object.entries(entry)
    .filter(([key]) => !ROUTINE_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time.toISOString().slice(11, 19), level.padEnd(5), String(entry['msg'] ?? ''), ...fields]
    .join(' ')
    .trimEnd();
}

/**
 * Where logs go on a terminal: readable lines on stderr, so that they do not read as noise
 * between the lines a command prints on stdout. Pipes and files get JSON, for log tools.
 */
export function logDestination(stream: NodeJS.WriteStream): DestinationStream | undefined {
  if (!stream.isTTY) return undefined;
  return { write: (line: string) => stream.write(`${formatLogLine(line)}\n`) };
}

const LEVEL_METHODS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

function isLevelMethod(label: string | undefined): label is (typeof LEVEL_METHODS)[number] {
  return (LEVEL_METHODS as readonly (string | undefined)[]).includes(label);
}

/**
 * Writes a JSON line of another thread's logger (the sync worker's) through `logger`: to its
 * destination, in its format, past its redaction. The line's time, pid and host are the
 * writer's own.
 */
export function relayLogLine(logger: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const label = logger.levels.labels[Number(entry['level'])];
  if (!isLevelMethod(label)) return;
  const fields = Object.fromEntries(
    Object.entries(entry).filter(([key]) => !ROUTINE_FIELDS.has(key)),
  );
  logger[label](fields, String(entry['msg'] ?? ''));
}
