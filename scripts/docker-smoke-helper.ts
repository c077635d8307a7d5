// Host-side steps of scripts/docker-smoke.sh that need more than curl: run with `npx tsx`.
//   png-title-ink FILE     dark pixels in a status-chart PNG's title region (0: its text was lost)
//   create-db URL          a new empty database on the server of URL (mysql: or postgres:); prints its URL
//   counts URL             "services=N incidents=M" of the mirror at URL
//   drop-db URL            drops the database of URL
import crypto from 'node:crypto';
import fs from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { countServices } from '../src/analytics/services-analytics.js';
import { incidentsByStatus } from '../src/analytics/incidents-analytics.js';
import { parseConfig } from '../src/config.js';
import { createDb } from '../src/db/connection.js';
import { countInk, decodePng } from '../test/helpers/png-pixels.js';

// The title and its subtext, above the grid, in the PNG's pixels (drawn at twice 720 x 420).
const TITLE_REGION = { left: 160, top: 0, right: 1280, bottom: 140 };

async function createDatabase(serverUrl: string): Promise<string> {
  const url = new URL(serverUrl);
  const name = `pda_smoke_${crypto.randomBytes(4).toString('hex')}`;
  if (url.protocol === 'mysql:') {
    const admin = await mysql.createConnection({ uri: serverUrl });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
  } else {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  if (!/^pda_smoke_[0-9a-f]+$/.test(name)) throw new Error('not a smoke-test database');
  if (url.protocol === 'mysql:') {
    const admin = await mysql.createConnection({ uri: databaseUrl });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  } else {
    url.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

async function counts(databaseUrl: string): Promise<string> {
  const handle = createDb(parseConfig({ DATABASE_URL: databaseUrl }).database);
  try {
    const services = await countServices(handle.db);
    const incidents = (await incidentsByStatus(handle.db, {})).total;
    return `services=${services} incidents=${incidents}`;
  } finally {
    await handle.destroy();
  }
}

const [command, argument = ''] = process.argv.slice(2);
if (command === 'png-title-ink') {
  console.log(countInk(decodePng(fs.readFileSync(argument)), TITLE_REGION));
} else if (command === 'create-db') {
  console.log(await createDatabase(argument));
} else if (command === 'counts') {
  console.log(await counts(argument));
} else if (command === 'drop-db') {
  await dropDatabase(argument);
} else {
  console.error(
    'usage: docker-smoke-helper.ts png-title-ink FILE | create-db URL | counts URL | drop-db URL',
  );
  process.exit(2);
}
