import fs from 'node:fs';
import { ConfigError } from './errors.js';
import { parseDatabaseUrl, readDatabasePassword, type DatabaseTarget } from './db/database-url.js';
import { DEFAULT_SQLITE_READ_WORKERS } from './db/read-pool.js';
import {
  DEFAULT_WORKING_HOURS,
  parseBusinessHours,
  parseDailySpan,
  parseHolidayList,
  PAY_CLASSES,
  type PayClass,
  type WorkingHours,
} from './time/working-hours.js';
import { DateInputError, parseOptionalInstant } from './time/dates.js';
import { isTimeZone } from './time/zones.js';

/** The analytics' copy of the facts when ANALYTICS_CACHE_MB is not set: two million incidents. */
export const DEFAULT_ANALYTICS_CACHE_MB = 256;

/** Every setting the application reads. Built once by parseConfig and passed down. */
export interface Config {
  database: DatabaseTarget;
  /** Read-only SQLite connections in worker threads for the API (0: reads share the writer's). */
  sqliteReadWorkers: number;
  /**
   * ANALYTICS_CACHE_MB: the most memory each of the analytics' copies may take, the incident
   * facts' and the responders' (0: no copies, every answer from SQL). About 70 and 36 MB a
   * million incidents.
   */
  analyticsCacheMb: number;
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
    /** Start of the incident history a full sync mirrors; undefined means the whole history. */
    since: Date | undefined;
  };
  analytics: AnalyticsConfig;
  /** Defaults for `pd-analytics metabase setup`; its options override them. */
  metabase: {
    url: string | undefined;
    user: string | undefined;
    password: string | undefined;
    apiKey: string | undefined;
  };
  host: string;
  port: number;
  /**
   * Host names the server answers to besides the address it listens on (ALLOWED_HOSTS): the
   * names a reverse proxy or a browser uses. Without API_TOKEN on loopback, any other Host is
   * refused, which defeats DNS rebinding.
   */
  allowedHosts: string[];
  apiToken: string | undefined;
  adminToken: string | undefined;
  logLevel: LogLevel;
}

/** How the response and interruption figures are computed. */
export interface AnalyticsConfig {
  /** ANALYTICS_TIME_ZONE: periods' default zone, and the zone of users whose own is unknown. */
  timeZone: string;
  /** BUSINESS_HOURS, SLEEP_HOURS and HOLIDAYS. */
  hours: WorkingHours;
  /**
   * MAJOR_PRIORITIES: priority ids or names whose incidents are major (up_time_pct); empty means
   * the account's two highest priorities.
   */
  majorPriorities: string[];
  /** ONCALL_PAY_RULES: what on-call time and interruptions are paid, by pay class. */
  pay: PayRules;
  /** ONCALL_LIMITS: the working-time rules on-call-compliance checks; each optional. */
  limits: OnCallLimits;
  /** TRANSIENT_MINUTES: an incident resolved this soon after creation, never acknowledged, is transient. */
  transientMinutes: number;
  /** REPEAT_WINDOW_HOURS: an incident repeats one of its service with its key created this long before. */
  repeatWindowHours: number;
}

/** What on-call is paid: per hour on call and per interruption, by pay class (missing: 0). */
export interface PayRules {
  /** A label for the amounts (ISO 4217 such as EUR); null when not given. */
  currency: string | null;
  hourly: Record<PayClass, number>;
  perInterruption: Record<PayClass, number>;
  /** `scheduled`: on-call time from schedules only; `all` also counts direct rule targets. */
  count: 'scheduled' | 'all';
}

export interface OnCallLimits {
  maxHoursPer7Days?: number;
  maxConsecutiveDays?: number;
  maxSleepInterruptionsPer7Days?: number;
}

const noRates = (): Record<PayClass, number> =>
  Object.fromEntries(PAY_CLASSES.map((c) => [c, 0])) as Record<PayClass, number>;

export const DEFAULT_PAY_RULES: PayRules = {
  currency: null,
  hourly: noRates(),
  perInterruption: noRates(),
  count: 'scheduled',
};

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

/**
 * An ISO date (UTC midnight) or date-time (UTC when it has no offset), by the product's one date
 * parser; the message names the variable and the value.
 */
export function parseDate(raw: string | undefined, variable: string): Date | undefined {
  try {
    return parseOptionalInstant(raw, variable);
  } catch (error) {
    if (error instanceof DateInputError) throw new ConfigError(variable, error.reason);
    throw error;
  }
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
    database: parseDatabaseUrl(
      env['DATABASE_URL'],
      'DATABASE_URL',
      readDatabasePassword(env['DATABASE_PASSWORD'], env['DATABASE_PASSWORD_FILE']),
    ),
    sqliteReadWorkers: parseInteger(
      env['SQLITE_READ_WORKERS'],
      'SQLITE_READ_WORKERS',
      DEFAULT_SQLITE_READ_WORKERS,
      0,
      16,
    ),
    analyticsCacheMb: parseInteger(
      env['ANALYTICS_CACHE_MB'],
      'ANALYTICS_CACHE_MB',
      DEFAULT_ANALYTICS_CACHE_MB,
      0,
      1_000_000,
    ),
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
    analytics: parseAnalyticsConfig(env),
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
    allowedHosts: parseAllowedHosts(env['ALLOWED_HOSTS']),
    apiToken: parseSecret(env, 'API_TOKEN'),
    adminToken: parseSecret(env, 'ADMIN_TOKEN'),
    logLevel: logLevel as LogLevel,
  };
}

function parseAnalyticsConfig(env: Env): AnalyticsConfig {
  const timeZone = nonEmpty(env, 'ANALYTICS_TIME_ZONE') ?? 'UTC';
  if (!isTimeZone(timeZone))
    throw new ConfigError('ANALYTICS_TIME_ZONE', 'must be an IANA time zone such as Europe/Berlin');
  const hours: WorkingHours = { ...DEFAULT_WORKING_HOURS };
  const business = nonEmpty(env, 'BUSINESS_HOURS');
  if (business !== undefined) {
    const parsed = parseBusinessHours(business);
    if (!parsed)
      throw new ConfigError(
        'BUSINESS_HOURS',
        'must be days and hours such as Mon-Fri 08:00-18:00 (days Mon..Sun, a range or a list; 24-hour times, start before end)',
      );
    Object.assign(hours, parsed);
  }
  const sleep = nonEmpty(env, 'SLEEP_HOURS');
  if (sleep !== undefined) {
    const parsed = parseDailySpan(sleep);
    if (!parsed)
      throw new ConfigError('SLEEP_HOURS', 'must be hours such as 22:00-08:00 (24-hour times)');
    hours.sleep = parsed;
  }
  const holidays = nonEmpty(env, 'HOLIDAYS');
  if (holidays !== undefined) {
    try {
      hours.holidays = parseHolidayList(holidays, 'HOLIDAYS');
    } catch (error) {
      if (error instanceof DateInputError) throw new ConfigError('HOLIDAYS', error.reason);
      throw error;
    }
  }
  const majors = (nonEmpty(env, 'MAJOR_PRIORITIES') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  // No control characters: names are shown and compared, never run.
  if (majors.some((m) => m.length > 255 || [...m].some((c) => c.charCodeAt(0) < 32)))
    throw new ConfigError('MAJOR_PRIORITIES', 'must be priority ids or names, comma-separated');
  return {
    timeZone,
    hours,
    majorPriorities: majors,
    pay: parsePayRules(jsonSetting(env, 'ONCALL_PAY_RULES')),
    limits: parseOnCallLimits(jsonSetting(env, 'ONCALL_LIMITS')),
    // Bounded so that a typo (minutes for seconds) fails at start-up instead of flattening the figures.
    transientMinutes: parseInteger(env['TRANSIENT_MINUTES'], 'TRANSIENT_MINUTES', 5, 1, 1440),
    repeatWindowHours: parseInteger(env['REPEAT_WINDOW_HOURS'], 'REPEAT_WINDOW_HOURS', 24, 1, 720),
  };
}

/** The analytics settings when nothing is configured. */
export const DEFAULT_ANALYTICS_CONFIG: AnalyticsConfig = {
  timeZone: 'UTC',
  hours: DEFAULT_WORKING_HOURS,
  majorPriorities: [],
  pay: DEFAULT_PAY_RULES,
  limits: {},
  transientMinutes: 5,
  repeatWindowHours: 24,
};

/**
 * A JSON setting: the text itself, or `@path/to/file.json` for a file's (payroll keeps its rules
 * in a file under review); undefined when unset. The message names the variable, never the text.
 */
function jsonSetting(env: Env, name: string): { name: string; value: unknown } | undefined {
  let text = nonEmpty(env, name);
  if (text === undefined) return undefined;
  if (text.startsWith('@')) {
    const file = text.slice(1).trim();
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(name, `cannot read the file ${JSON.stringify(file)} (${code})`);
    }
  }
  try {
    return { name, value: JSON.parse(text) as unknown };
  } catch {
    throw new ConfigError(name, 'must be a JSON object, or @ and the path of a file holding one');
  }
}

function jsonObject(setting: { name: string; value: unknown }, keys: readonly string[]) {
  const { name, value } = setting;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(name, 'must be a JSON object');
  const object = value as Record<string, unknown>;
  const unknown = Object.keys(object).find((k) => !keys.includes(k));
  if (unknown !== undefined)
    throw new ConfigError(`${name}.${unknown}`, `is not a known key (known: ${keys.join(', ')})`);
  return object;
}

const MAX_RATE = 1_000_000;

function rates(name: string, value: unknown): Record<PayClass, number> {
  const out = noRates();
  if (value === undefined) return out;
  const object = jsonObject({ name, value }, PAY_CLASSES);
  for (const [key, rate] of Object.entries(object)) {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > MAX_RATE)
      throw new ConfigError(`${name}.${key}`, `must be a number from 0 to ${MAX_RATE}`);
    out[key as PayClass] = rate;
  }
  return out;
}

/** ONCALL_PAY_RULES: {currency, hourly, per_interruption, count}, every key optional. */
export function parsePayRules(setting: { name: string; value: unknown } | undefined): PayRules {
  if (!setting) return DEFAULT_PAY_RULES;
  const { name } = setting;
  const o = jsonObject(setting, ['currency', 'hourly', 'per_interruption', 'count']);
  const currency = o['currency'];
  if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)))
    throw new ConfigError(`${name}.currency`, 'must be a three-letter currency code such as EUR');
  const count = o['count'] ?? 'scheduled';
  if (count !== 'scheduled' && count !== 'all')
    throw new ConfigError(`${name}.count`, 'must be "scheduled" or "all"');
  return {
    currency: typeof currency === 'string' ? currency.toUpperCase() : null,
    hourly: rates(`${name}.hourly`, o['hourly']),
    perInterruption: rates(`${name}.per_interruption`, o['per_interruption']),
    count,
  };
}

/** ONCALL_LIMITS: {max_hours_per_7_days, max_consecutive_days, max_sleep_interruptions_per_7_days}. */
export function parseOnCallLimits(
  setting: { name: string; value: unknown } | undefined,
): OnCallLimits {
  if (!setting) return {};
  const keys = {
    max_hours_per_7_days: ['maxHoursPer7Days', 168],
    max_consecutive_days: ['maxConsecutiveDays', 10_000],
    max_sleep_interruptions_per_7_days: ['maxSleepInterruptionsPer7Days', 1_000_000],
  } as const;
  const o = jsonObject(setting, Object.keys(keys));
  const limits: OnCallLimits = {};
  for (const [key, [field, max]] of Object.entries(keys)) {
    const v = o[key];
    if (v === undefined) continue;
    const whole = field !== 'maxHoursPer7Days';
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < 0 ||
      v > max ||
      (whole && !Number.isInteger(v))
    )
      throw new ConfigError(
        `${setting.name}.${key}`,
        `must be ${whole ? 'a whole number' : 'a number'} from 0 to ${max}`,
      );
    limits[field] = v;
  }
  return limits;
}

const HOST_NAME = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/i;

/** A comma-separated list of host names (no ports, no schemes); `*` is not accepted on purpose. */
function parseAllowedHosts(raw: string | undefined): string[] {
  const names = (raw ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names)
    if (!HOST_NAME.test(name) || name.length > 253)
      throw new ConfigError(
        'ALLOWED_HOSTS',
        'must be a comma-separated list of host names such as pd.example.com (no port, no scheme)',
      );
  return names;
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
