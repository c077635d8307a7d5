import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

export type Dialect = 'sqlite' | 'mysql' | 'postgres';

export type DatabaseTarget =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'mysql'; url: string }
  | { dialect: 'postgres'; url: string };

export const DEFAULT_SQLITE_PATH = './data/pd-analytics.db';
export const SQLITE_MEMORY = ':memory:';

const EXPECTED =
  'expected sqlite:PATH, sqlite::memory:, mysql://USER:PASS@HOST:PORT/DB or postgres://USER:PASS@HOST:PORT/DB';

/** A password given apart from the URL, with the variable it came from (for error messages). */
export interface DatabasePassword {
  value: string;
  variable: string;
}

/**
 * The password of DATABASE_PASSWORD, or read from the file DATABASE_PASSWORD_FILE names (the
 * official database images' `_FILE` convention for Docker secrets); undefined when neither is set.
 * Given apart from the URL, it needs no escaping: `@ : / # %` break a password pasted into a URL.
 */
export function readDatabasePassword(
  value: string | undefined,
  file: string | undefined,
): DatabasePassword | undefined {
  const fileName = file?.trim();
  if (value && fileName) {
    throw new ConfigError(
      'DATABASE_PASSWORD_FILE',
      'set DATABASE_PASSWORD or DATABASE_PASSWORD_FILE, not both',
    );
  }
  // The value is kept as it is (spaces included); only an empty one counts as unset.
  if (value) return { value, variable: 'DATABASE_PASSWORD' };
  if (!fileName) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(fileName, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError('DATABASE_PASSWORD_FILE', `cannot read the file (${code})`);
  }
  // Secret files usually end with a newline that is not part of the password.
  const password = text.replace(/[\r\n]+$/, '');
  if (!password) throw new ConfigError('DATABASE_PASSWORD_FILE', 'the file is empty');
  return { value: password, variable: 'DATABASE_PASSWORD_FILE' };
}

/**
 * Parses DATABASE_URL; a `password` given apart replaces the URL's own. Errors name the variable
 * and the scheme but never echo the value, which may carry a password.
 */
export function parseDatabaseUrl(
  raw: string | undefined,
  variable = 'DATABASE_URL',
  password?: DatabasePassword,
): DatabaseTarget {
  const value = raw?.trim();
  const target = parseUrl(value, variable);
  if (!password) return target;
  if (target.dialect === 'sqlite') {
    throw new ConfigError(
      password.variable,
      `applies to mysql and postgres URLs only; ${variable} is a SQLite file`,
    );
  }
  const url = new URL(target.url);
  // Both drivers decode the URL's password with decodeURIComponent.
  url.password = encodeURIComponent(password.value);
  return { dialect: target.dialect, url: url.toString() };
}

function parseUrl(value: string | undefined, variable: string): DatabaseTarget {
  if (!value) return { dialect: 'sqlite', path: DEFAULT_SQLITE_PATH };

  const schemeMatch = /^([a-z][a-z0-9+.-]*):/i.exec(value);
  if (!schemeMatch?.[1]) throw new ConfigError(variable, `not a database URL; ${EXPECTED}`);
  const scheme = schemeMatch[1].toLowerCase();
  const rest = value.slice(schemeMatch[0].length);

  if (scheme === 'sqlite' || scheme === 'file') {
    // sqlite:PATH, sqlite://PATH (relative) and sqlite:///abs/PATH are all accepted.
    let file = rest.startsWith('//') ? rest.slice(2) : rest;
    if (file === SQLITE_MEMORY || file === 'memory' || file === '') {
      if (file === '') throw new ConfigError(variable, `sqlite URL without a path; ${EXPECTED}`);
      return { dialect: 'sqlite', path: SQLITE_MEMORY };
    }
    file = decodeURIComponent(file);
    return { dialect: 'sqlite', path: path.normalize(file) };
  }

  const dialect =
    scheme === 'mysql' || scheme === 'mariadb'
      ? 'mysql'
      : scheme === 'postgres' || scheme === 'postgresql'
        ? 'postgres'
        : undefined;
  if (!dialect) throw new ConfigError(variable, `unsupported scheme '${scheme}'; ${EXPECTED}`);

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `malformed ${scheme} URL; ${EXPECTED}`);
  }
  if (!url.hostname) throw new ConfigError(variable, `${scheme} URL without a host; ${EXPECTED}`);
  if (dialect === 'mysql' && url.pathname.replace(/^\//, '') === '') {
    throw new ConfigError(variable, `mysql URL without a database name; ${EXPECTED}`);
  }
  if (dialect === 'mysql') {
    // mysql2 only understands the mysql: scheme.
    url.protocol = 'mysql:';
    return { dialect, url: url.toString() };
  }
  return { dialect, url: value };
}

/** A form of the target that is safe to print: no user name, no password. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return `sqlite:${target.path}`;
  const url = new URL(target.url);
  return `${target.dialect}://${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}
