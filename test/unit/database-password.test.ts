import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { DatabaseTarget } from '../../src/db/database-url.js';
import { ConfigError } from '../../src/errors.js';

// Each of these breaks a password pasted into a URL: `@` ends the user info, `:` splits user
// from password, `/` and `#` end the authority, `%` starts an escape. MySQL accepts all of them.
const PASSWORD = 'p@ss:w/rd#50%off';

/**
 * The password a driver will send: mysql2 and pg both read `decodeURIComponent(new URL(url).password)`
 * (mysql2's ConnectionConfig.parseUrl, pg-connection-string's parse).
 */
function driverView(target: DatabaseTarget): { user: string; password: string; url: URL } {
  if (target.dialect === 'sqlite') throw new Error('expected a server URL');
  const url = new URL(target.url);
  return {
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    url,
  };
}

function configError(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-password-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('DATABASE_PASSWORD and DATABASE_PASSWORD_FILE', () => {
  it.each([
    { databaseUrl: 'mysql://pd@db:3306/pd_analytics', protocol: 'mysql:', port: '3306' },
    { databaseUrl: 'postgres://pd@db:5432/pd_analytics', protocol: 'postgres:', port: '5432' },
  ])(
    'give $databaseUrl a password that breaks a URL, as it is',
    ({ databaseUrl, protocol, port }) => {
      const config = parseConfig({ DATABASE_URL: databaseUrl, DATABASE_PASSWORD: PASSWORD });
      const seen = driverView(config.database);
      expect(seen.password).toBe(PASSWORD);
      expect(seen.user).toBe('pd');
      expect(seen.url.protocol).toBe(protocol);
      expect(seen.url.hostname).toBe('db');
      expect(seen.url.port).toBe(port);
      expect(seen.url.pathname).toBe('/pd_analytics');
    },
  );

  it("override the URL's own password", () => {
    const config = parseConfig({
      DATABASE_URL: 'mysql://pd:old-password@db:3306/pd',
      DATABASE_PASSWORD: PASSWORD,
    });
    expect(driverView(config.database).password).toBe(PASSWORD);
  });

  it('read the password from a file, without its trailing newline (Docker secrets)', () => {
    const file = path.join(dir, 'db-password');
    fs.writeFileSync(file, `${PASSWORD}\n`);
    const config = parseConfig({
      DATABASE_URL: 'mysql://pd@db:3306/pd',
      DATABASE_PASSWORD_FILE: file,
    });
    expect(driverView(config.database).password).toBe(PASSWORD);
  });

  it('leave the URL alone when neither is set or both are empty', () => {
    const url = 'mysql://pd:pw@db:3306/pd';
    expect(parseConfig({ DATABASE_URL: url }).database).toEqual({ dialect: 'mysql', url });
    expect(
      parseConfig({ DATABASE_URL: url, DATABASE_PASSWORD: '', DATABASE_PASSWORD_FILE: '' })
        .database,
    ).toEqual({ dialect: 'mysql', url });
  });

  it('refuse both at once, a missing or empty file, and a SQLite target, without echoing the secret', () => {
    const both = configError({
      DATABASE_URL: 'mysql://pd@db:3306/pd',
      DATABASE_PASSWORD: PASSWORD,
      DATABASE_PASSWORD_FILE: path.join(dir, 'db-password'),
    });
    expect(both.variable).toBe('DATABASE_PASSWORD_FILE');
    expect(both.message).toContain('DATABASE_PASSWORD');

    const missing = configError({
      DATABASE_URL: 'mysql://pd@db:3306/pd',
      DATABASE_PASSWORD_FILE: path.join(dir, 'absent'),
    });
    expect(missing.variable).toBe('DATABASE_PASSWORD_FILE');

    const emptyFile = path.join(dir, 'empty');
    fs.writeFileSync(emptyFile, '\n');
    expect(
      configError({ DATABASE_URL: 'mysql://pd@db:3306/pd', DATABASE_PASSWORD_FILE: emptyFile })
        .variable,
    ).toBe('DATABASE_PASSWORD_FILE');

    const sqlite = configError({ DATABASE_URL: 'sqlite:./x.db', DATABASE_PASSWORD: PASSWORD });
    expect(sqlite.variable).toBe('DATABASE_PASSWORD');

    for (const error of [both, missing, sqlite]) {
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain('\n');
    }
  });
});
