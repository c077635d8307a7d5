/**
 * Bound parameters per statement. SQLite allows 32,766, MySQL and PostgreSQL 65,535; staying well
 * below keeps statements small enough to plan quickly.
 */
export const MAX_BIND_PARAMETERS = 8_000;
/** Ids per IN (...) list. */
export const MAX_IN_LIST = 1_000;

/** Splits a list into chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
