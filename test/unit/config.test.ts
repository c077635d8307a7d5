import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { parseDatabaseUrl, describeDatabaseTarget } from '../../src/db/database-url.js';
import { ConfigError } from '../../src/errors.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('has working defaults for an empty environment', () => {
    const config = parseConfig({});
    expect(config.database).toEqual({ dialect: 'sqlite', path: './data/pd-analytics.db' });
    expect(config.pagerduty).toEqual({
      token: undefined,
      tokenType: 'token',
      apiUrl: 'https://api.pagerduty.com',
      requestsPerMinute: 900,
      concurrency: 4,
      webhookSecret: undefined,
    });
    expect(config.sync.since).toBeUndefined();
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(5000);
    expect(config.apiToken).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('reads every variable', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/pd',
      PAGERDUTY_TOKEN: 'u+abcdefghijklmnop',
      PAGERDUTY_API_URL: 'https://api.eu.pagerduty.com/',
      HOST: '0.0.0.0',
      PORT: '8080',
      API_TOKEN: 'read-token-0123456789',
      ADMIN_TOKEN: 'admin-token-0123456789',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://u:p@db:5432/pd' });
    expect(config.pagerduty.apiUrl).toBe('https://api.eu.pagerduty.com');
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('debug');
    expect(config.adminToken).toBe('admin-token-0123456789');
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'nonsense' }],
    ['DATABASE_URL', { DATABASE_URL: 'oracle://x/y' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root@127.0.0.1:3306' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: 'eighty' }],
    ['PAGERDUTY_API_URL', { PAGERDUTY_API_URL: 'ftp://example.com' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['API_TOKEN', { API_TOKEN: 'short' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'short' }],
    ['HOST', { HOST: 'bad host' }],
    ['SYNC_SINCE', { SYNC_SINCE: 'last tuesday' }],
    ['PAGERDUTY_RATE_LIMIT', { PAGERDUTY_RATE_LIMIT: '0' }],
    ['PAGERDUTY_CONCURRENCY', { PAGERDUTY_CONCURRENCY: 'many' }],
    ['PAGERDUTY_TOKEN_TYPE', { PAGERDUTY_TOKEN_TYPE: 'jwt' }],
  ])('names %s when it is invalid', (variable, env) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('reads SYNC_SINCE as UTC whatever the machine zone', () => {
    expect(parseConfig({ SYNC_SINCE: '2025-01-01' }).sync.since?.toISOString()).toBe(
      '2025-01-01T00:00:00.000Z',
    );
    expect(parseConfig({ SYNC_SINCE: '2025-01-01T10:00:00+02:00' }).sync.since?.toISOString()).toBe(
      '2025-01-01T08:00:00.000Z',
    );
  });

  it('reads the noise settings, and names the variable of a bad one', () => {
    expect(
      parseConfig({ TRANSIENT_MINUTES: '10', REPEAT_WINDOW_HOURS: '48' }).analytics,
    ).toMatchObject({ transientMinutes: 10, repeatWindowHours: 48 });
    for (const [name, value] of [
      ['TRANSIENT_MINUTES', '0'],
      ['TRANSIENT_MINUTES', '2.5'],
      ['REPEAT_WINDOW_HOURS', 'a day'],
      ['REPEAT_WINDOW_HOURS', '100000'],
    ] as const)
      expect(configError({ [name]: value }).message, `${name}=${value}`).toContain(name);
  });

  it('reads the cap of the analytics copy; 0 turns it off; a bad one is named', () => {
    expect(parseConfig({}).analyticsCacheMb).toBe(256);
    expect(parseConfig({ ANALYTICS_CACHE_MB: '0' }).analyticsCacheMb).toBe(0);
    expect(parseConfig({ ANALYTICS_CACHE_MB: '1024' }).analyticsCacheMb).toBe(1024);
    for (const value of ['-1', 'lots', '1.5'])
      expect(configError({ ANALYTICS_CACHE_MB: value }).message, value).toContain(
        'ANALYTICS_CACHE_MB',
      );
  });

  it('never echoes a secret in its errors', () => {
    expect(configError({ API_TOKEN: 'hunter2' }).message).not.toContain('hunter2');
    expect(configError({ DATABASE_URL: 'oracle://admin:s3cretpw@db/x' }).message).not.toContain(
      's3cretpw',
    );
    expect(configError({ DATABASE_URL: 'mysql://admin:s3cretpw@db' }).message).not.toContain(
      's3cretpw',
    );
    expect(configError({ PAGERDUTY_TOKEN: 'abc def' }).message).not.toContain('abc');
  });
});

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:./x/y.db', { dialect: 'sqlite', path: 'x/y.db' }],
    ['sqlite:///tmp/a.db', { dialect: 'sqlite', path: '/tmp/a.db' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
    ['mariadb://u:p@h:3306/d', { dialect: 'mysql', url: 'mysql://u:p@h:3306/d' }],
    ['postgresql://h/d', { dialect: 'postgres', url: 'postgresql://h/d' }],
  ])('parses %s', (raw, expected) => {
    expect(parseDatabaseUrl(raw)).toEqual(expected);
  });

  it('describes a target without its credentials', () => {
    expect(describeDatabaseTarget(parseDatabaseUrl('mysql://root:pw@db:3306/pd'))).toBe(
      'mysql://db:3306/pd',
    );
  });
});

describe('ONCALL_PAY_RULES and ONCALL_LIMITS', () => {
  const fail = (env: Record<string, string>) => {
    try {
      parseConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('default to no pay and no limits, and read every key', () => {
    const none = parseConfig({}).analytics;
    expect(none.pay).toEqual({
      currency: null,
      hourly: { business: 0, off: 0, sleep: 0, weekend: 0, holiday: 0 },
      perInterruption: { business: 0, off: 0, sleep: 0, weekend: 0, holiday: 0 },
      count: 'scheduled',
    });
    expect(none.limits).toEqual({});
    const set = parseConfig({
      ONCALL_PAY_RULES:
        '{"currency":"eur","hourly":{"sleep":4.5},"per_interruption":{"holiday":30},"count":"all"}',
      ONCALL_LIMITS: '{"max_hours_per_7_days":60.5,"max_consecutive_days":7}',
    }).analytics;
    expect(set.pay.currency).toBe('EUR');
    expect(set.pay.hourly.sleep).toBe(4.5);
    expect(set.pay.hourly.off).toBe(0);
    expect(set.pay.perInterruption.holiday).toBe(30);
    expect(set.pay.count).toBe('all');
    expect(set.limits).toEqual({ maxHoursPer7Days: 60.5, maxConsecutiveDays: 7 });
  });

  it('read a file named with @', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-pay-'));
    const file = path.join(dir, 'rules.json');
    fs.writeFileSync(file, '{"hourly":{"weekend":5}}');
    try {
      expect(parseConfig({ ONCALL_PAY_RULES: `@${file}` }).analytics.pay.hourly.weekend).toBe(5);
      expect(fail({ ONCALL_PAY_RULES: `@${path.join(dir, 'missing.json')}` })).toMatch(
        /^ONCALL_PAY_RULES.*cannot read the file.*ENOENT/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ ONCALL_PAY_RULES: '{"hourly":' }, 'ONCALL_PAY_RULES'],
    [{ ONCALL_PAY_RULES: '[1,2]' }, 'ONCALL_PAY_RULES'],
    [{ ONCALL_PAY_RULES: '{"hourly":{"sleep":"four"}}' }, 'ONCALL_PAY_RULES.hourly.sleep'],
    [{ ONCALL_PAY_RULES: '{"hourly":{"night":1}}' }, 'ONCALL_PAY_RULES.hourly.night'],
    [
      { ONCALL_PAY_RULES: '{"per_interruption":{"off":-1}}' },
      'ONCALL_PAY_RULES.per_interruption.off',
    ],
    [{ ONCALL_PAY_RULES: '{"count":"some"}' }, 'ONCALL_PAY_RULES.count'],
    [{ ONCALL_PAY_RULES: '{"currency":"euros"}' }, 'ONCALL_PAY_RULES.currency'],
    [{ ONCALL_PAY_RULES: '{"rate":1}' }, 'ONCALL_PAY_RULES.rate'],
    [{ ONCALL_LIMITS: '{"max_consecutive_days":2.5}' }, 'ONCALL_LIMITS.max_consecutive_days'],
    [{ ONCALL_LIMITS: '{"max_hours_per_7_days":200}' }, 'ONCALL_LIMITS.max_hours_per_7_days'],
    [{ ONCALL_LIMITS: 'sixty' }, 'ONCALL_LIMITS'],
  ])('stops at a malformed value naming the key: %j', (env, key) => {
    expect(fail(env).startsWith(`${key}: `)).toBe(true);
  });
});
