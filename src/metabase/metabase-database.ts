import path from 'node:path';
import { SQLITE_MEMORY, type DatabaseTarget } from '../db/database-url.js';
import { ValidationError } from '../errors.js';

/** What Metabase needs to connect to the mirror, as seen from the Metabase host. */
export interface MetabaseDatabase {
  engine: 'postgres' | 'mysql' | 'sqlite';
  details: Record<string, unknown>;
}

export interface MetabaseDatabaseOptions {
  /** The database host as Metabase sees it (in Docker the service name, not 127.0.0.1). */
  host?: string;
  /** The SQLite file's path as Metabase sees it. */
  sqlitePath?: string;
  /**
   * Whether Metabase runs on this machine, so that it can open a file path resolved here. When
   * it runs elsewhere a SQLite file needs `sqlitePath`.
   */
  metabaseIsLocal?: boolean;
  /** The directory a relative SQLite path of DATABASE_URL is relative to. */
  cwd?: string;
}

/**
 * MySQL 8's default authentication, caching_sha2_password, sends the password over a plain
 * connection only encrypted with the server's RSA key. Metabase's MySQL driver (MariaDB
 * Connector/J) fetches that key only when allowed to, so without this option the login works
 * while the server has it cached (after some other client logged in since MySQL started) and fails
 * otherwise ("RSA public key is not available client side"). MariaDB servers ignore it.
 */
const MYSQL_OPTION = 'allowPublicKeyRetrieval';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;

/** Whether a Metabase URL names this machine. */
export function isLoopbackUrl(url: string): boolean {
  return LOOPBACK.test(new URL(url).hostname);
}

/**
 * Whether the URL asks for TLS: `sslmode` (libpq), `ssl-mode`/`ssl_mode` (MySQL) or `ssl`.
 * Undefined when it does not say, or says "prefer": Metabase then tries TLS first by itself.
 */
export function sslFromUrl(url: URL): boolean | undefined {
  const mode = ['sslmode', 'ssl-mode', 'ssl_mode']
    .map((k) => url.searchParams.get(k))
    .find((v) => v !== null)
    ?.toLowerCase();
  if (mode !== undefined) {
    if (mode === 'disable' || mode === 'disabled') return false;
    if (mode === 'allow' || mode === 'prefer' || mode === 'preferred') return undefined;
    return true; // require, verify-ca, verify-full, required, verify_identity
  }
  const ssl = url.searchParams.get('ssl')?.toLowerCase();
  if (ssl === undefined || ssl === '') return undefined;
  return !(ssl === 'false' || ssl === '0');
}

function sqliteDetails(
  target: { path: string },
  options: MetabaseDatabaseOptions,
): MetabaseDatabase {
  if (target.path === SQLITE_MEMORY)
    throw new ValidationError(
      'DATABASE_URL is an in-memory SQLite database, which Metabase cannot open: use a SQLite file, MariaDB/MySQL or PostgreSQL',
      'DATABASE_URL',
    );
  if (options.sqlitePath !== undefined) {
    const given = options.sqlitePath.trim();
    if (given === SQLITE_MEMORY || !(path.posix.isAbsolute(given) || path.win32.isAbsolute(given)))
      throw new ValidationError(
        '--sqlite-path must be the absolute path of the SQLite file on the Metabase host',
        '--sqlite-path',
      );
    return { engine: 'sqlite', details: { db: given } };
  }
  if (options.metabaseIsLocal === false)
    throw new ValidationError(
      'Metabase runs on another host, which cannot see this SQLite file at its path here: give --sqlite-path, the path of the file on the Metabase host (mount or copy it there)',
      '--sqlite-path',
    );
  // Metabase resolves a relative path against its own working directory, not ours.
  const db = options.cwd ? path.resolve(options.cwd, target.path) : path.resolve(target.path);
  return { engine: 'sqlite', details: { db } };
}

/**
 * Connection details for Metabase from DATABASE_URL, in the engine keys of Metabase's drivers
 * (v0.50: `host, port, dbname, user, password, ssl, additional-options` for mysql and postgres,
 * `db` for sqlite). `ssl` is sent only when the URL says: when it is absent Metabase tries TLS
 * first and keeps what worked (database.clj, test-connection-details).
 */
export function metabaseDatabase(
  target: DatabaseTarget,
  options: MetabaseDatabaseOptions = {},
): MetabaseDatabase {
  if (target.dialect === 'sqlite') return sqliteDetails(target, options);
  const url = new URL(target.url);
  const engine = target.dialect === 'mysql' ? 'mysql' : 'postgres';
  const ssl = sslFromUrl(url);
  return {
    engine,
    details: {
      host: options.host ?? url.hostname,
      port: Number(url.port || (engine === 'mysql' ? 3306 : 5432)),
      dbname: decodeURIComponent(url.pathname.replace(/^\//, '')),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ...(ssl === undefined ? {} : { ssl }),
      ...(engine === 'mysql' ? { 'additional-options': `${MYSQL_OPTION}=true` } : {}),
    },
  };
}

/**
 * The details to PUT on a re-run. Metabase merges them into the stored ones (database.clj,
 * upsert-sensitive-fields), so what is left out stays as the admin or Metabase set it (the TLS
 * that worked, an SSH tunnel); only the JDBC options string is one value, so ours is merged into
 * theirs.
 */
export function detailsForUpdate(
  database: MetabaseDatabase,
  stored: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const ours = database.details['additional-options'];
  const theirs = stored?.['additional-options'];
  if (typeof ours !== 'string' || typeof theirs !== 'string' || theirs.trim() === '')
    return database.details;
  const kept = theirs
    .split('&')
    .filter((pair) => pair.trim() !== '' && pair.split('=')[0]?.trim() !== MYSQL_OPTION);
  return { ...database.details, 'additional-options': [...kept, ours].join('&') };
}
