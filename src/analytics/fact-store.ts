import { readMirrorVersion } from '../db/repositories/mirror-state-repository.js';
import type { Db } from '../db/connection.js';
import { dialectOf } from '../db/dialect.js';
import type { Dialect } from '../db/database-url.js';
import { percentilesOfSorted, type PercentileValues } from './exact-percentiles.js';
import { repeatFlags } from './fact-repeats.js';
import { KeyTable, type KeyTableData } from './key-table.js';
import type { ConditionSettings } from './incident-conditions.js';
import type { AnalyticsFilter } from './incident-filter.js';
import { keyOf, type Aggregate, type CompiledCatalog } from './incident-metric-values.js';
import {
  INCIDENT_METRICS,
  NOISE_METRICS,
  PERCENTILES,
  type IncidentCondition,
  type IncidentFact,
} from './metric-catalog.js';
import type { MetricGroup } from './analytics-request.js';
import type { Span } from '../time/spans.js';
import { MirrorCopy, type CopyKind, type CopyState } from './mirror-copy.js';
import { NarrowColumn, type Codes, type FactColumn } from './narrow-column.js';

// The incident facts (incident_metrics and incident_teams) as columns in memory: typed arrays in
// creation order, ids as small integers. The incident and noise metrics answer from here what
// SQL answers from the tables (the same groups, periods, sums, exact percentiles and major
// incidents), value for value, in tens of milliseconds at a million incidents where the SQL took
// seconds: SQLite sorted a million rows to group them, and reading their values into
// JavaScript for the percentiles built a million row objects.
//
// A copy is exact only for the mirror's version it was read at: every write of the mirror (a
// sync in this process or another, a webhook) moves mirror_state.version in its transaction,
// and a copy is used only while the version read with the request is the copy's. A stale copy
// is read again in the background while SQL answers; a copy whose read saw the version move
// is thrown away, never used.

/** The facts a catalog reads, and those its conditions test. */
const STORED_FACTS: readonly IncidentFact[] = [
  ...new Set<IncidentFact>([
    'seconds_to_first_ack',
    'seconds_to_resolve',
    ...[...INCIDENT_METRICS, ...NOISE_METRICS].flatMap(({ aggregate: a }): IncidentFact[] => {
      switch (a.kind) {
        case 'sum':
        case 'mean':
        case 'percentile':
          return [a.fact];
        case 'count':
          return a.where ? [a.where] : [];
        case 'ratio':
          return [a.numerator, a.denominator];
        default:
          return [];
      }
    }),
  ]),
];

/**
 * What a copy costs per incident beyond its facts (times, ids, repeat key, flags, team offsets),
 * in bytes, at most: the cap is weighed before the read, the columns' widths are known only as
 * the values are read (narrow-column.ts), so every column counts as 32-bit here.
 */
const FIXED_BYTES = 8 + 8 + 4 * 4 + 4 + 3 + 4;
/** Roughly what one incident of the copy costs, for the cap before anything is read. */
export const BYTES_PER_INCIDENT = FIXED_BYTES + 4 * STORED_FACTS.length + 4;

/** Ids as small integers: -1 is null. */
export class Dictionary {
  readonly names: string[] = [];
  readonly #index = new Map<string, number>();
  of(value: unknown): number {
    if (value === null || value === undefined) return -1;
    const name = String(value);
    let i = this.#index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.#index.set(name, i);
    }
    return i;
  }
  find(name: string): number | undefined {
    return this.#index.get(name);
  }
}

type Dimension = 'service' | 'policy' | 'priority' | 'urgency' | 'status' | 'team';

/** The facts of every incident of the mirror at one version, in creation order. */
export interface FactStore {
  version: number;
  /** The REPEAT_WINDOW_HOURS the repeat flags were computed under. */
  repeatWindowHours: number;
  size: number;
  /** created_at, ms, ascending. */
  created: Float64Array;
  /** resolved_at, ms; NaN while unresolved. */
  resolved: Float64Array;
  service: Codes;
  policy: Codes;
  priority: Codes;
  urgency: Codes;
  status: Codes;
  /**
   * 1 where another incident of the service with the repeat key came within the window before
   * (computed from the keys as they are read: fact-repeats.ts).
   */
  repeat: Uint8Array;
  /**
   * The repeat key as an index of repeatKeys; -1 when null, or when no incident of the service
   * with the key is a repeat (its key is not kept: the repeats list never shows it).
   */
  repeatKey: Codes;
  repeatKeys: readonly string[];
  facts: ReadonlyMap<IncidentFact, FactColumn>;
  /** The teams of incident i: teams[teamStart[i] .. teamStart[i + 1]). */
  teamStart: Int32Array;
  teams: Codes;
  names: Record<Dimension, readonly string[]>;
  dictionaries: Record<Dimension, Dictionary>;
  /** The bytes of its arrays. */
  bytes: number;
}

/**
 * The repeat keys renumbered to the keys some service repeats (-1: none), in the narrowest array
 * that holds that many.
 */
function repeatKeyCodes(keys: Int32Array, count: number): Codes {
  if (count <= 128) return Int8Array.from(keys);
  return count <= 32_768 ? Int16Array.from(keys) : keys;
}

/** Grows a typed array's capacity as rows arrive. */
export function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, need: number): T {
  if (need <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(need, array.length * 2));
  next.set(array);
  return next;
}

const time = (value: unknown): number =>
  value === null || value === undefined ? Number.NaN : new Date(value as string | Date).getTime();

/** The columns a load reads, in this order (the row of an incident, then its team). */
const LOAD_COLUMNS = [
  'incident_id',
  'created_at',
  'resolved_at',
  'service_id',
  'escalation_policy_id',
  'priority_id',
  'urgency',
  'status',
  'repeat_key',
  ...STORED_FACTS,
  'team_id',
] as const;
const COLUMN = Object.fromEntries(LOAD_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof LOAD_COLUMNS)[number],
  number
>;

/** Columns read by one query: codes index its own names. Plain data, to cross threads. */
export interface FactChunk {
  size: number;
  created: Float64Array;
  resolved: Float64Array;
  codes: Record<Exclude<Dimension, 'team'>, Codes>;
  /** Repeat keys as codes of keyTable (-1: null). */
  keys: Int32Array;
  keyTable: KeyTableData;
  facts: Partial<Record<IncidentFact, FactColumn>>;
  teamStart: Int32Array;
  teams: Codes;
  names: Record<Dimension, string[]>;
  /** The key (created_at, incident_id) of its last incident, as the database gave it. */
  last: { created: unknown; id: string } | undefined;
}

const CODED = ['service', 'policy', 'priority', 'urgency', 'status'] as const;
const CODED_COLUMN = {
  service: COLUMN.service_id,
  policy: COLUMN.escalation_policy_id,
  priority: COLUMN.priority_id,
  urgency: COLUMN.urgency,
  status: COLUMN.status,
} as const;

/**
 * The copy's columns as rows arrive: one row per incident and team (or one without a team), in
 * primary key order, so that an incident's rows come together. Sized once for the incidents
 * counted before the read; grown only for incidents created since.
 */
class FactColumns {
  size = 0;
  teamCount = 0;
  #capacity: number;
  created: Float64Array;
  resolved: Float64Array;
  /** Codes and facts in the narrowest arrays from the start (narrow-column.ts). */
  readonly codes: Record<Exclude<Dimension, 'team'>, NarrowColumn>;
  keys: Int32Array;
  readonly facts: Record<IncidentFact, NarrowColumn>;
  teamStart: Int32Array;
  readonly teams: NarrowColumn;
  last: FactChunk['last'];
  readonly dictionaries = Object.fromEntries(
    [...CODED, 'team'].map((d) => [d, new Dictionary()]),
  ) as Record<Dimension, Dictionary>;
  readonly keyTable = new KeyTable();

  constructor(expected: number) {
    const n = Math.max(1, expected);
    this.#capacity = n;
    this.created = new Float64Array(n);
    this.resolved = new Float64Array(n);
    this.codes = Object.fromEntries(
      CODED.map((d) => [d, new NarrowColumn(n, false)]),
    ) as FactColumns['codes'];
    // The keys stay 32-bit: they are codes of every distinct key read, hundreds of thousands.
    this.keys = new Int32Array(n);
    this.facts = Object.fromEntries(
      STORED_FACTS.map((f) => [f, new NarrowColumn(n, true)]),
    ) as FactColumns['facts'];
    this.teamStart = new Int32Array(n + 1);
    this.teams = new NarrowColumn(Math.ceil(n * 1.5), false);
  }

  #reserve(size: number, teams: number): void {
    this.teams.reserve(teams);
    if (size <= this.#capacity) return;
    this.#capacity = Math.max(size, this.#capacity * 2);
    const n = this.#capacity;
    this.created = grown(this.created, n);
    this.resolved = grown(this.resolved, n);
    for (const d of CODED) this.codes[d].reserve(n);
    this.keys = grown(this.keys, n);
    for (const f of STORED_FACTS) this.facts[f].reserve(n);
    this.teamStart = grown(this.teamStart, n + 1);
  }

  /** A row of LOAD_COLUMNS. */
  addRow(row: readonly unknown[]): void {
    const id = String(row[COLUMN.incident_id]);
    if (this.last?.id !== id) {
      this.#reserve(this.size + 1, this.teamCount);
      const i = this.size;
      this.size += 1;
      this.created[i] = time(row[COLUMN.created_at]);
      this.resolved[i] = time(row[COLUMN.resolved_at]);
      for (const d of CODED) this.codes[d].set(i, this.dictionaries[d].of(row[CODED_COLUMN[d]]));
      this.keys[i] = this.keyTable.of(row[COLUMN.repeat_key]);
      for (const f of STORED_FACTS) {
        const v = row[COLUMN[f]];
        this.facts[f].set(i, v === null || v === undefined ? null : Number(v));
      }
      this.teamStart[i] = this.teamCount;
      this.last = { created: row[COLUMN.created_at], id };
    }
    const team = row[COLUMN.team_id];
    if (team !== null && team !== undefined) {
      this.#reserve(this.size, this.teamCount + 1);
      this.teams.set(this.teamCount, this.dictionaries.team.of(team));
      this.teamCount += 1;
    }
    this.teamStart[this.size] = this.teamCount;
  }

  /** The columns of another read (another thread's), its codes mapped to these names. */
  add(chunk: FactChunk): void {
    const at = this.size;
    const size = at + chunk.size;
    this.#reserve(size, this.teamCount + chunk.teams.length);
    this.created.set(chunk.created, at);
    this.resolved.set(chunk.resolved, at);
    for (const f of STORED_FACTS) {
      const { values, nil } = chunk.facts[f] ?? { values: new Int8Array(0), nil: 0 };
      const to = this.facts[f];
      for (let i = 0; i < values.length; i += 1) {
        const v = values[i] ?? 0;
        to.set(at + i, v === nil ? null : v);
      }
    }
    const { bytes, offsets } = chunk.keyTable;
    const keyMap = Array.from({ length: offsets.length - 1 }, (_, c) =>
      this.keyTable.ofBytes(bytes, offsets[c] ?? 0, offsets[c + 1] ?? 0),
    );
    for (let i = 0; i < chunk.size; i += 1) this.keys[at + i] = keyMap[chunk.keys[i] ?? -1] ?? -1;
    const recode = (d: Dimension) => chunk.names[d].map((name) => this.dictionaries[d].of(name));
    for (const d of CODED) {
      const map = recode(d);
      const from = chunk.codes[d];
      const to = this.codes[d];
      for (let i = 0; i < chunk.size; i += 1) to.set(at + i, map[from[i] ?? -1] ?? -1);
    }
    const teamMap = recode('team');
    for (let i = 0; i < chunk.size; i += 1)
      this.teamStart[at + i] = this.teamCount + (chunk.teamStart[i] ?? 0);
    for (let t = 0; t < chunk.teams.length; t += 1)
      this.teams.set(this.teamCount + t, teamMap[chunk.teams[t] ?? -1] ?? -1);
    this.size = size;
    this.teamCount += chunk.teams.length;
    this.teamStart[size] = this.teamCount;
    this.last = chunk.last;
  }

  /** Every column cut to its size (an array already of its size is kept, not copied). */
  chunk(): FactChunk {
    const size = this.size;
    const fit = <T extends Int32Array | Float64Array>(array: T, length = size): T =>
      array.length === length ? array : (array.slice(0, length) as T);
    return {
      size,
      created: fit(this.created),
      resolved: fit(this.resolved),
      codes: Object.fromEntries(
        CODED.map((d) => [d, this.codes[d].values(size)]),
      ) as FactChunk['codes'],
      keys: fit(this.keys),
      keyTable: this.keyTable.data(),
      facts: Object.fromEntries(STORED_FACTS.map((f) => [f, this.facts[f].column(size)])),
      teamStart: fit(this.teamStart, size + 1),
      teams: this.teams.values(this.teamCount),
      names: Object.fromEntries(
        Object.entries(this.dictionaries).map(([d, dictionary]) => [d, dictionary.names]),
      ) as FactChunk['names'],
      last: this.last,
    };
  }
}

/**
 * Where a page's rows go when the read runs in the loader's own thread (a worker's task, or no
 * workers): straight into the copy's columns. A symbol-keyed property is not structured-cloned,
 * so a read sent to another thread arrives without it and builds a chunk instead.
 */
const INTO = Symbol('into');

interface FactRowsArgs {
  expected: number;
  [INTO]?: FactColumns;
}

/**
 * A readPage transform: the page's rows into the loader's columns when they are at hand, else
 * into a chunk of their own sent back. On SQLite the rows come one at a time as SQLite steps:
 * pages of row objects had lived long enough to reach V8's old generation, and the load's heap
 * had grown to 240 MB beside its 128 MB of arrays at a million incidents; chunks copied in
 * afterwards left another 50 MB behind.
 */
export function factRowsInto(
  rows: Iterable<readonly unknown[]>,
  args: FactRowsArgs,
): { added: number; last: FactChunk['last'] } | { chunk: FactChunk } {
  const into = args[INTO];
  const columns = into instanceof FactColumns ? into : new FactColumns(args.expected);
  const before = columns.size;
  for (const row of rows) columns.addRow(row);
  return columns === into
    ? { added: columns.size - before, last: columns.last }
    : { chunk: columns.chunk() };
}

/** Where a copy is read from: a worker's connection, and its streaming reads. */
export type FactReader = Pick<Db, 'read' | 'readPage'>;

/**
 * Incidents read per query. Between pages the worker answers its other jobs (SQL answers while a
 * stale copy is read again); on a server a page's rows are held at once, so its pages are small
 * enough to die young.
 */
const PAGE: Record<Dialect, number> = { sqlite: 20_000, mysql: 5_000, postgres: 5_000 };

/**
 * Reads every incident's facts, a page at a time in the primary key's order (created_at,
 * incident_id), and their repeat flags from their keys in that order (fact-repeats.ts): the SQL
 * test per incident had been 5 of the 20-37 s of a load at a million incidents on SQLite, and
 * most of the 476 s on MariaDB. Undefined when the mirror changed during the read (the pages
 * would mix versions).
 */
export async function loadFactStore(
  handle: FactReader,
  settings: ConditionSettings,
  expected = 0,
  pageSize = PAGE[dialectOf(handle.read)],
): Promise<FactStore | undefined> {
  const db = handle.read;
  const version = await readMirrorVersion(db);
  const columns = new FactColumns(expected);
  for (;;) {
    const from = columns.last;
    // The page of incidents, then their teams joined to it: one row per team (or one without).
    const page = db
      .selectFrom('incident_metrics as m')
      .$if(from !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb('m.created_at', '>', from?.created as never),
            eb.and([
              eb('m.created_at', '=', from?.created as never),
              eb('m.incident_id', '>', from?.id ?? ''),
            ]),
          ]),
        ),
      )
      .select([
        'm.incident_id',
        'm.created_at',
        'm.resolved_at',
        'm.service_id',
        'm.escalation_policy_id',
        'm.priority_id',
        'm.urgency',
        'm.status',
        'm.repeat_key',
        ...STORED_FACTS.map((f) => `m.${f}` as const),
      ])
      .orderBy('m.created_at')
      .orderBy('m.incident_id')
      .limit(pageSize)
      .as('p');
    const query = db
      .selectFrom(page)
      .leftJoin('incident_teams as it', 'it.incident_id', 'p.incident_id')
      // p.* in the page's select order, then the team: LOAD_COLUMNS.
      .selectAll('p')
      .select('it.team_id')
      .orderBy('p.created_at')
      .orderBy('p.incident_id')
      .compile();
    const args: FactRowsArgs = { expected: pageSize, [INTO]: columns };
    const { value } = await handle.readPage<ReturnType<typeof factRowsInto>>(query, [], {
      module: MODULE,
      fn: 'factRowsInto',
      args,
    });
    let added: number;
    if ('chunk' in value) {
      columns.add(value.chunk);
      added = value.chunk.size;
    } else added = value.added;
    // A short page is the last one.
    if (added < pageSize) break;
  }
  if ((await readMirrorVersion(db)) !== version) return undefined;
  const all = columns.chunk();
  const repeats = repeatFlags(
    all.created,
    all.codes.service,
    all.keys,
    columns.keyTable.size,
    (code) => columns.keyTable.name(code),
    settings.repeatWindowHours * 3600 * 1000,
  );
  const trimmed = {
    created: all.created,
    resolved: all.resolved,
    service: all.codes.service,
    policy: all.codes.policy,
    priority: all.codes.priority,
    urgency: all.codes.urgency,
    status: all.codes.status,
    repeat: repeats.repeat,
    repeatKey: repeatKeyCodes(repeats.keys, repeats.names.length),
    teamStart: all.teamStart,
    teams: all.teams,
  };
  const factColumns = new Map(
    STORED_FACTS.map((f) => [f, all.facts[f] ?? { values: new Int8Array(0), nil: 0 }]),
  );
  const bytes =
    Object.values(trimmed).reduce((n, a) => n + a.byteLength, 0) +
    [...factColumns.values()].reduce((n, c) => n + c.values.byteLength, 0) +
    repeats.nameBytes;
  const { dictionaries } = columns;
  return {
    version,
    repeatWindowHours: settings.repeatWindowHours,
    size: all.size,
    ...trimmed,
    repeatKeys: repeats.names,
    facts: factColumns,
    names: {
      service: dictionaries.service.names,
      policy: dictionaries.policy.names,
      priority: dictionaries.priority.names,
      urgency: dictionaries.urgency.names,
      status: dictionaries.status.names,
      team: dictionaries.team.names,
    },
    dictionaries,
    bytes,
  };
}

/** The part of a request the store answers: its filter and grouping. */
export interface StoreQuery {
  filter: AnalyticsFilter;
  groupBy: MetricGroup;
}

/** A set of a dimension's ids as a mask over its dictionary; undefined: not filtered. */
function maskOf(store: FactStore, dimension: Dimension, ids: readonly string[] | undefined) {
  if (!ids) return undefined;
  const mask = new Uint8Array(store.names[dimension].length);
  for (const id of ids) {
    const i = store.dictionaries[dimension].find(id);
    if (i !== undefined) mask[i] = 1;
  }
  return mask;
}

/**
 * The test of the filter's parts but the time range, as the SQL filter makes it over
 * incident_metrics (FACT_COLUMNS): any of each list, a team by the incident's teams.
 */
export function matcher(
  store: FactStore,
  filter: AnalyticsFilter,
): ((i: number) => boolean) | undefined {
  const services = maskOf(store, 'service', filter.serviceId);
  const urgencies = maskOf(store, 'urgency', filter.urgency);
  const statuses = maskOf(store, 'status', filter.status);
  const priorities = maskOf(store, 'priority', filter.priorityId ? [filter.priorityId] : undefined);
  const teams = maskOf(store, 'team', filter.teamId);
  if (!services && !urgencies && !statuses && !priorities && !teams) return undefined;
  const has = (mask: Uint8Array | undefined, value: number) =>
    !mask || (value >= 0 && mask[value] === 1);
  return (i) => {
    if (!has(services, store.service[i] ?? -1)) return false;
    if (!has(urgencies, store.urgency[i] ?? -1)) return false;
    if (!has(statuses, store.status[i] ?? -1)) return false;
    if (!has(priorities, store.priority[i] ?? -1)) return false;
    if (teams) {
      const end = store.teamStart[i + 1] ?? 0;
      for (let t = store.teamStart[i] ?? 0; t < end; t += 1)
        if (teams[store.teams[t] ?? -1] === 1) return true;
      return false;
    }
    return true;
  };
}

/** The first index whose created_at is at or after `ms`. */
function lowerBound(created: Float64Array, ms: number): number {
  let lo = 0;
  let hi = created.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((created[mid] ?? 0) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indexes of the incidents created in [since, until) (either may be open). */
export function createdBetween(store: FactStore, since?: number, until?: number): [number, number] {
  return [
    since === undefined ? 0 : lowerBound(store.created, since),
    until === undefined ? store.size : lowerBound(store.created, until),
  ];
}

/**
 * The grouping column as dictionary indexes (-1: null) and the ids they stand for; no column when
 * grouped by team, whose groups are the incident's teams (the SQL's left join: none, one row
 * of team null). No grouping is one group, null.
 */
function groupCodes(
  store: FactStore,
  groupBy: MetricGroup,
): { single: Codes | undefined; names: readonly string[] } {
  switch (groupBy) {
    case 'none':
      return { single: new Int8Array(store.size).fill(-1), names: [] };
    case 'service':
      return { single: store.service, names: store.names.service };
    case 'escalation_policy':
      return { single: store.policy, names: store.names.policy };
    case 'priority':
      return { single: store.priority, names: store.names.priority };
    case 'urgency':
      return { single: store.urgency, names: store.names.urgency };
    case 'team':
      return { single: undefined, names: store.names.team };
  }
}

/** The group ids of incident i, as the SQL's grouping column gives them. */
function groupsOf(
  store: FactStore,
  codes: { single: Codes | undefined; names: readonly string[] },
  i: number,
): (string | null)[] {
  const name = (v: number) => (v < 0 ? null : (codes.names[v] ?? null));
  if (codes.single) return [name(codes.single[i] ?? -1)];
  const start = store.teamStart[i] ?? 0;
  const end = store.teamStart[i + 1] ?? 0;
  if (start === end) return [null];
  return Array.from(store.teams.subarray(start, end), name);
}

/** The period of an instant among ordered periods: the SQL's periodIndex, by the same halving. */
function periodOf(starts: Float64Array, ms: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ms < (starts[mid] ?? 0)) hi = mid - 1;
    else lo = mid;
  }
  return lo;
}

/** The store's test of a condition on incident i (incident-conditions.ts says what each means). */
function conditionTest(
  store: FactStore,
  condition: IncidentCondition,
  settings: ConditionSettings,
): (i: number) => boolean {
  const ack = store.facts.get('seconds_to_first_ack') as FactColumn;
  const resolve = store.facts.get('seconds_to_resolve') as FactColumn;
  const unacknowledgedResolved = (i: number) =>
    resolve.values[i] !== resolve.nil && ack.values[i] === ack.nil;
  switch (condition) {
    case 'unacknowledged_resolved':
    case 'noise':
      return unacknowledgedResolved;
    case 'transient': {
      const limit = settings.transientMinutes * 60;
      return (i) => unacknowledgedResolved(i) && (resolve.values[i] ?? 0) <= limit;
    }
    case 'repeat':
      return (i) => store.repeat[i] === 1;
  }
}

/** The first created_at of the incidents the filter matches (rangeOf's minimum), or undefined. */
export function firstCreated(store: FactStore, filter: AnalyticsFilter): number | undefined {
  const matches = matcher(store, filter);
  const [lo, hi] = createdBetween(store, filter.since?.getTime(), filter.until?.getTime());
  for (let i = lo; i < hi; i += 1) if (!matches || matches(i)) return store.created[i];
  return undefined;
}

/** Adds to an element of a typed array (checked indexing reads it as possibly undefined). */
function bump(array: Float64Array | Int32Array, at: number, value: number): void {
  array[at] = (array[at] ?? 0) + value;
}

/** Where an answer's cells are: an index per (group code, period), dense while it is small. */
class CellIndex {
  readonly groups: number[] = [];
  readonly periods: number[] = [];
  readonly #dense: Int32Array | undefined;
  readonly #sparse = new Map<number, number>();
  constructor(
    readonly groupCodes: number,
    readonly periodCount: number,
  ) {
    const size = groupCodes * periodCount;
    this.#dense = size <= 1 << 22 ? new Int32Array(size).fill(-1) : undefined;
  }
  of(code: number, period: number): number {
    const id = code * this.periodCount + period;
    const known = this.#dense ? (this.#dense[id] ?? -1) : (this.#sparse.get(id) ?? -1);
    if (known >= 0) return known;
    const cell = this.groups.length;
    this.groups.push(code);
    this.periods.push(period);
    if (this.#dense) this.#dense[id] = cell;
    else this.#sparse.set(id, cell);
    return cell;
  }
}

/**
 * A catalog's sums and counts and its exact percentiles per group and period, from the store:
 * what the SQL's aggregate and percentile reads answer, in their shapes. Column by column over
 * typed arrays: the matched incidents and their cells first, then each sum in a loop of its own.
 */
export function storeAggregates(
  store: FactStore,
  query: StoreQuery,
  compiled: CompiledCatalog,
  settings: ConditionSettings,
  periods: readonly [number, number][],
): { aggregates: Aggregate[]; percentiles: PercentileValues } {
  const matches = matcher(store, query.filter);
  const { single, names } = groupCodes(store, query.groupBy);
  const starts = Float64Array.from(periods.map(([s]) => s));
  const [lo, hi] = createdBetween(
    store,
    query.filter.since?.getTime(),
    query.filter.until?.getTime(),
  );
  const index = new CellIndex(names.length + 1, Math.max(1, periods.length));
  // (incident, cell) pairs: one per incident, or one per team of it when grouped by team.
  const capacity = hi - lo + (single ? 0 : (store.teamStart[hi] ?? 0) - (store.teamStart[lo] ?? 0));
  const rows = new Int32Array(capacity);
  const cellOf = new Int32Array(capacity);
  let n = 0;
  for (let i = lo; i < hi; i += 1) {
    if (matches && !matches(i)) continue;
    const period = periods.length > 1 ? periodOf(starts, store.created[i] ?? 0) : 0;
    if (single) {
      rows[n] = i;
      cellOf[n++] = index.of((single[i] ?? -1) + 1, period);
      continue;
    }
    const start = store.teamStart[i] ?? 0;
    const end = store.teamStart[i + 1] ?? 0;
    if (start === end) {
      rows[n] = i;
      cellOf[n++] = index.of(0, period);
    }
    for (let t = start; t < end; t += 1) {
      rows[n] = i;
      cellOf[n++] = index.of((store.teams[t] ?? -1) + 1, period);
    }
  }
  const cells = index.groups.length;
  const width = compiled.columns.length;
  const sums = new Float64Array(cells * width);
  compiled.columns.forEach((c, col) => {
    if (c.fn === 'count_if') {
      const test = conditionTest(store, c.condition, settings);
      for (let k = 0; k < n; k += 1)
        if (test(rows[k] ?? 0)) bump(sums, (cellOf[k] ?? 0) * width + col, 1);
      return;
    }
    if (c.fn === 'count' && !c.fact) {
      for (let k = 0; k < n; k += 1) bump(sums, (cellOf[k] ?? 0) * width + col, 1);
      return;
    }
    const { values, nil } = store.facts.get(c.fact as IncidentFact) as FactColumn;
    const counting = c.fn === 'count';
    for (let k = 0; k < n; k += 1) {
      const v = values[rows[k] ?? 0] ?? nil;
      if (v !== nil) bump(sums, (cellOf[k] ?? 0) * width + col, counting ? 1 : v);
    }
  });
  const keys = index.groups.map((code, cell) =>
    keyOf(code === 0 ? null : (names[code - 1] ?? null), index.periods[cell] ?? 0),
  );
  const aggregates: Aggregate[] = keys.map((key, cell) => {
    const code = index.groups[cell] ?? 0;
    const columns: Record<string, number> = {};
    compiled.columns.forEach((c, col) => (columns[c.alias] = sums[cell * width + col] ?? 0));
    return {
      key,
      group: code === 0 ? null : (names[code - 1] ?? null),
      period: index.periods[cell] ?? 0,
      columns,
    };
  });
  const percentiles: PercentileValues = {};
  if (compiled.percentileFacts.length === 0) return { aggregates, percentiles };
  for (const key of keys) percentiles[key] = [];
  for (const fact of compiled.percentileFacts) {
    // Each cell's known values side by side (a counting sort by cell), each run sorted alone.
    const { values, nil } = store.facts.get(fact) as FactColumn;
    const offsets = new Int32Array(cells + 1);
    for (let k = 0; k < n; k += 1)
      if (values[rows[k] ?? 0] !== nil) bump(offsets, (cellOf[k] ?? 0) + 1, 1);
    for (let c = 0; c < cells; c += 1) bump(offsets, c + 1, offsets[c] ?? 0);
    const fill = offsets.slice(0, cells);
    // Whole numbers: an Int32Array sorts them faster than doubles, to the same order.
    const sorted = new Int32Array(offsets[cells] ?? 0);
    for (let k = 0; k < n; k += 1) {
      const v = values[rows[k] ?? 0] ?? nil;
      if (v === nil) continue;
      const cell = cellOf[k] ?? 0;
      const at = fill[cell] ?? 0;
      sorted[at] = v;
      fill[cell] = at + 1;
    }
    keys.forEach((key, c) => {
      const run = sorted.subarray(offsets[c] ?? 0, offsets[c + 1] ?? 0).sort();
      percentiles[key]?.push(run.length === 0 ? [] : percentilesOfSorted(run, PERCENTILES));
    });
  }
  return { aggregates, percentiles };
}

/**
 * Per group, the union of the time of its major incidents that overlap [start, end) (the up
 * time's SQL read: the filter but its time range, the major priorities, created before the end
 * and not resolved by the start; unresolved ones last until `now`), as disjoint spans in time
 * order. The incidents are in creation order already, so each union grows without a sort.
 */
export function storeMajorCovers(
  store: FactStore,
  query: StoreQuery,
  majorIds: readonly string[],
  start: number,
  end: number,
  now: number,
): Map<string | null, Span[]> {
  const majors = new Uint8Array(store.names.priority.length);
  for (const id of majorIds) {
    const i = store.dictionaries.priority.find(id);
    if (i !== undefined) majors[i] = 1;
  }
  const matches = matcher(store, query.filter);
  const codes = groupCodes(store, query.groupBy);
  const covers = new Map<string | null, Span[]>();
  const [, hi] = createdBetween(store, undefined, end);
  for (let i = 0; i < hi; i += 1) {
    if (majors[store.priority[i] ?? -1] !== 1) continue;
    const resolved = store.resolved[i] ?? Number.NaN;
    if (!Number.isNaN(resolved) && resolved <= start) continue;
    if (matches && !matches(i)) continue;
    const span = { start: store.created[i] ?? 0, end: Number.isNaN(resolved) ? now : resolved };
    // An empty span adds nothing (unionSpans drops them too).
    if (span.end <= span.start) continue;
    for (const grp of groupsOf(store, codes, i)) {
      let union = covers.get(grp);
      if (!union) covers.set(grp, (union = []));
      const last = union.at(-1);
      if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
      else union.push({ ...span });
    }
  }
  return covers;
}

/** What /health says of the copy. */
export interface FactStoreStatus {
  /** disabled: ANALYTICS_CACHE_MB=0; over_cap: the mirror needs more than the cap. */
  state: CopyState;
  /** The incidents of the copy held, or of the last one while stale or being read again. */
  incidents: number;
  /** What the copy's arrays hold now: 0 once a stale copy is let go. */
  bytes: number;
  version: number | null;
  cap_bytes: number;
  load_ms: number | null;
}

/** The incident facts as a copy (mirror-copy.ts): of one repeat window. */
const FACT_COPY: CopyKind<FactReader, FactStore, ConditionSettings, number> = {
  async measure(handle) {
    const counted = await handle.read
      .selectFrom('incident_metrics')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const incidents = Number(counted.n);
    return { rows: [incidents], bytes: incidents * BYTES_PER_INCIDENT };
  },
  read: (handle, settings, [incidents]) => loadFactStore(handle, settings, incidents),
  fits: (store, settings) => store.repeatWindowHours === settings.repeatWindowHours,
  size: (store) => store.size,
};

/**
 * The copy of one worker: answered while current, read again (in the background, a page at a
 * time between the worker's other jobs) when the mirror moves on. Passed in to the tasks with
 * the worker's connection.
 */
export class FactCache {
  readonly #copy: MirrorCopy<FactReader, FactStore, ConditionSettings, number>;

  constructor(
    readonly capBytes: number,
    /** Told whenever the status changes (the worker passes it to the server's thread). */
    readonly onStatus: (status: FactStoreStatus) => void = () => undefined,
  ) {
    this.#copy = new MirrorCopy(capBytes, FACT_COPY, () => this.onStatus(this.status()));
  }

  status(): FactStoreStatus {
    const copy = this.#copy;
    return {
      state: copy.state,
      incidents: copy.store?.size ?? copy.last?.size ?? 0,
      bytes: copy.store?.bytes ?? 0,
      version: copy.store?.version ?? copy.last?.version ?? null,
      cap_bytes: this.capBytes,
      load_ms: copy.loadMs,
    };
  }

  /**
   * The copy, when it is of the mirror's current version under these settings (after waiting up
   * to LOAD_WAIT_MS for one being read); otherwise undefined (answer from SQL).
   */
  current(handle: FactReader, settings: ConditionSettings): Promise<FactStore | undefined> {
    return this.#copy.current(handle, settings);
  }

  /** Reads a copy now and waits for it (tests, and a bench that measures the copy itself). */
  load(handle: FactReader, settings: ConditionSettings): Promise<FactStore | undefined> {
    return this.#copy.load(handle, settings);
  }
}

/** What a worker's state is made from (see WorkerState): the cap, in bytes. */
export interface FactCacheArgs {
  capBytes: number;
}

/** Makes a worker's copy of the facts (ReadWorkerData.state), telling its status to `notify`. */
export function createFactCache(
  args: FactCacheArgs,
  notify: (status: FactStoreStatus) => void,
): FactCache {
  return new FactCache(args.capBytes, notify);
}

// This module, as the workers import it: TypeScript from src/ (through tsx), JavaScript from dist/.
const MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './fact-store.ts' : './fact-store.js',
  import.meta.url,
).href;

/** The task workers' state that keeps the copy, capped at `capMb` (0: none). */
export function factCacheState(
  capMb: number,
): { module: string; fn: string; args: FactCacheArgs } | undefined {
  return capMb > 0
    ? { module: MODULE, fn: 'createFactCache', args: { capBytes: capMb * 2 ** 20 } }
    : undefined;
}
