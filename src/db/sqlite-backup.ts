import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/**
 * Copies a SQLite mirror to `target` while other connections read and write it: `VACUUM INTO`
 * writes a consistent snapshot (one read transaction) as a compact file of its own. Copying the
 * file itself is not a backup: in WAL mode the recent writes sit in the `-wal` file, and a copy
 * of the main file alone was found empty ("no such table"). Returns the size of the copy.
 */
export function backupSqliteFile(source: string, target: string): number {
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    // Waits for a writer's transaction rather than failing at once.
    db.pragma('busy_timeout = 10000');
    db.prepare('VACUUM INTO ?').run(path.resolve(target));
  } finally {
    db.close();
  }
  return fs.statSync(target).size;
}
