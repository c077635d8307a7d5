import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

const MAX_ATTEMPTS = 4;

/**
 * True for failures that a fresh attempt of the same transaction can get past: deadlocks and
 * lock waits (MySQL 1213/1205), deadlocks and serialisation failures (PostgreSQL 40P01/40001),
 * a busy SQLite file (SQLITE_BUSY and its extended codes).
 */
export function isTransientTransactionError(error: unknown): boolean {
  const e = error as { errno?: number; code?: string } | null;
  return (
    e?.errno === 1213 ||
    e?.errno === 1205 ||
    e?.code === '40P01' ||
    e?.code === '40001' ||
    (typeof e?.code === 'string' && e.code.startsWith('SQLITE_BUSY'))
  );
}

/** Runs `work` in a transaction, repeating it (a bounded number of times) after a deadlock. */
export async function inTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isTransientTransactionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}
