import type { Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. Streamed reports page through incidents by (created_at, id). With an
// index on exactly that pair, each page is one index range read; with created_at alone every
// page sorted the rest of the table. It also covers what (created_at) did.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('incidents_created_id_idx')
    .on('incidents')
    .columns(['created_at', 'id'])
    .execute();
  const drop = db.schema.dropIndex('incidents_created_idx');
  await (dialectOf(db) === 'mysql' ? drop.on('incidents') : drop).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('incidents_created_idx')
    .on('incidents')
    .column('created_at')
    .execute();
  const drop = db.schema.dropIndex('incidents_created_id_idx');
  await (dialectOf(db) === 'mysql' ? drop.on('incidents') : drop).execute();
}
