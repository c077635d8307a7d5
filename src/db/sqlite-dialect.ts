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

/** The first pause between two tries for the write lock, doubled up to LOCK_POLL_MAX_MS. */
const LOCK_POLL_MIN_MS = 1;
const LOCK_POLL_MAX_MS = 16;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Transactions start with BEGIN IMMEDIATE, which takes SQLite's write lock at once. With a plain
 * BEGIN, two processes could both read inside their transactions and then collide on the first
 * write: two `sync` commands starting at once on a new file both saw no tables and both ran
 * migration 0001 ("table services already exists"); a writer whose snapshot went stale would
 * fail with SQLITE_BUSY at once instead of waiting.
 *
 * The wait for the lock is asynchronous, up to the busy timeout: SQLite's own busy handler
 * sleeps in the calling thread, and with the sync writing from its worker thread a webhook's
 * transaction on the server's thread froze the event loop, every request with it, until the
 * sync's commit (webhook p99 21x, reads 3.8x in bench/RESULTS.md). The connection's busy
 * timeout is set to 0 while it tries, and back after.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('pragma busy_timeout = 0'));
    try {
      for (
        let waited = 0, pause = LOCK_POLL_MIN_MS;
        ;
        pause = Math.min(pause * 2, LOCK_POLL_MAX_MS)
      ) {
        try {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
          return;
        } catch (error) {
          if (!isBusy(error) || waited >= this.busyTimeoutMs) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        waited += pause;
      }
    } finally {
      await connection.executeQuery(
        CompiledQuery.raw(`pragma busy_timeout = ${this.busyTimeoutMs}`),
      );
    }
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
  readonly #busyTimeoutMs: number;

  /** busyTimeoutMs: the connection's busy_timeout, which it keeps outside BEGIN IMMEDIATE. */
  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    super(config);
    this.#config = config;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#busyTimeoutMs);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}
