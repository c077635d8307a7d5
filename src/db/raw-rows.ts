import type SqliteDatabase from 'better-sqlite3';
import type { MappedPage } from './read-pool.js';

/**
 * Runs a raw (array-row) SQLite statement through a readPage transform, handing it the rows one
 * at a time as SQLite steps, never all at once: the exact percentiles and the facts' copy read a
 * million rows in one job, and an array of them cost over 100 MB. Reports the rows read and the
 * key columns of the last one.
 */
export function mapRawRows<T>(
  statement: SqliteDatabase.Statement,
  params: readonly unknown[],
  keyIndexes: readonly number[],
  transform: (rows: Iterable<readonly unknown[]>, args: unknown) => T,
  args: unknown,
): MappedPage<T> {
  let count = 0;
  let last: unknown[] | undefined;
  function* rows(): Generator<unknown[]> {
    for (const row of statement.iterate(params) as Iterable<unknown[]>) {
      count += 1;
      last = row;
      yield row;
    }
  }
  const iterator = rows();
  try {
    const value = transform(iterator, args);
    return { value, count, last: last ? keyIndexes.map((i) => last?.[i]) : null };
  } finally {
    // A transform that stops early (or throws) must not leave the statement busy.
    iterator.return(undefined);
  }
}
