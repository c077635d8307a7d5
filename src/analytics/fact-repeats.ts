import type { Codes } from './narrow-column.js';

// The repeat flag of every incident of the copy of the facts (fact-store.ts), from the repeat
// keys as they were read: what incident-conditions.ts's 'repeat' says in SQL, computed once per
// load instead of a test per incident (5 s of a 20-37 s load at a million incidents on SQLite,
// most of 476 s on MariaDB).
//
// The incidents come in the primary key's order (created_at, incident_id) as the database
// orders it, so "before" (created earlier, or at the same instant with a smaller id) is "at a
// smaller index": the tie rule needs no comparison of ids here, and so follows the database's
// collation of incident_id whatever it is. Of the incidents of a service and key before one, the
// one just before it is the latest created; the incident is a repeat when that one was created
// at or after its created_at minus the window (the SQL's inclusive bound).

/** What repeatFlags gives back. */
export interface RepeatFlags {
  /** 1 for a repeat. */
  repeat: Uint8Array;
  /**
   * Each incident's key as an index of `names`; -1 when its key is null or no incident of its
   * service with that key is a repeat (the keys array given, rewritten in place).
   */
  keys: Int32Array;
  /** The keys some service repeats, each once. */
  names: string[];
  /** Roughly what the kept names take (V8's one-byte strings: a header and a byte a character). */
  nameBytes: number;
}

const STRING_HEADER_BYTES = 16;

/**
 * Sets the repeat flag of each incident and keeps only the keys that repeat, as strings (the
 * others stay codes of the load's KeyTable, dropped with it). `created` is in the primary key's
 * order; `service` and `keys` are codes, -1 for null (never a repeat: the SQL's
 * equality is not true of null). Linear: two stable counting sorts bring each (service, key)'s
 * incidents together in their order, with 8 bytes an incident for the while, and no map.
 */
export function repeatFlags(
  created: Float64Array,
  service: Codes,
  keys: Int32Array,
  keyCount: number,
  nameOf: (code: number) => string,
  windowMs: number,
): RepeatFlags {
  const size = created.length;
  const repeat = new Uint8Array(size);
  let serviceCount = 0;
  let keyed = 0;
  for (let i = 0; i < size; i += 1) {
    const s = service[i] ?? -1;
    const k = keys[i] ?? -1;
    if (s < 0 || k < 0) continue;
    keyed += 1;
    if (s >= serviceCount) serviceCount = s + 1;
  }
  // Incidents with a service and a key, by service, then (stably) by key: (key, service, index).
  const byService = countingSort(
    undefined,
    size,
    (i) => ((keys[i] ?? -1) < 0 ? -1 : (service[i] ?? -1)),
    serviceCount,
    new Int32Array(keyed),
  );
  const order = countingSort(
    byService,
    keyed,
    (i) => keys[i] ?? 0,
    keyCount,
    new Int32Array(keyed),
  );
  const kept = new Uint8Array(keyCount);
  for (let start = 0; start < keyed;) {
    const first = order[start] ?? 0;
    let end = start + 1;
    let repeats = false;
    for (; end < keyed; end += 1) {
      const i = order[end] ?? 0;
      const before = order[end - 1] ?? 0;
      if (keys[i] !== keys[first] || service[i] !== service[first]) break;
      if ((created[before] ?? 0) >= (created[i] ?? 0) - windowMs) {
        repeat[i] = 1;
        repeats = true;
      }
    }
    if (repeats) kept[keys[first] ?? 0] = 1;
    else for (let n = start; n < end; n += 1) keys[order[n] ?? 0] = -1;
    start = end;
  }
  // The kept keys renumbered; the others dropped (the repeats list never shows them).
  const code = new Int32Array(keyCount).fill(-1);
  const names: string[] = [];
  let nameBytes = 0;
  kept.forEach((k, c) => {
    if (k !== 1) return;
    code[c] = names.length;
    const name = nameOf(c);
    names.push(name);
    nameBytes += STRING_HEADER_BYTES + name.length;
  });
  for (let i = 0; i < size; i += 1) {
    const k = keys[i] ?? -1;
    if (k >= 0) keys[i] = code[k] ?? -1;
  }
  return { repeat, keys, names, nameBytes };
}

/**
 * The items (0..count-1 when none are given) stably sorted by a small whole number in
 * [0, range); an item whose number is -1 is left out. Written into `to`, sized for the kept.
 */
function countingSort(
  items: Int32Array | undefined,
  count: number,
  keyOf: (item: number) => number,
  range: number,
  to: Int32Array,
): Int32Array {
  const item = (n: number) => (items ? (items[n] ?? 0) : n);
  const offsets = new Int32Array(range + 1);
  for (let n = 0; n < count; n += 1) {
    const k = keyOf(item(n));
    if (k >= 0) offsets[k + 1] = (offsets[k + 1] ?? 0) + 1;
  }
  for (let k = 0; k < range; k += 1) offsets[k + 1] = (offsets[k + 1] ?? 0) + (offsets[k] ?? 0);
  for (let n = 0; n < count; n += 1) {
    const it = item(n);
    const k = keyOf(it);
    if (k < 0) continue;
    const at = offsets[k] ?? 0;
    to[at] = it;
    offsets[k] = at + 1;
  }
  return to;
}
