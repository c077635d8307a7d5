// Values as the drivers hand them back, read one way: a module of its own, free of the drivers,
// so that what reads rows (the analytics in the read workers) does not load mysql2 and pg (about
// 10 MB a thread) on SQLite.

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Reads a stored timestamp, whatever the driver returned, as ISO-8601 UTC (ending in Z). */
export function toIsoTimestamp(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  // SQLite hands back what was stored: already canonical ISO text, no need to parse it again.
  if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Reads a stored boolean: 0/1 on SQLite and MySQL, true/false on PostgreSQL. */
export function toBoolean(value: boolean | number | string | null | undefined): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}
