import type { Command } from 'commander';
import { parseConfig } from '../../config.js';
import { createDb } from '../../db/connection.js';
import { describeDatabaseTarget } from '../../db/database-url.js';
import { currentSchemaVersion, migrateToLatest } from '../../db/migrator.js';
import type { CliContext } from '../cli-context.js';

export function registerMigrateCommand(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description('apply pending database migrations to DATABASE_URL')
    .action(async () => {
      const config = parseConfig(context.env);
      const db = createDb(config.database);
      try {
        const applied = await migrateToLatest(db.db);
        const version = await currentSchemaVersion(db.db);
        context.stdout(
          applied.length > 0
            ? `applied ${applied.join(', ')} to ${describeDatabaseTarget(config.database)}; schema at ${version}`
            : `${describeDatabaseTarget(config.database)} is up to date (schema ${version})`,
        );
      } finally {
        await db.destroy();
      }
    });
}
