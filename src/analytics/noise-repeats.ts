import type { Kysely } from 'kysely';
import { toIsoTimestamp } from '../db/stored-values.js';
import type { Database } from '../db/schema.js';
import { splitRepeatKey, type RepeatKeySource } from '../mirror/repeat-key.js';
import { chunk, MAX_IN_LIST } from '../db/sql-batches.js';
import { conditionFlag, repeatFacts, type ConditionSettings } from './incident-conditions.js';
import { createdBetween, matcher, type FactStore } from './fact-store.js';
import { filterWhere, type AnalyticsFilter } from './incident-filter.js';
import {
  FACT_COLUMNS,
  METRICS_QUERY_PROPERTIES,
  type AnalyticsHandle,
} from './incident-metrics.js';

// The list a team fixes alerts from: per service, the alerts (incident keys, or normalised
// titles) that came back within REPEAT_WINDOW_HOURS, most repeated first, with how much of the
// service's off- and sleep-hour interruptions they caused.

/**
 * The list's own query parameters beside the incident filters (JSON Schema), for the endpoint
 * and its CSV report, so the report takes every filter the endpoint takes.
 */
export const NOISE_REPEATS_QUERY_PROPERTIES = {
  priority_id: METRICS_QUERY_PROPERTIES.priority_id,
} as const;

/** One repeating alert of a service. */
export interface NoiseRepeatRow {
  service_id: string;
  service_name: string | null;
  repeat_key: string;
  repeat_key_source: RepeatKeySource;
  /** Incidents created in the range with this key. */
  incident_count: number;
  /** Of those, the repeats (see total_repeat_incidents). */
  repeat_incident_count: number;
  first_seen_at: string | null;
  last_seen_at: string | null;
  off_hour_interruptions: number;
  sleep_hour_interruptions: number;
  /** Their share (0..1) of the service's off-hour interruptions in the range; null when it has none. */
  off_hour_interruption_share: number | null;
  sleep_hour_interruption_share: number | null;
}

const SHARE_DIGITS = 4;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const share = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10 ** SHARE_DIGITS) / 10 ** SHARE_DIGITS : null;

/** A service and key's sums, as the SQL's grouping answers them. */
interface KeyTotals {
  service_id: unknown;
  repeat_key: unknown;
  incident_count: unknown;
  repeat_incident_count: unknown;
  first_seen_at: Date | string | null;
  last_seen_at: Date | string | null;
  off_hour_interruptions: unknown;
  sleep_hour_interruptions: unknown;
}

/** A service's off- and sleep-hour interruptions in the range, for the shares. */
interface ServiceTotals {
  service_id: string | null;
  off: unknown;
  sleep: unknown;
}

/** Every repeating alert of the incidents the filter matches, most repeated first. */
export async function noiseRepeats(
  handle: AnalyticsHandle,
  filter: AnalyticsFilter,
  settings: ConditionSettings,
): Promise<NoiseRepeatRow[]> {
  const db = handle.read;
  // The worker's copy of the facts answers when it is of the mirror's current version; SQL,
  // the reference it is held to (test/integration/fact-store.test.ts), otherwise.
  const store = await handle.facts?.current(handle, settings);
  const [keys, services] = store
    ? storeRepeats(store, filter)
    : await sqlRepeats(db, filter, settings);
  const totals = new Map(services.map((s) => [s.service_id, s]));
  const names = new Map<string, string>();
  for (const part of chunk(
    [...totals.keys()].filter((id) => id !== null),
    MAX_IN_LIST,
  ))
    for (const s of await db
      .selectFrom('services')
      .select(['id', 'name'])
      .where('id', 'in', part)
      .execute())
      names.set(s.id, s.name);
  const rows = keys.map((k): NoiseRepeatRow => {
    const serviceId = String(k.service_id);
    const total = totals.get(serviceId);
    const off = num(k.off_hour_interruptions);
    const sleep = num(k.sleep_hour_interruptions);
    const { source, key } = splitRepeatKey(String(k.repeat_key));
    return {
      service_id: serviceId,
      service_name: names.get(serviceId) ?? null,
      repeat_key: key,
      repeat_key_source: source,
      incident_count: num(k.incident_count),
      repeat_incident_count: num(k.repeat_incident_count),
      first_seen_at: toIsoTimestamp(k.first_seen_at),
      last_seen_at: toIsoTimestamp(k.last_seen_at),
      off_hour_interruptions: off,
      sleep_hour_interruptions: sleep,
      off_hour_interruption_share: share(off, num(total?.off)),
      sleep_hour_interruption_share: share(sleep, num(total?.sleep)),
    };
  });
  return rows.sort(
    (a, b) =>
      b.repeat_incident_count - a.repeat_incident_count ||
      b.incident_count - a.incident_count ||
      a.service_id.localeCompare(b.service_id) ||
      a.repeat_key_source.localeCompare(b.repeat_key_source) ||
      (a.repeat_key < b.repeat_key ? -1 : a.repeat_key > b.repeat_key ? 1 : 0),
  );
}

/** The keys with a repeat, and the services' totals, in SQL. */
async function sqlRepeats(
  db: Kysely<Database>,
  filter: AnalyticsFilter,
  settings: ConditionSettings,
): Promise<[KeyTotals[], ServiceTotals[]]> {
  const repeat = conditionFlag(db, 'repeat', settings);
  const keyed = db
    .selectFrom(repeatFacts(db, filter, settings).as('m'))
    .where((eb) => eb.and(filterWhere(eb, filter, FACT_COLUMNS)))
    .where('m.service_id', 'is not', null)
    .where('m.repeat_key', 'is not', null)
    .select([
      'm.service_id',
      'm.repeat_key',
      'm.created_at',
      'm.off_hour_interruptions',
      'm.sleep_hour_interruptions',
      repeat.as('is_repeat'),
    ]);
  const matching = db
    .selectFrom('incident_metrics as m')
    .where((eb) => eb.and(filterWhere(eb, filter, FACT_COLUMNS)))
    .where('m.service_id', 'is not', null);
  return Promise.all([
    db
      .selectFrom(
        db
          .selectFrom(keyed.as('k'))
          .select((eb) => [
            'k.service_id',
            'k.repeat_key',
            eb.fn.countAll<number>().as('incident_count'),
            eb.fn.sum<number>('k.is_repeat').as('repeat_incident_count'),
            eb.fn.min('k.created_at').as('first_seen_at'),
            eb.fn.max('k.created_at').as('last_seen_at'),
            eb.fn.sum<number>('k.off_hour_interruptions').as('off_hour_interruptions'),
            eb.fn.sum<number>('k.sleep_hour_interruptions').as('sleep_hour_interruptions'),
          ])
          .groupBy(['k.service_id', 'k.repeat_key'])
          .as('g'),
      )
      .selectAll()
      .where('g.repeat_incident_count', '>', 0)
      .execute(),
    matching
      .select((eb) => [
        'm.service_id',
        eb.fn.sum<number>('m.off_hour_interruptions').as('off'),
        eb.fn.sum<number>('m.sleep_hour_interruptions').as('sleep'),
      ])
      .groupBy('m.service_id')
      .execute(),
  ]);
}

/**
 * What sqlRepeats answers, from the copy of the facts: the incidents the filter matches, summed
 * per service, and per service and key of those whose key repeats (the copy keeps no other key).
 */
export function storeRepeats(
  store: FactStore,
  filter: AnalyticsFilter,
): [KeyTotals[], ServiceTotals[]] {
  const matches = matcher(store, filter);
  const [lo, hi] = createdBetween(store, filter.since?.getTime(), filter.until?.getTime());
  const fact = (name: 'off_hour_interruptions' | 'sleep_hour_interruptions') => {
    const { values, nil } = store.facts.get(name) ?? { values: new Int8Array(0), nil: 0 };
    // Not null in the table; a null would count 0, as the SQL's sum skips it.
    return (i: number) => {
      const v = values[i] ?? nil;
      return v === nil ? 0 : v;
    };
  };
  const off = fact('off_hour_interruptions');
  const sleep = fact('sleep_hour_interruptions');
  const services = new Map<number, { off: number; sleep: number }>();
  const groups = new Map<number, { service: number; key: number; sums: number[] }>();
  const keyCount = store.repeatKeys.length;
  for (let i = lo; i < hi; i += 1) {
    const service = store.service[i] ?? -1;
    if (service < 0 || (matches && !matches(i))) continue;
    let total = services.get(service);
    if (!total) services.set(service, (total = { off: 0, sleep: 0 }));
    total.off += off(i);
    total.sleep += sleep(i);
    const key = store.repeatKey[i] ?? -1;
    if (key < 0) continue;
    const id = service * keyCount + key;
    let group = groups.get(id);
    const created = store.created[i] ?? 0;
    // incident_count, repeat_incident_count, first and last created, off, sleep.
    if (!group) groups.set(id, (group = { service, key, sums: [0, 0, created, created, 0, 0] }));
    const sums = group.sums as [number, number, number, number, number, number];
    sums[0] += 1;
    sums[1] += store.repeat[i] ?? 0;
    // In creation order: the first seen is the first matched.
    sums[3] = created;
    sums[4] += off(i);
    sums[5] += sleep(i);
  }
  const serviceId = (code: number) => store.names.service[code] ?? null;
  const keys: KeyTotals[] = [];
  for (const { service, key, sums } of groups.values()) {
    const [count, repeats, first, last, offs, sleeps] = sums as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (repeats === 0) continue;
    keys.push({
      service_id: serviceId(service),
      repeat_key: store.repeatKeys[key] ?? null,
      incident_count: count,
      repeat_incident_count: repeats,
      first_seen_at: new Date(first),
      last_seen_at: new Date(last),
      off_hour_interruptions: offs,
      sleep_hour_interruptions: sleeps,
    });
  }
  const totals = [...services].map(([code, t]) => ({ service_id: serviceId(code), ...t }));
  return [keys, totals];
}
