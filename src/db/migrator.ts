import type { Kysely } from 'kysely';
// Kysely 0.29 serves the migrator from its own entry point.
import {
  Migrator,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
} from 'kysely/migration';
import type { Database } from './schema.js';
import { isTransientTransactionError } from './transaction.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-sync-lease-owner.js';
import * as m0003 from './migrations/0003-log-entries-first-ack-index.js';
import * as m0004 from './migrations/0004-webhook-deliveries.js';
import * as m0005 from './migrations/0005-incidents-covering-index.js';
import * as m0006 from './migrations/0006-incidents-keyset-index.js';
import * as m0007 from './migrations/0007-reporting-views.js';
import * as m0008 from './migrations/0008-run-owner-and-pending-webhooks.js';
import * as m0009 from './migrations/0009-incident-metrics-and-rollups.js';
import * as m0010 from './migrations/0010-response-metrics-views.js';
import * as m0011 from './migrations/0011-oncall-history-views.js';
import * as m0012 from './migrations/0012-counts-across-services-and-upcoming-shifts.js';
import * as m0013 from './migrations/0013-notification-medium-and-resolve-times.js';
import * as m0014 from './migrations/0014-on-call-pay-days.js';
import * as m0015 from './migrations/0015-noise-and-parity-facts.js';
import * as m0016 from './migrations/0016-noise-view-repeat-window.js';

// Listed statically so migrations run the same from src (tests) and from dist (the CLI).
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-sync-lease-owner': m0002,
  '0003-log-entries-first-ack-index': m0003,
  '0004-webhook-deliveries': m0004,
  '0005-incidents-covering-index': m0005,
  '0006-incidents-keyset-index': m0006,
  '0007-reporting-views': m0007,
  '0008-run-owner-and-pending-webhooks': m0008,
  '0009-incident-metrics-and-rollups': m0009,
  '0010-response-metrics-views': m0010,
  '0011-oncall-history-views': m0011,
  '0012-counts-across-services-and-upcoming-shifts': m0012,
  '0013-notification-medium-and-resolve-times': m0013,
  '0014-on-call-pay-days': m0014,
  '0015-noise-and-parity-facts': m0015,
  '0016-noise-view-repeat-window': m0016,
};

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Every migration, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();

export const LATEST_SCHEMA_VERSION = MIGRATION_NAMES.at(-1) ?? 'none';

export class MigrationFailedError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(
      `migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'MigrationFailedError';
  }
}

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: new StaticMigrationProvider() });
}

/** How long a start waits for another process's migrations (SQLite's write lock) to finish. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

/**
 * Applies every pending migration; throws MigrationFailedError naming the one that failed.
 * Processes starting together take turns: PostgreSQL and MySQL through Kysely's migration lock
 * (an advisory lock), SQLite through its write lock (transactions begin immediate), waited for
 * here when another process holds it past busy_timeout.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const started = Date.now();
  for (;;) {
    try {
      return await migrateOnce(db);
    } catch (error) {
      const busy = isTransientTransactionError(
        error instanceof MigrationFailedError ? error.cause : error,
      );
      if (!busy || Date.now() - started > MIGRATION_LOCK_WAIT_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function migrateOnce(db: Kysely<Database>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  const failed = results?.find((r: MigrationResult) => r.status === 'Error');
  // No failed migration means Kysely could not start (unreachable database): surface that as is.
  if (error) throw failed ? new MigrationFailedError(failed.migrationName, error) : error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The name of the last applied migration, or null on an empty database. */
export async function currentSchemaVersion(db: Kysely<Database>): Promise<string | null> {
  const migrations = await migrator(db).getMigrations();
  const applied = migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name);
  return applied.sort().at(-1) ?? null;
}
