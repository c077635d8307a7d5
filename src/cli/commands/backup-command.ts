import fs from 'node:fs';
import type { Command } from 'commander';
import { parseConfig } from '../../config.js';
import { describeDatabaseTarget, SQLITE_MEMORY } from '../../db/database-url.js';
import { backupSqliteFile } from '../../db/sqlite-backup.js';
import { ValidationError } from '../../errors.js';
import type { CliContext } from '../cli-context.js';

/** What to run for a server database: its own tools make consistent copies without locking. */
export function nativeBackupCommand(dialect: 'mysql' | 'postgres', url: string): string {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(u.username) || (dialect === 'mysql' ? 'root' : 'postgres');
  if (dialect === 'mysql')
    return `mysqldump --single-transaction --host ${u.hostname} --port ${u.port || '3306'} --user ${user} -p ${database} > FILE.sql`;
  return `pg_dump --format=custom --host ${u.hostname} --port ${u.port || '5432'} --username ${user} --file FILE.dump ${database}`;
}

export function registerBackupCommand(program: Command, context: CliContext): void {
  program
    .command('backup')
    .description(
      'copy the SQLite mirror of DATABASE_URL to FILE, consistently, even while serve or sync runs (MariaDB/MySQL and PostgreSQL: it prints their own command)',
    )
    .argument('<file>', 'where the copy goes (must not exist)')
    .action((file: string) => {
      const config = parseConfig(context.env);
      const target = config.database;
      if (target.dialect !== 'sqlite') {
        throw new ValidationError(
          `${describeDatabaseTarget(target)} is backed up with its own tools, consistently while pd-analytics runs: ${nativeBackupCommand(target.dialect, target.url)}`,
          'DATABASE_URL',
        );
      }
      if (target.path === SQLITE_MEMORY)
        throw new ValidationError('an in-memory database cannot be backed up', 'DATABASE_URL');
      if (!fs.existsSync(target.path))
        throw new ValidationError(`no database at ${target.path} (DATABASE_URL)`, 'DATABASE_URL');
      if (fs.existsSync(file))
        throw new ValidationError(`${file} exists: give a new file name`, 'file');
      const started = performance.now();
      const bytes = backupSqliteFile(target.path, file);
      context.stdout(
        `backed up sqlite:${target.path} to ${file} (${(bytes / 1e6).toFixed(1)} MB, ${Math.round(performance.now() - started)} ms)`,
      );
      context.stdout(
        `  to restore: stop pd-analytics, delete ${target.path}-wal and ${target.path}-shm if present, then copy ${file} to ${target.path}`,
      );
    });
}
