import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from './dialect.js';

/**
 * A column wrapped in a no-op that keeps SQLite's and MariaDB/MySQL's planners from choosing an
 * index on it: unary + on SQLite (a no-op on any value, text included), concat() on MySQL.
 * PostgreSQL plans by statistics and needs none. For when the planner's guess about the index
 * is wrong: a test on a column with few values (status) beside a short list of primary keys,
 * or a GROUP BY that an index's order would serve at the cost of a lookup per row.
 */
export function noIndex<DB>(db: Kysely<DB>, column: string): RawBuilder<unknown> {
  const ref = sql.ref(column);
  switch (dialectOf(db)) {
    case 'sqlite':
      return sql`+${ref}`;
    case 'mysql':
      return sql`concat(${ref})`;
    default:
      return sql`${ref}`;
  }
}
