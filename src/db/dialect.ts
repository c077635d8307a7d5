import { MysqlAdapter, PostgresAdapter, type Kysely } from 'kysely';
import type { Dialect } from './database-url.js';

/** The dialect behind a Kysely instance or transaction. */
export function dialectOf<DB>(db: Kysely<DB>): Dialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}
