import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createDb, pingDb } from '../../src/db/connection.js';
import { dialectsUnderTest, TEST_MYSQL_URL } from '../helpers/test-databases.js';

// MySQL accepts a password that breaks a URL; DATABASE_PASSWORD must get it to the server intact.
// PostgreSQL is left out: the servers here trust every login, so a wrong password would pass too.
const PASSWORD = 'p@ss:w/rd#50%off';
const mysqlUnderTest = (await dialectsUnderTest()).find((d) => d.dialect === 'mysql');

describe.skipIf(!mysqlUnderTest?.available)('DATABASE_PASSWORD on mysql', () => {
  const user = `pda_pw_${crypto.randomBytes(4).toString('hex')}`;
  const database = new URL(TEST_MYSQL_URL).pathname.slice(1);

  beforeAll(async () => {
    const admin = await mysql.createConnection({ uri: TEST_MYSQL_URL });
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', PASSWORD]);
    await admin.query(`GRANT SELECT ON \`${database}\`.* TO ?@?`, [user, '%']);
    await admin.end();
  });

  afterAll(async () => {
    const admin = await mysql.createConnection({ uri: TEST_MYSQL_URL });
    await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
    await admin.end();
  });

  it('logs in with a password holding @ : / # %', async () => {
    const url = new URL(TEST_MYSQL_URL);
    url.username = user;
    url.password = '';
    const config = parseConfig({ DATABASE_URL: url.toString(), DATABASE_PASSWORD: PASSWORD });
    const handle = createDb(config.database);
    try {
      await expect(pingDb(handle.db)).resolves.toBeUndefined();
    } finally {
      await handle.destroy();
    }
  });
});
