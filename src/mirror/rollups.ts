import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import { chunk, MAX_IN_LIST } from '../db/sql-batches.js';
import type { Database } from '../db/schema.js';

/** What the incident counts key on, for one incident. */
export interface IncidentCountKey {
  service_id: string | null;
  status: string;
  urgency: string | null;
  created_at: number;
  team_ids: readonly string[];
}

/** The grains kept: all time ('' bucket), UTC month (YYYY-MM) and UTC day (YYYY-MM-DD). */
export const COUNT_GRAINS = ['all', 'month', 'day'] as const;
export type CountGrain = (typeof COUNT_GRAINS)[number];

/**
 * The same grains summed across services (service_id ''), in incident_counts only: with
 * thousands of services nearly every (service, day) holds an incident or two, so the per-service
 * day grain is about as large as the incidents, and counts over time or a date range that do not
 * ask for services read these instead (migration 0012).
 */
export const ACROSS_SERVICES = { all: 'xall', month: 'xmonth', day: 'xday' } as const;

export function countBucket(grain: CountGrain, ms: number): string {
  if (grain === 'all') return '';
  const iso = new Date(ms).toISOString();
  return grain === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/** The count keys of these incidents as stored now (absent ids are not stored). */
export async function snapshotIncidentKeys(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, IncidentCountKey>> {
  const keys = new Map<string, IncidentCountKey>();
  for (const part of chunk([...new Set(ids)], MAX_IN_LIST)) {
    const [rows, teams] = await Promise.all([
      db
        .selectFrom('incidents')
        .select(['id', 'service_id', 'status', 'urgency', 'created_at'])
        .where('id', 'in', part)
        .execute(),
      db
        .selectFrom('incident_teams')
        .select(['incident_id', 'team_id'])
        .where('incident_id', 'in', part)
        .execute(),
    ]);
    const teamsOf = new Map<string, string[]>();
    for (const t of teams)
      teamsOf.set(t.incident_id, [...(teamsOf.get(t.incident_id) ?? []), t.team_id]);
    for (const r of rows)
      keys.set(r.id, {
        service_id: r.service_id,
        status: r.status,
        urgency: r.urgency,
        created_at: new Date(r.created_at).getTime(),
        team_ids: (teamsOf.get(r.id) ?? []).sort(),
      });
  }
  return keys;
}

/** One rollup row's key (team_id null: incident_counts, else incident_team_counts). */
interface CountRowKey {
  grain: string;
  bucket: string;
  team_id: string | null;
  service_id: string;
  status: string;
  urgency: string;
}

type Delta = Map<string, CountRowKey & { n: number }>;

function addKey(delta: Delta, key: IncidentCountKey, sign: 1 | -1): void {
  const add = (row: CountRowKey) => {
    const id = JSON.stringify(row);
    const known = delta.get(id);
    if (known) known.n += sign;
    else delta.set(id, { ...row, n: sign });
  };
  const status = key.status;
  const urgency = key.urgency ?? '';
  for (const grain of COUNT_GRAINS) {
    const bucket = countBucket(grain, key.created_at);
    for (const team of [null, ...key.team_ids])
      add({ grain, bucket, team_id: team, service_id: key.service_id ?? '', status, urgency });
    add({ grain: ACROSS_SERVICES[grain], bucket, team_id: null, service_id: '', status, urgency });
  }
}

/**
 * Moves the incident counts from the incidents' keys before a write to their keys after it:
 * in the same transaction as the write, so the counts are exact whenever the incidents are.
 * Buckets that fall to zero stay, at 0: they add nothing to a sum.
 */
export async function applyIncidentCountChanges(
  db: Kysely<Database>,
  before: ReadonlyMap<string, IncidentCountKey>,
  after: ReadonlyMap<string, IncidentCountKey>,
): Promise<void> {
  const delta: Delta = new Map();
  for (const [id, key] of before) {
    const next = after.get(id);
    if (next && JSON.stringify(next) === JSON.stringify(key)) continue;
    addKey(delta, key, -1);
  }
  for (const [id, key] of after) {
    const prev = before.get(id);
    if (prev && JSON.stringify(prev) === JSON.stringify(key)) continue;
    addKey(delta, key, 1);
  }
  const changes = [...delta.values()].filter((d) => d.n !== 0);
  if (changes.length === 0) return;
  const mysql = dialectOf(db) === 'mysql';
  for (const team of [false, true]) {
    const rows = changes.filter((c) => (c.team_id !== null) === team);
    for (const part of chunk(rows, 500)) {
      const values = part.map(({ team_id, ...r }) => (team ? { ...r, team_id: team_id ?? '' } : r));
      const insert = db
        .insertInto(team ? 'incident_team_counts' : 'incident_counts')
        .values(values as never);
      if (mysql) await insert.onDuplicateKeyUpdate({ n: sql`n + values(n)` }).execute();
      else
        await insert
          .onConflict((oc) =>
            oc
              .columns(
                team
                  ? ['grain', 'bucket', 'team_id', 'service_id', 'status', 'urgency']
                  : ['grain', 'bucket', 'service_id', 'status', 'urgency'],
              )
              .doUpdateSet({
                n: sql`${sql.ref(team ? 'incident_team_counts.n' : 'incident_counts.n')} + ${sql.ref('excluded.n')}`,
              }),
          )
          .execute();
    }
  }
}
