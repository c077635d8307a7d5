import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { countLive } from './incident-filter.js';

/** One page of a listing and how many rows match in all. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * Every row of a paged listing, a page at a time, for the reports: no hidden limit, and one
 * page in memory. For the small collections (services, teams, policies, users); incidents are
 * read in keyset pages instead.
 */
export async function* iterPages<T>(
  list: (limit: number, offset: number) => Promise<Page<T>>,
  size = 1000,
): AsyncGenerator<T[], void, undefined> {
  for (let offset = 0; ; offset += size) {
    const page = await list(size, offset);
    if (page.items.length > 0) yield page.items;
    if (page.items.length < size || offset + size >= page.total) return;
  }
}

/**
 * A page of `rows`, the live rows (not deleted from PagerDuty) of a directory table, by name then
 * id: the order every directory list answers in, the id making it total when names repeat. With
 * how many rows of the table are live, read beside it.
 */
export function pageLiveByName<T extends 'teams' | 'escalation_policies', O>(
  db: Kysely<Database>,
  table: T,
  rows: SelectQueryBuilder<Database, T, O>,
  limit: number,
  offset: number,
): Promise<[O[], number]> {
  // The columns are the table's own; sql.ref spells them once for either table.
  return Promise.all([
    rows
      .where(sql.ref('deleted_at'), 'is', null)
      .orderBy(sql.ref('name'))
      .orderBy(sql.ref('id'))
      .limit(limit)
      .offset(offset)
      .execute(),
    countLive(db, table),
  ]);
}
