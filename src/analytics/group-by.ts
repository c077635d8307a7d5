/** Groups items by a key, keeping their order. */
export function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  // Map.groupBy (ES2024, Node 22+); this name stays so that callers need not change.
  return Map.groupBy(items, key);
}
