import { ConfigError } from './errors.js';
import { parseDatabaseUrl, type DatabaseTarget } from './db/database-url.js';

/** Every setting the application reads. Built once by parseConfig and passed down. */
export interface Config {
  database: DatabaseTarget;
  pagerduty: {
    token: string | undefined;
    /** 'token' for REST API keys (`Token token=`), 'bearer' for OAuth tokens. */
    tokenType: 'token' | 'bearer';
    apiUrl: string;
    requestsPerMinute: number;
    concurrency: number;
    webhookSecret: string | undefined;
  };
  sync: {
    /** Start of the incident history a full sync mirrors; undefined means 12 months back. */
    since: Date | undefined;
  };
  /** Defaults for `pd-analytics metabase setup`; its options override them. */
  metabase: {
    url: string | undefined;
    user: string | undefined;
    password: string | undefined;
    apiKey: string | undefined;
  };
  host: string;
  port: number;
  apiToken: string | undefined;
  adminToken: string | undefined;
  logLevel: LogLevel;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PAGERDUTY_API_URL = 'https://api.pagerduty.com';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 5000;
const MIN_SECRET_LENGTH = 16;

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Parses a port number; the message names the variable. */
export function parsePort(raw: string | undefined, variable: string, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(variable, 'must be a whole number from 0 to 65535');
  const port = Number(raw.trim());
  if (port > 65535) throw new ConfigError(variable, 'must be a whole number from 0 to 65535');
  return port;
}

function parseHttpUrl(raw: string | undefined, variable: string, fallback: string): string {
  const value = raw?.trim();
  if (!value) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, 'must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, 'must be an http:// or https:// URL');
  }
  if (url.username || url.password) throw new ConfigError(variable, 'must not carry credentials');
  return value.replace(/\/+$/, '');
}

function parseInteger(
  raw: string | undefined,
  variable: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max)
    throw new ConfigError(variable, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** An ISO date (2025-01-01) or date-time with offset; the message names the variable. */
export function parseDate(raw: string | undefined, variable: string): Date | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw new ConfigError(
      variable,
      'must be an ISO date such as 2025-01-01 or 2025-01-01T00:00:00Z',
    );
  }
  // A bare date or a time without an offset is read as UTC, never as the machine's zone.
  const iso =
    value.length === 10
      ? `${value}T00:00:00Z`
      : /(Z|[+-]\d{2}:?\d{2})$/.test(value)
        ? value
        : `${value}Z`;
  const date = new Date(iso.replace(' ', 'T'));
  if (Number.isNaN(date.getTime())) throw new ConfigError(variable, 'is not a valid date');
  return date;
}

function parseSecret(env: Env, variable: string): string | undefined {
  const value = nonEmpty(env, variable);
  if (value === undefined) return undefined;
  // Short API tokens are guessable; the message states the rule, never the value.
  if (value.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(variable, `must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  return value;
}

/**
 * Parses and validates the environment once. Throws ConfigError naming the first bad
 * variable; secret values never appear in the message.
 */
export function parseConfig(env: Env): Config {
  const logLevel = (nonEmpty(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const pagerdutyToken = nonEmpty(env, 'PAGERDUTY_TOKEN');
  if (pagerdutyToken !== undefined && /\s/.test(pagerdutyToken)) {
    throw new ConfigError('PAGERDUTY_TOKEN', 'must not contain white space');
  }
  const host = nonEmpty(env, 'HOST') ?? DEFAULT_HOST;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host))
    throw new ConfigError('HOST', 'must be a host name or IP address');

  return {
    database: parseDatabaseUrl(env['DATABASE_URL']),
    pagerduty: {
      token: pagerdutyToken,
      tokenType: parseTokenType(env['PAGERDUTY_TOKEN_TYPE']),
      apiUrl: parseHttpUrl(
        env['PAGERDUTY_API_URL'],
        'PAGERDUTY_API_URL',
        DEFAULT_PAGERDUTY_API_URL,
      ),
      requestsPerMinute: parseInteger(
        env['PAGERDUTY_RATE_LIMIT'],
        'PAGERDUTY_RATE_LIMIT',
        900,
        1,
        100_000,
      ),
      concurrency: parseInteger(env['PAGERDUTY_CONCURRENCY'], 'PAGERDUTY_CONCURRENCY', 4, 1, 32),
      webhookSecret: nonEmpty(env, 'PAGERDUTY_WEBHOOK_SECRET'),
    },
    sync: { since: parseDate(env['SYNC_SINCE'], 'SYNC_SINCE') },
    metabase: {
      url: env['METABASE_URL']?.trim()
        ? parseHttpUrl(env['METABASE_URL'], 'METABASE_URL', '')
        : undefined,
      user: nonEmpty(env, 'METABASE_USER'),
      password: nonEmpty(env, 'METABASE_PASSWORD'),
      apiKey: nonEmpty(env, 'METABASE_API_KEY'),
    },
    host,
    port: parsePort(env['PORT'], 'PORT', DEFAULT_PORT),
    apiToken: parseSecret(env, 'API_TOKEN'),
    adminToken: parseSecret(env, 'ADMIN_TOKEN'),
    logLevel: logLevel as LogLevel,
  };
}

function parseTokenType(raw: string | undefined): 'token' | 'bearer' {
  const value = raw?.trim().toLowerCase() || 'token';
  if (value !== 'token' && value !== 'bearer')
    throw new ConfigError('PAGERDUTY_TOKEN_TYPE', 'must be token (REST API key) or bearer (OAuth)');
  return value;
}

/** True when HOST binds to the loopback interface only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
