import { readMirrorVersion } from '../db/repositories/mirror-state-repository.js';
import type { Db } from '../db/connection.js';
import { dialectOf } from '../db/dialect.js';
import type { Dialect } from '../db/database-url.js';
import { HourClassSplitter } from '../time/hour-class-split.js';
import type { Span } from '../time/spans.js';
import type { WorkingHours } from '../time/working-hours.js';
import { Dictionary, grown } from './fact-store.js';
import { MirrorCopy, type CopyKind, type CopyState } from './mirror-copy.js';
import { NarrowColumn, type Codes } from './narrow-column.js';
import { secondsBetween } from './sql-time.js';

// The responder metrics' facts as columns in memory, for the pinned read worker: every row of
// incident_responders (a user's part in an incident) and every on-call span of the mirror's
// history (oncalls), users and policies as small integers. The responder metrics answer from
// here what SQL answers from the tables, value for value: at a million incidents SQLite took
// 1.4 s to group a year of responder rows (the same sums without grouping: 0.3 s; two
// julianday() per row for the time to acknowledge, then a sort by user), and reading 290,000
// on-call rows as objects and building their spans took another 0.5 s before any union. The
// copy answers the year in 70-170 ms in process (bench/RESULTS.md).
//
// Like the incident facts' copy (fact-store.ts; both live by mirror-copy.ts), a copy is exact
// only for the mirror version it was read at: it is used only while the version read with the
// request is its own, read again when the mirror moves (waited for, or SQL answers), and thrown
// away when the version moved during its read.

/** A column's null: the counts and seconds are whole numbers well inside 32 bits. */
export const NULL = -2147483648;

/** The per-row counts of incident_responders, summed as they are. */
export const RESPONDER_COUNTS = [
  'notification_count',
  'interruption_count',
  'business_hour_interruptions',
  'off_hour_interruptions',
  'sleep_hour_interruptions',
  'engaged_seconds',
] as const;
export type ResponderCount = (typeof RESPONDER_COUNTS)[number];

/** The handoff columns (1 or 0), each a bit of a row's flags after the acknowledgement's. */
export const RESPONDER_FLAGS = [
  'acknowledged',
  'reassigned_from',
  'reassigned_to',
  'manual_escalated_from',
  'manual_escalated_to',
  'timeout_escalated_from',
  'timeout_escalated_to',
] as const;
export type ResponderFlag = (typeof RESPONDER_FLAGS)[number];

/**
 * Bytes per incident_responders row, at most: created (8), user (4), counts, time to ack (4),
 * flags (1). The user and the counts are kept in the narrowest arrays that hold them
 * (narrow-column.ts): most counts are a handful, so a million incidents' rows take less.
 */
const BYTES_PER_PART = 8 + 4 + 4 * RESPONDER_COUNTS.length + 4 + 1;
/** Bytes per on-call span: start and end (16), user, policy, level (12), scheduled (1). */
const BYTES_PER_SPAN = 16 + 12 + 1;

/** The responders' facts of the mirror at one version. */
export interface ResponderStore {
  version: number;
  users: Dictionary;
  policies: Dictionary;
  /** incident_responders, one row per incident and user, in no particular order. */
  parts: {
    size: number;
    /** incident_created_at, ms. */
    created: Float64Array;
    user: Codes;
    counts: Record<ResponderCount, Codes>;
    /** Whole seconds from first assignment to first acknowledgement (the SQL's own), or NULL. */
    tta: Int32Array;
    /** Bit k: RESPONDER_FLAGS[k]. */
    flags: Uint8Array;
  };
  /**
   * oncalls, by user and then start: the spans of user u are [userStart[u], userStart[u + 1]),
   * those without a start (a rule's direct target, on call all the time) first.
   */
  spans: {
    size: number;
    /** ms; NaN where the database has none. */
    start: Float64Array;
    end: Float64Array;
    policy: Int32Array;
    level: Int32Array;
    /** 1 where the span comes from a schedule. */
    scheduled: Uint8Array;
    userStart: Int32Array;
  };
  /** The bytes of its arrays. */
  bytes: number;
}

/**
 * A count or seconds as the copy holds it: a whole number inside 32 bits. Anything else fails
 * the read (SQL answers), rather than wrapping silently in an Int32Array.
 */
function int32(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= NULL || n > 2147483647)
    throw new Error(`responder copy: ${String(value)} is not a 32-bit whole number`);
  return n;
}

const time = (value: unknown): number =>
  value === null || value === undefined ? Number.NaN : new Date(value as string | Date).getTime();

/** The columns a page of incident_responders is read in, in this order. */
const PART_COLUMNS = [
  'incident_id',
  'user_id',
  'incident_created_at',
  ...RESPONDER_COUNTS,
  'tta',
  ...RESPONDER_FLAGS,
] as const;
const PART = Object.fromEntries(PART_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof PART_COLUMNS)[number],
  number
>;

/** A page of incident_responders as columns; users index its own names. Plain data, to cross threads. */
export interface PartChunk {
  size: number;
  created: Float64Array;
  user: Int32Array;
  counts: Record<ResponderCount, Int32Array>;
  tta: Int32Array;
  flags: Uint8Array;
  users: string[];
  /** The key (incident_id, user_id) of its last row. */
  last: [string, string] | undefined;
}

/** A readPage transform: a page's rows (PART_COLUMNS) as a chunk of columns. */
export function responderPartsChunk(rows: Iterable<readonly unknown[]>): PartChunk {
  const users = new Dictionary();
  let n = 0;
  let created = new Float64Array(1024);
  let user = new Int32Array(1024);
  let tta = new Int32Array(1024);
  let flags = new Uint8Array(1024);
  const counts = Object.fromEntries(
    RESPONDER_COUNTS.map((c) => [c, new Int32Array(1024)]),
  ) as Record<ResponderCount, Int32Array>;
  let last: PartChunk['last'];
  for (const row of rows) {
    if (n === created.length) {
      created = grown(created, n + 1);
      user = grown(user, n + 1);
      tta = grown(tta, n + 1);
      flags = grown(flags, n + 1);
      for (const c of RESPONDER_COUNTS) counts[c] = grown(counts[c], n + 1);
    }
    created[n] = time(row[PART.incident_created_at]);
    user[n] = users.of(row[PART.user_id]);
    for (const c of RESPONDER_COUNTS) counts[c][n] = int32(row[PART[c]]);
    const t = row[PART.tta];
    tta[n] = t === null || t === undefined ? NULL : int32(t);
    let bits = 0;
    RESPONDER_FLAGS.forEach((f, k) => {
      // Summed by the SQL: a bit holds them only while each is 1 or 0.
      const v = Number(row[PART[f]]);
      if (v !== 0 && v !== 1) throw new Error(`responder copy: ${f} is ${String(v)}, not 1 or 0`);
      bits |= v << k;
    });
    flags[n] = bits;
    last = [String(row[PART.incident_id]), String(row[PART.user_id])];
    n += 1;
  }
  return {
    size: n,
    created: created.slice(0, n),
    user: user.slice(0, n),
    counts: Object.fromEntries(RESPONDER_COUNTS.map((c) => [c, counts[c].slice(0, n)])) as Record<
      ResponderCount,
      Int32Array
    >,
    tta: tta.slice(0, n),
    flags: flags.slice(0, n),
    users: users.names,
    last,
  };
}

/** The columns a page of oncalls is read in, in this order. */
const SPAN_COLUMNS = [
  'id',
  'user_id',
  'escalation_policy_id',
  'escalation_level',
  'schedule_id',
  'start',
  'end',
] as const;
const SPAN = Object.fromEntries(SPAN_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof SPAN_COLUMNS)[number],
  number
>;

/** A page of oncalls as columns; users and policies index its own names. */
export interface SpanChunk {
  size: number;
  start: Float64Array;
  end: Float64Array;
  user: Int32Array;
  policy: Int32Array;
  level: Int32Array;
  scheduled: Uint8Array;
  users: string[];
  policies: string[];
  last: string | undefined;
}

/** A readPage transform: a page's rows (SPAN_COLUMNS) as a chunk of columns. */
export function oncallSpansChunk(rows: Iterable<readonly unknown[]>): SpanChunk {
  const users = new Dictionary();
  const policies = new Dictionary();
  let n = 0;
  let start = new Float64Array(1024);
  let end = new Float64Array(1024);
  let user = new Int32Array(1024);
  let policy = new Int32Array(1024);
  let level = new Int32Array(1024);
  let scheduled = new Uint8Array(1024);
  let last: string | undefined;
  for (const row of rows) {
    if (n === start.length) {
      start = grown(start, n + 1);
      end = grown(end, n + 1);
      user = grown(user, n + 1);
      policy = grown(policy, n + 1);
      level = grown(level, n + 1);
      scheduled = grown(scheduled, n + 1);
    }
    start[n] = time(row[SPAN.start]);
    end[n] = time(row[SPAN.end]);
    user[n] = users.of(row[SPAN.user_id]);
    policy[n] = policies.of(row[SPAN.escalation_policy_id]);
    level[n] = int32(row[SPAN.escalation_level]);
    scheduled[n] = row[SPAN.schedule_id] ? 1 : 0;
    last = String(row[SPAN.id]);
    n += 1;
  }
  return {
    size: n,
    start: start.slice(0, n),
    end: end.slice(0, n),
    user: user.slice(0, n),
    policy: policy.slice(0, n),
    level: level.slice(0, n),
    scheduled: scheduled.slice(0, n),
    users: users.names,
    policies: policies.names,
    last,
  };
}

/** Where a copy is read from: a worker's connection, and its streaming reads. */
export type ResponderReader = Pick<Db, 'read' | 'readPage'>;

/** Rows read per query; between pages the worker answers its other jobs. */
const PAGE: Record<Dialect, number> = { sqlite: 20_000, mysql: 5_000, postgres: 5_000 };

// This module, as the workers import it: TypeScript from src/ (through tsx), JavaScript from dist/.
const MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './responder-store.ts' : './responder-store.js',
  import.meta.url,
).href;

type Column = Float64Array | Int32Array | Uint8Array;

/**
 * Columns filled as pages arrive: sized for the rows counted before the read, grown past them.
 * A 'narrow' column (whole numbers, no null) is kept in the narrowest array its values fit.
 */
class Columns<K extends string> {
  size = 0;
  readonly arrays: Record<K, Column | NarrowColumn>;
  constructor(kinds: Record<K, 'f64' | 'i32' | 'u8' | 'narrow'>, expected: number) {
    const n = Math.max(1, expected);
    const make = (kind: 'f64' | 'i32' | 'u8' | 'narrow') => {
      switch (kind) {
        case 'f64':
          return new Float64Array(n);
        case 'i32':
          return new Int32Array(n);
        case 'u8':
          return new Uint8Array(n);
        case 'narrow':
          return new NarrowColumn(n, false);
      }
    };
    this.arrays = Object.fromEntries(
      Object.entries<'f64' | 'i32' | 'u8' | 'narrow'>(kinds).map(([k, kind]) => [k, make(kind)]),
    ) as Record<K, Column | NarrowColumn>;
  }
  /** Appends a chunk's columns of `size` rows. */
  append(columns: Record<K, Column>, size: number): void {
    for (const k of Object.keys(this.arrays) as K[]) {
      const into = this.arrays[k];
      const from = columns[k];
      if (into instanceof NarrowColumn) {
        into.reserve(this.size + size);
        for (let i = 0; i < size; i += 1) into.set(this.size + i, from[i] ?? 0);
        continue;
      }
      const wider = grown(into, this.size + size);
      wider.set(from.subarray(0, size), this.size);
      this.arrays[k] = wider;
    }
    this.size += size;
  }
  /** A column cut to the rows read (kept as it is when it is of their number already). */
  column<T extends Column | Codes>(k: K): T {
    const a = this.arrays[k];
    if (a instanceof NarrowColumn) return a.values(this.size) as T;
    return (a.length === this.size ? a : a.slice(0, this.size)) as T;
  }
}

/** Every row of incident_responders, in keyset pages of the primary key. */
async function readParts(
  handle: ResponderReader,
  users: Dictionary,
  expected: number,
  pageSize: number,
): Promise<ResponderStore['parts']> {
  const db = handle.read;
  const columns = new Columns(
    {
      created: 'f64',
      user: 'narrow',
      tta: 'i32',
      flags: 'u8',
      ...(Object.fromEntries(RESPONDER_COUNTS.map((c) => [c, 'narrow'])) as Record<
        ResponderCount,
        'narrow'
      >),
    },
    expected,
  );
  for (let after: [string, string] | undefined; ;) {
    const from = after;
    const query = db
      .selectFrom('incident_responders as r')
      .$if(from !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb('r.incident_id', '>', from?.[0] ?? ''),
            eb.and([
              eb('r.incident_id', '=', from?.[0] ?? ''),
              eb('r.user_id', '>', from?.[1] ?? ''),
            ]),
          ]),
        ),
      )
      .select((eb) => [
        'r.incident_id',
        'r.user_id',
        'r.incident_created_at',
        ...RESPONDER_COUNTS.map((c) => `r.${c}` as const),
        // The SQL path's own expression, so that each row's seconds are the ones it sums.
        secondsBetween(db, 'r.first_acknowledged_at', 'r.first_assigned_at').as('tta'),
        eb
          .case()
          .when('r.first_acknowledged_at', 'is', null)
          .then(0)
          .else(1)
          .end()
          .as('acknowledged'),
        'r.reassigned_from',
        'r.reassigned_to',
        'r.manual_escalated_from',
        'r.manual_escalated_to',
        'r.timeout_escalated_from',
        'r.timeout_escalated_to',
      ])
      .orderBy('r.incident_id')
      .orderBy('r.user_id')
      .limit(pageSize)
      .compile();
    const { value } = await handle.readPage<PartChunk>(query, [], {
      module: MODULE,
      fn: 'responderPartsChunk',
      args: {},
    });
    // The page's own user codes, as the copy's.
    const map = Int32Array.from(value.users, (name) => users.of(name));
    for (let i = 0; i < value.size; i += 1) value.user[i] = map[value.user[i] ?? 0] ?? -1;
    columns.append(
      {
        created: value.created,
        user: value.user,
        tta: value.tta,
        flags: value.flags,
        ...value.counts,
      },
      value.size,
    );
    after = value.last;
    if (value.size < pageSize) break;
  }
  return {
    size: columns.size,
    created: columns.column('created'),
    user: columns.column('user'),
    tta: columns.column('tta'),
    flags: columns.column('flags'),
    counts: Object.fromEntries(RESPONDER_COUNTS.map((c) => [c, columns.column(c)])) as Record<
      ResponderCount,
      Codes
    >,
  };
}

/** Every on-call span, in keyset pages of the id, then ordered by user and start. */
async function readSpans(
  handle: ResponderReader,
  users: Dictionary,
  policies: Dictionary,
  expected: number,
  pageSize: number,
): Promise<ResponderStore['spans']> {
  const db = handle.read;
  const columns = new Columns(
    { start: 'f64', end: 'f64', user: 'i32', policy: 'i32', level: 'i32', scheduled: 'u8' },
    expected,
  );
  for (let after: string | undefined; ;) {
    const from = after;
    const query = db
      .selectFrom('oncalls')
      .$if(from !== undefined, (q) => q.where('id', '>', from ?? ''))
      .select([...SPAN_COLUMNS])
      .orderBy('id')
      .limit(pageSize)
      .compile();
    const { value } = await handle.readPage<SpanChunk>(query, [], {
      module: MODULE,
      fn: 'oncallSpansChunk',
      args: {},
    });
    const userMap = value.users.map((name) => users.of(name));
    const policyMap = value.policies.map((name) => policies.of(name));
    for (let i = 0; i < value.size; i += 1) {
      value.user[i] = userMap[value.user[i] ?? 0] ?? -1;
      value.policy[i] = policyMap[value.policy[i] ?? 0] ?? -1;
    }
    columns.append(value, value.size);
    after = value.last;
    if (value.size < pageSize) break;
  }
  const n = columns.size;
  const start = columns.column<Float64Array>('start');
  const user = columns.column<Int32Array>('user');
  // By user, then start, the spans without a start (NaN) first: each user's spans come in the
  // order their union is built in, so that a request needs no sort.
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const u = (user[a] ?? 0) - (user[b] ?? 0);
    if (u !== 0) return u;
    const x = start[a] ?? 0;
    const y = start[b] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
    return x - y;
  });
  const permuted = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(n);
    for (let i = 0; i < n; i += 1) out[i] = a[order[i] ?? 0] ?? 0;
    return out;
  };
  const userStart = new Int32Array(users.names.length + 1);
  for (let i = 0; i < n; i += 1) {
    const u = (user[i] ?? 0) + 1;
    userStart[u] = (userStart[u] ?? 0) + 1;
  }
  for (let u = 0; u < users.names.length; u += 1)
    userStart[u + 1] = (userStart[u + 1] ?? 0) + (userStart[u] ?? 0);
  return {
    size: n,
    start: permuted(start),
    end: permuted(columns.column<Float64Array>('end')),
    policy: permuted(columns.column<Int32Array>('policy')),
    level: permuted(columns.column<Int32Array>('level')),
    scheduled: permuted(columns.column<Uint8Array>('scheduled')),
    userStart,
  };
}

/**
 * Reads every responder row and on-call span. Undefined when the mirror changed during the read
 * (the pages would mix versions).
 */
export async function loadResponderStore(
  handle: ResponderReader,
  expected: { parts: number; spans: number } = { parts: 0, spans: 0 },
  pageSize = PAGE[dialectOf(handle.read)],
): Promise<ResponderStore | undefined> {
  const version = await readMirrorVersion(handle.read);
  const users = new Dictionary();
  const policies = new Dictionary();
  const parts = await readParts(handle, users, expected.parts, pageSize);
  // After the parts: userStart covers every user, those seen only among the spans too.
  const spans = await readSpans(handle, users, policies, expected.spans, pageSize);
  if ((await readMirrorVersion(handle.read)) !== version) return undefined;
  const arrays = [
    parts.created,
    parts.user,
    parts.tta,
    parts.flags,
    ...Object.values(parts.counts),
    spans.start,
    spans.end,
    spans.policy,
    spans.level,
    spans.scheduled,
    spans.userStart,
  ];
  return {
    version,
    users,
    policies,
    parts,
    spans,
    bytes: arrays.reduce((n, a) => n + a.byteLength, 0),
  };
}

/** A user's sums over their incident parts (the SQL's incidentParts, by column). */
export interface StoredIncidentPart {
  incidents: number;
  counts: Record<ResponderCount, number>;
  flags: Record<ResponderFlag, number>;
  ttaSum: number;
  ttaN: number;
}

/**
 * Per user, the sums over the parts of incidents created in [since, until), of the users
 * `users` admits (all when undefined): one pass over the columns into per-user sums.
 */
export function storeIncidentParts(
  store: ResponderStore,
  since: number,
  until: number,
  users: Uint8Array | undefined,
): Map<string, StoredIncidentPart> {
  const { parts } = store;
  const { created, user, tta, flags } = parts;
  const counts = RESPONDER_COUNTS.map((c) => parts.counts[c]);
  // Per user, one row of sums: incidents, the counts, the flags, then the time to acknowledge's
  // sum and count; one pass over the rows (a pass per column took twice as long at a million).
  const FLAGS_AT = 1 + counts.length;
  const TTA_AT = FLAGS_AT + RESPONDER_FLAGS.length;
  const WIDTH = TTA_AT + 2;
  const sums = new Float64Array(store.users.names.length * WIDTH);
  // The six counts by name, not through an array of columns: V8 keeps the loop monomorphic.
  const [c0, c1, c2, c3, c4, c5] = counts as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ];
  for (let i = 0; i < parts.size; i += 1) {
    const t = created[i] as number;
    if (t < since || t >= until) continue;
    const u = user[i] as number;
    if (users && users[u] !== 1) continue;
    const at = u * WIDTH;
    (sums[at] as number) += 1;
    (sums[at + 1] as number) += c0[i] as number;
    (sums[at + 2] as number) += c1[i] as number;
    (sums[at + 3] as number) += c2[i] as number;
    (sums[at + 4] as number) += c3[i] as number;
    (sums[at + 5] as number) += c4[i] as number;
    (sums[at + 6] as number) += c5[i] as number;
    const bits = flags[i] as number;
    if (bits !== 0)
      for (let k = 0; k < RESPONDER_FLAGS.length; k += 1)
        if ((bits & (1 << k)) !== 0) (sums[at + FLAGS_AT + k] as number) += 1;
    const v = tta[i] as number;
    if (v !== NULL) {
      (sums[at + TTA_AT] as number) += v;
      (sums[at + TTA_AT + 1] as number) += 1;
    }
  }
  const out = new Map<string, StoredIncidentPart>();
  store.users.names.forEach((name, u) => {
    const at = u * WIDTH;
    const incidents = sums[at] ?? 0;
    if (incidents === 0) return;
    out.set(name, {
      incidents,
      counts: Object.fromEntries(
        RESPONDER_COUNTS.map((c, k) => [c, sums[at + 1 + k] ?? 0]),
      ) as Record<ResponderCount, number>,
      flags: Object.fromEntries(
        RESPONDER_FLAGS.map((f, k) => [f, sums[at + FLAGS_AT + k] ?? 0]),
      ) as Record<ResponderFlag, number>,
      ttaSum: sums[at + TTA_AT] ?? 0,
      ttaN: sums[at + TTA_AT + 1] ?? 0,
    });
  });
  return out;
}

/** A user's on-call time over a range: the unions the metrics measure. */
export interface OnCallPart {
  /** The union of all their spans, disjoint, in time order (split into hour classes later). */
  union: Span[];
  scheduledSeconds: number;
  level1Seconds: number;
  level2Seconds: number;
  /** Policy and level of each rule that targets the user directly, once each. */
  direct: { policyId: string; level: number }[];
}

/** A union built from spans given in order of start: touching spans merge, as unionSpans does. */
class RunningUnion {
  readonly spans: Span[] = [];
  #length = 0;
  #last: Span | undefined;
  add(start: number, end: number): void {
    if (end <= start) return;
    const last = this.#last;
    if (last && start <= last.end) {
      if (end > last.end) {
        this.#length += end - last.end;
        last.end = end;
      }
      return;
    }
    const span = { start, end };
    this.spans.push(span);
    this.#last = span;
    this.#length += end - start;
  }
  /** Its length in ms, as totalLength of its spans. */
  get length(): number {
    return this.#length;
  }
}

/**
 * Per user, the on-call unions over [since, until) (the SQL's oncallSpans and the unions the
 * metrics take of them): spans without a start are `permanent`; `users` and `policies` admit
 * (all when undefined). Each user's spans are in start order already, so each union grows in
 * one pass.
 */
export function storeOnCallParts(
  store: ResponderStore,
  since: number,
  until: number,
  permanent: Span,
  users: Uint8Array | undefined,
  policies: Uint8Array | undefined,
): Map<string, OnCallPart> {
  const { spans } = store;
  const out = new Map<string, OnCallPart>();
  const pStart = Math.max(permanent.start, since);
  const pEnd = Math.min(permanent.end, until);
  for (let u = 0; u < store.users.names.length; u += 1) {
    if (users && users[u] !== 1) continue;
    const from = spans.userStart[u] ?? 0;
    const to = spans.userStart[u + 1] ?? 0;
    if (from === to) continue;
    const all = new RunningUnion();
    const scheduled = new RunningUnion();
    const level1 = new RunningUnion();
    const level2 = new RunningUnion();
    const direct: OnCallPart['direct'] = [];
    // Rows without a start come first, each the permanent span (clipped); their union is that
    // span once, added where its start falls among the others.
    let pending: { level1: boolean; level2: boolean; scheduled: boolean } | undefined;
    const flush = (before: number) => {
      if (!pending || before < pStart) return;
      all.add(pStart, pEnd);
      if (pending.scheduled) scheduled.add(pStart, pEnd);
      if (pending.level1) level1.add(pStart, pEnd);
      if (pending.level2) level2.add(pStart, pEnd);
      pending = undefined;
    };
    let any = false;
    for (let i = from; i < to; i += 1) {
      if (policies && policies[spans.policy[i] ?? -1] !== 1) continue;
      const rawStart = spans.start[i] ?? Number.NaN;
      const rawEnd = spans.end[i] ?? Number.NaN;
      let start: number;
      let end: number;
      // The SQL's test: no start (the permanent span, whatever the end), or a start and an end
      // overlapping the range (a start without an end is neither: SQL's comparison with null).
      if (Number.isNaN(rawStart)) {
        start = pStart;
        end = pEnd;
      } else if (!Number.isNaN(rawEnd) && rawStart < until && rawEnd > since) {
        start = Math.max(rawStart, since);
        end = Math.min(rawEnd, until);
      } else continue;
      if (end <= start) continue;
      any = true;
      const level = spans.level[i] ?? 0;
      const fromSchedule = spans.scheduled[i] === 1;
      if (!fromSchedule) {
        const policyId = store.policies.names[spans.policy[i] ?? -1] ?? '';
        if (!direct.some((d) => d.policyId === policyId && d.level === level))
          direct.push({ policyId, level });
      }
      if (Number.isNaN(rawStart)) {
        pending ??= { level1: false, level2: false, scheduled: false };
        if (level <= 1) pending.level1 = true;
        else pending.level2 = true;
        if (fromSchedule) pending.scheduled = true;
        continue;
      }
      flush(start);
      all.add(start, end);
      if (fromSchedule) scheduled.add(start, end);
      (level <= 1 ? level1 : level2).add(start, end);
    }
    flush(Number.POSITIVE_INFINITY);
    if (!any) continue;
    out.set(store.users.names[u] ?? '', {
      union: all.spans,
      scheduledSeconds: scheduled.length / 1000,
      level1Seconds: level1.length / 1000,
      level2Seconds: level2.length / 1000,
      direct,
    });
  }
  return out;
}

/** A set of users as a mask over the copy's dictionary; undefined: every user. */
export function userMask(store: ResponderStore, ids: readonly string[] | undefined) {
  if (!ids) return undefined;
  const mask = new Uint8Array(store.users.names.length);
  for (const id of ids) {
    const i = store.users.find(id);
    if (i !== undefined) mask[i] = 1;
  }
  return mask;
}

/** A set of escalation policies as a mask over the copy's dictionary; undefined: every one. */
export function policyMask(store: ResponderStore, ids: readonly string[] | undefined) {
  if (!ids) return undefined;
  const mask = new Uint8Array(store.policies.names.length);
  for (const id of ids) {
    const i = store.policies.find(id);
    if (i !== undefined) mask[i] = 1;
  }
  return mask;
}

/** What the responders' copy says of itself. */
export interface ResponderStoreStatus {
  state: CopyState;
  parts: number;
  spans: number;
  bytes: number;
  version: number | null;
  load_ms: number | null;
}

type ResponderSize = { parts: number; spans: number };

/** The responders and on-call spans as a copy (mirror-copy.ts). */
const RESPONDER_COPY: CopyKind<ResponderReader, ResponderStore, void, ResponderSize> = {
  async measure(handle) {
    const rows = await Promise.all(
      (['incident_responders', 'oncalls'] as const).map(async (table) => {
        const counted = await handle.read
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        return Number(counted.n);
      }),
    );
    const [parts = 0, spans = 0] = rows;
    return { rows, bytes: parts * BYTES_PER_PART + spans * BYTES_PER_SPAN };
  },
  read: (handle, _args, [parts = 0, spans = 0]) => loadResponderStore(handle, { parts, spans }),
  size: (store) => ({ parts: store.parts.size, spans: store.spans.size }),
};

/**
 * The responders' copy of one worker: answered while current, read again in the background when
 * the mirror moves on, by the same rules as the incident facts' (mirror-copy.ts).
 */
export class ResponderCache {
  readonly #copy: MirrorCopy<ResponderReader, ResponderStore, void, ResponderSize>;
  #splitter: { key: string; splitter: HourClassSplitter } | undefined;

  constructor(
    readonly capBytes: number,
    /** Told whenever the status changes (the worker passes it to the server's thread). */
    readonly onStatus: (status: ResponderStoreStatus) => void = () => undefined,
  ) {
    this.#copy = new MirrorCopy(capBytes, RESPONDER_COPY, () => this.onStatus(this.status()));
  }

  status(): ResponderStoreStatus {
    const copy = this.#copy;
    const size = copy.store ? RESPONDER_COPY.size(copy.store) : copy.last?.size;
    return {
      state: copy.state,
      parts: size?.parts ?? 0,
      spans: size?.spans ?? 0,
      bytes: copy.store?.bytes ?? 0,
      version: copy.store?.version ?? copy.last?.version ?? null,
      load_ms: copy.loadMs,
    };
  }

  /**
   * The copy, when it is of the mirror's current version (after waiting up to LOAD_WAIT_MS for
   * one being read); otherwise undefined (answer from SQL).
   */
  current(handle: ResponderReader): Promise<ResponderStore | undefined> {
    return this.#copy.current(handle, undefined);
  }

  /**
   * The hour-class splitter of these working hours, kept from one request to the next: its day
   * layouts (an Intl offset per zone, day and boundary) took 170 ms of every request for a year
   * in eight zones, and depend on the calendar alone, not on the mirror.
   */
  splitter(hours: WorkingHours): HourClassSplitter {
    const key = JSON.stringify({ ...hours, holidays: [...hours.holidays].sort() });
    if (this.#splitter?.key !== key)
      this.#splitter = { key, splitter: new HourClassSplitter(hours) };
    return this.#splitter.splitter;
  }

  /** Reads a copy now and waits for it (tests, and a bench that measures the copy itself). */
  load(handle: ResponderReader): Promise<ResponderStore | undefined> {
    return this.#copy.load(handle, undefined);
  }
}
