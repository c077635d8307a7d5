import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/db/database-url.js';
import { ValidationError } from '../../src/errors.js';
import {
  detailsForUpdate,
  isLoopbackUrl,
  metabaseDatabase,
  sslFromUrl,
} from '../../src/metabase/metabase-database.js';

const target = (url: string) => parseDatabaseUrl(url);

describe('the connection details pd-analytics gives Metabase', () => {
  it('resolves a relative SQLite path against the working directory', () => {
    expect(
      metabaseDatabase(target('sqlite:./data/pd.db'), {
        cwd: '/srv/pd',
        metabaseIsLocal: true,
      }),
    ).toEqual({ engine: 'sqlite', details: { db: '/srv/pd/data/pd.db' } });
    expect(metabaseDatabase(target('sqlite:///var/lib/pd.db'), { cwd: '/srv/pd' })).toEqual({
      engine: 'sqlite',
      details: { db: '/var/lib/pd.db' },
    });
  });

  it('refuses an in-memory SQLite database, even with --sqlite-path', () => {
    for (const sqlitePath of [undefined, '/data/pd.db']) {
      expect(() =>
        metabaseDatabase(target('sqlite::memory:'), {
          cwd: '/srv',
          ...(sqlitePath ? { sqlitePath } : {}),
        }),
      ).toThrow(/in-memory SQLite/);
    }
  });

  it('needs --sqlite-path, absolute, when Metabase runs elsewhere', () => {
    const elsewhere = () =>
      metabaseDatabase(target('sqlite:./data/pd.db'), {
        cwd: '/srv',
        metabaseIsLocal: false,
      });
    expect(elsewhere).toThrow(ValidationError);
    expect(elsewhere).toThrow(/--sqlite-path/);
    expect(
      metabaseDatabase(target('sqlite:./data/pd.db'), {
        metabaseIsLocal: false,
        sqlitePath: '/metabase-data/pd.db',
      }).details,
    ).toEqual({ db: '/metabase-data/pd.db' });
    for (const sqlitePath of ['data/pd.db', ':memory:', ' '])
      expect(() => metabaseDatabase(target('sqlite:./pd.db'), { sqlitePath })).toThrow(
        /--sqlite-path must be the absolute path/,
      );
  });

  it('tells a Metabase on this machine from one elsewhere by its URL', () => {
    for (const url of ['http://localhost:3000', 'http://127.0.0.1:3000/', 'http://[::1]:3000'])
      expect(isLoopbackUrl(url), url).toBe(true);
    for (const url of ['http://metabase:3000', 'https://bi.example.com', 'http://10.0.0.5:3000'])
      expect(isLoopbackUrl(url), url).toBe(false);
  });

  it('lets MariaDB Connector/J fetch the RSA key that caching_sha2_password needs', () => {
    expect(metabaseDatabase(target('mysql://ro:pw@db:3306/pd')).details).toEqual({
      host: 'db',
      port: 3306,
      dbname: 'pd',
      user: 'ro',
      password: 'pw',
      'additional-options': 'allowPublicKeyRetrieval=true',
    });
    expect(metabaseDatabase(target('postgres://ro:pw@db/pd')).details).not.toHaveProperty(
      'additional-options',
    );
  });

  it('keeps the JDBC options an admin set when it adds its own on a re-run', () => {
    const mysql = metabaseDatabase(target('mysql://ro:pw@db:3306/pd'));
    expect(
      detailsForUpdate(mysql, { 'additional-options': 'tinyInt1isBit=false' })[
        'additional-options'
      ],
    ).toBe('tinyInt1isBit=false&allowPublicKeyRetrieval=true');
    expect(
      detailsForUpdate(mysql, {
        'additional-options': 'allowPublicKeyRetrieval=false&useCompression=true',
      })['additional-options'],
    ).toBe('useCompression=true&allowPublicKeyRetrieval=true');
    expect(detailsForUpdate(mysql, undefined)).toEqual(mysql.details);
  });

  it('sends ssl only when the URL says, leaving Metabase to try TLS first otherwise', () => {
    const ssl = (url: string) => sslFromUrl(new URL(url));
    expect(ssl('postgres://u:p@db/pd')).toBeUndefined();
    expect(ssl('postgres://u:p@db/pd?sslmode=prefer')).toBeUndefined();
    expect(ssl('postgres://u:p@db/pd?sslmode=require')).toBe(true);
    expect(ssl('postgres://u:p@db/pd?sslmode=verify-full')).toBe(true);
    expect(ssl('postgres://u:p@db/pd?sslmode=disable')).toBe(false);
    expect(ssl('mysql://u:p@db/pd?ssl-mode=REQUIRED')).toBe(true);
    expect(ssl('mysql://u:p@db/pd?ssl=true')).toBe(true);
    expect(ssl('mysql://u:p@db/pd?ssl=false')).toBe(false);
    expect(metabaseDatabase(target('postgres://u:p@db/pd')).details).not.toHaveProperty('ssl');
    expect(metabaseDatabase(target('postgres://u:p@db/pd?sslmode=require')).details).toMatchObject({
      ssl: true,
    });
  });
});
