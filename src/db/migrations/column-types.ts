import {
  sql,
  type ColumnDataType,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
} from 'kysely';
import type { Dialect } from '../database-url.js';
import { dialectOf } from '../dialect.js';

type DataType = ColumnDataType | Expression<unknown>;

/** Column types that mean the same on every dialect. Used by migrations only. */
export interface ColumnTypes {
  dialect: Dialect;
  /** PagerDuty ids are short alphanumerics; 64 leaves room and stays indexable on MySQL. */
  id: DataType;
  name: DataType;
  url: DataType;
  text: DataType;
  timestamp: DataType;
  bool: DataType;
}

export function columnTypes(db: Kysely<unknown>): ColumnTypes {
  const dialect = dialectOf(db);
  return {
    dialect,
    id: 'varchar(64)',
    name: 'varchar(255)',
    url: 'varchar(1024)',
    text: 'text',
    // MySQL's TIMESTAMP ends in 2038 and converts with the session zone; DATETIME(3) holds UTC as written.
    timestamp:
      dialect === 'postgres'
        ? 'timestamptz'
        : dialect === 'mysql'
          ? sql.raw('datetime(3)')
          : 'text',
    bool: 'boolean',
  };
}

/**
 * Table options per dialect. On MySQL/MariaDB: utf8mb4 for names with any character, and a
 * binary collation so that ids and equality compare exactly as on PostgreSQL and SQLite.
 */
export function withTableOptions<TB extends string, C extends string>(
  builder: CreateTableBuilder<TB, C>,
  types: ColumnTypes,
): CreateTableBuilder<TB, C> {
  if (types.dialect !== 'mysql') return builder;
  return builder.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
}
