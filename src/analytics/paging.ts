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
