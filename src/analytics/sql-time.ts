import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from '../db/dialect.js';

/**
 * Whole seconds from `from` to `to` (two timestamp columns), rounded, null when either is null.
 * Each dialect stores time its own way: ISO text on SQLite (through julianday), DATETIME(3) on
 * MySQL, timestamptz on PostgreSQL.
 */
export function secondsBetween<DB>(
  db: Kysely<DB>,
  to: string,
  from: string,
): RawBuilder<number | null> {
  const a = sql.ref(to);
  const b = sql.ref(from);
  switch (dialectOf(db)) {
    case 'sqlite':
      return sql<
        number | null
      >`cast(round((julianday(${a}) - julianday(${b})) * 86400) as integer)`;
    case 'mysql':
      return sql<
        number | null
      >`cast(round(timestampdiff(microsecond, ${b}, ${a}) / 1000000) as signed)`;
    default:
      return sql<number | null>`cast(round(extract(epoch from (${a} - ${b}))) as bigint)`;
  }
}

/** The UTC day of a timestamp column as YYYY-MM-DD. */
export function utcDay<DB>(db: Kysely<DB>, column: string): RawBuilder<string> {
  const c = sql.ref(column);
  switch (dialectOf(db)) {
    // SQLite stores ISO text; MySQL's session zone is UTC (see connection.ts).
    case 'sqlite':
      return sql<string>`substr(${c}, 1, 10)`;
    case 'mysql':
      return sql<string>`date_format(${c}, '%Y-%m-%d')`;
    default:
      return sql<string>`to_char(${c} at time zone 'UTC', 'YYYY-MM-DD')`;
  }
}

/** Which UTC quarter hour (seconds since the epoch / 900, whole) a timestamp column falls in. */
export function utcQuarterHour<DB>(db: Kysely<DB>, column: string): RawBuilder<number> {
  const c = sql.ref(column);
  switch (dialectOf(db)) {
    case 'sqlite':
      return sql<number>`(cast(strftime('%s', ${c}) as integer) / 900)`;
    case 'mysql':
      return sql<number>`floor(unix_timestamp(${c}) / 900)`;
    default:
      return sql<number>`floor(extract(epoch from ${c}) / 900)`;
  }
}
