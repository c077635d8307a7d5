import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * Transactions start with BEGIN IMMEDIATE, which takes SQLite's write lock at once (waiting up
 * to busy_timeout for another process to finish). With a plain BEGIN, two processes could both
 * read inside their transactions and then collide on the first write: two `sync` commands
 * starting at once on a new file both saw no tables and both ran migration 0001 ("table
 * services already exists"); a writer whose snapshot went stale would fail with SQLITE_BUSY
 * at once instead of waiting.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite runs DDL in transactions, but Kysely 0.28's adapter says it does not, so its migrator
 * ran each statement on its own: migrations were neither atomic (a failure left half a schema)
 * nor serialised between processes. Saying so makes the migrator run them in one transaction,
 * which begins immediate: that write lock is the migration lock across processes.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}
