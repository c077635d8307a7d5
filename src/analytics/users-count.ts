import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Users that exist in PagerDuty (deleted ones kept for their references are not counted). */
export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
