import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
} from 'kysely';
import type { Database } from './schema.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-sync-lease-owner.js';
import * as m0003 from './migrations/0003-log-entries-first-ack-index.js';
import * as m0004 from './migrations/0004-webhook-deliveries.js';
import * as m0005 from './migrations/0005-incidents-covering-index.js';
import * as m0006 from './migrations/0006-incidents-keyset-index.js';
import * as m0007 from './migrations/0007-reporting-views.js';

// Listed statically so migrations run the same from src (tests) and from dist (the CLI).
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-sync-lease-owner': m0002,
  '0003-log-entries-first-ack-index': m0003,
  '0004-webhook-deliveries': m0004,
  '0005-incidents-covering-index': m0005,
  '0006-incidents-keyset-index': m0006,
  '0007-reporting-views': m0007,
};

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export const LATEST_SCHEMA_VERSION = Object.keys(MIGRATIONS).sort().at(-1) ?? 'none';

export class MigrationFailedError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(
      `migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'MigrationFailedError';
  }
}

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: new StaticMigrationProvider() });
}

/** Applies every pending migration; throws MigrationFailedError naming the one that failed. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
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
