import fs from 'node:fs';
import path from 'node:path';

/**
 * The checks the Metabase stand-in applies, taken from Metabase v0.50's source (metabase/metabase,
 * read from the 0.50 line of each file; the v0.50.3 tag itself could not be checked out here).
 * Part of the stand-in: Metabase cannot run on this machine.
 */

/** Field errors as Metabase's `defendpoint` validation words them (util/malli/schema.clj). */
export const MSG = {
  nonBlank: 'value must be a non-blank string.',
  nullableNonBlank: 'nullable value must be a non-blank string.',
  nullableString: 'nullable string.',
  positiveInt: 'value must be an integer greater than zero.',
  nullablePositiveInt: 'nullable value must be an integer greater than zero.',
  map: 'Value must be a map.',
  nullableMap: 'nullable Value must be a map.',
  email: 'value must be a valid email address.',
  password: 'password is too common.',
  token: 'Token does not match the setup token.',
  engine: 'value must be a valid database engine.',
  nullableBoolean: 'nullable boolean.',
  uniqueIds: 'nullable value must be seq of maps in which ids are unique.',
  parameters: 'nullable sequence of parameter must be a map with :id and :type keys.',
} as const;

export type Check = (value: unknown) => boolean;
export const isNonBlank: Check = (v) => typeof v === 'string' && v.trim() !== '';
export const isPositiveInt: Check = (v) => Number.isInteger(v) && (v as number) > 0;
export const isNonNegativeInt: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
export const isMap: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isBoolean: Check = (v) => typeof v === 'boolean';
/** `[:maybe …]`: absent or null passes. */
export const nullable =
  (check: Check): Check =>
  (v) =>
    v === undefined || v === null || check(v);
export const isEmail: Check = (v) => typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);

/**
 * The first failing field of `body` as Metabase's 400 body:
 * `{"errors": {field: message}, "specific-errors": {field: ["…, received: <value>"]}}`. Like
 * Malli's humanised errors, `specific-errors` quotes the value received: a client must not
 * repeat it (it can be a password).
 */
export function validate(
  body: Record<string, unknown>,
  schema: Record<string, [Check, string]>,
): Record<string, unknown> | undefined {
  for (const [field, [check, message]] of Object.entries(schema)) {
    const value = body[field];
    if (!check(value))
      return {
        errors: { [field]: message },
        'specific-errors': {
          [field]: [`invalid value, received: ${JSON.stringify(value ?? null)}`],
        },
      };
  }
  return undefined;
}

/**
 * A few of the passwords Metabase refuses as common. Metabase ships about 12,000 (its
 * resources/common_passwords.txt, from zxcvbn), compared case-insensitively; these are enough to
 * show a client that the rule is not only about length.
 */
const COMMON_PASSWORDS = new Set([
  'password1',
  'passw0rd',
  'qwerty123',
  'abc123',
  '123456',
  '1234567',
  '12345678',
  'letmein1',
  'trustno1',
  'welcome1',
]);

/**
 * util/password.clj `is-valid?` at the default complexity `normal`: at least 6 characters with at
 * least one digit, and not a common password.
 */
export function isValidPassword(password: unknown): boolean {
  if (typeof password !== 'string') return false;
  return (
    [...password].length >= 6 &&
    /\p{Nd}/u.test(password) &&
    !COMMON_PASSWORDS.has(password.toLowerCase())
  );
}

/** The database servers behind the stand-in, as Metabase would find them. */
export interface Warehouse {
  reachableHosts: string[];
  /** Whether the servers offer TLS that Metabase's drivers accept. */
  tlsAvailable: boolean;
  /** MySQL 8.4's default caching_sha2_password, with the login not in the server's cache. */
  cachingSha2Password: boolean;
  /** Metabase's working directory, against which it resolves a relative SQLite path. */
  metabaseCwd: string;
}

export type ConnectionError = { message: string; errors?: Record<string, string> };

/**
 * api/database.clj `test-database-connection`: nil when the details connect, else the body of the
 * 400. The SQLite driver (modules/drivers/sqlite, `confirm-file-is-sqlite`) opens the file and
 * reads its header, so a missing file, `:memory:` or a relative path that is not there from
 * Metabase's working directory fail; the MariaDB Connector/J behind the mysql engine cannot
 * complete caching_sha2_password on a plain connection without `allowPublicKeyRetrieval=true`.
 */
export function testConnection(
  engine: string,
  details: Record<string, unknown>,
  warehouse: Warehouse,
): ConnectionError | undefined {
  if (engine === 'sqlite') {
    const db = typeof details['db'] === 'string' ? details['db'] : 'sqlite.db';
    const file = path.resolve(warehouse.metabaseCwd, db);
    let header: string;
    try {
      const fd = fs.openSync(file, 'r');
      const buffer = Buffer.alloc(50);
      const read = fs.readSync(fd, buffer, 0, 50, 0);
      fs.closeSync(fd);
      header = buffer.subarray(0, read).toString('latin1');
    } catch {
      return { message: `${db} (No such file or directory)` };
    }
    return header.includes('SQLite format 3')
      ? undefined
      : { message: 'Unable to connect to database.' };
  }
  const host = String(details['host'] ?? '');
  if (!warehouse.reachableHosts.includes(host))
    return {
      message: `Host '${host}' is not reachable`,
      errors: { host: 'check your host settings' },
    };
  const ssl = details['ssl'] === true;
  if (ssl && !warehouse.tlsAvailable)
    return { message: 'Trying to connect with ssl, but ssl not enabled in the server' };
  const options = String(details['additional-options'] ?? '');
  if (
    engine === 'mysql' &&
    warehouse.cachingSha2Password &&
    !ssl &&
    !/(^|&)\s*allowPublicKeyRetrieval=true\s*(&|$)/i.test(options)
  )
    return {
      message:
        'RSA public key is not available client side (option serverRsaPublicKeyFile not set)',
    };
  return undefined;
}

/**
 * api/database.clj `test-connection-details` (POST /api/database): unless the details say
 * `ssl: true`, Metabase tries TLS first and keeps `ssl: true` when that works, whatever `ssl` was
 * sent; then the details as given.
 */
export function testConnectionDetails(
  engine: string,
  details: Record<string, unknown>,
  warehouse: Warehouse,
): { details: Record<string, unknown> } | { error: ConnectionError } {
  if (engine !== 'sqlite' && details['ssl'] !== true) {
    const withTls = { ...details, ssl: true };
    if (!testConnection(engine, withTls, warehouse)) return { details: withTls };
  }
  const error = testConnection(engine, details, warehouse);
  return error ? { error } : { details };
}
