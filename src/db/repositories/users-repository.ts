import type { Kysely } from 'kysely';
import type { Database, NewUser, User } from '../schema.js';
import { upsertRows } from './table-writer.js';

/** Inserts or updates users by id. */
export function upsertUsers(db: Kysely<Database>, rows: readonly NewUser[]): Promise<number> {
  return upsertRows(db, 'users', rows);
}

export function findUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}
