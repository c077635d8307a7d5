import {
  MysqlAdapter,
  PostgresAdapter,
  sql,
  type ColumnDataType,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
} from 'kysely';

// FROZEN. Migrations 0001 to 0008 import these copies, and nothing else of the project, so that
// what a migration creates on a new install never changes with the live code: editing
// src/db/dialect.ts or a column type of the application cannot reach them. Never edit this
// file; a migration that needs different helpers gets a frozen-helpers-v2.ts of its own.

export type FrozenDialect = 'sqlite' | 'mysql' | 'postgres';

type DataType = ColumnDataType | Expression<unknown>;

/** The dialect behind a Kysely instance or transaction (frozen copy of db/dialect.ts). */
export function dialectOf<DB>(db: Kysely<DB>): FrozenDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

/** Column types that mean the same on every dialect. */
export interface ColumnTypes {
  dialect: FrozenDialect;
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
