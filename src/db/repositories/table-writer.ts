import {
  sql,
  type Insertable,
  type Kysely,
  type UpdateQueryBuilder,
  type UpdateResult,
} from 'kysely';
import { dialectOf } from '../dialect.js';
import type { Database, TableName } from '../schema.js';
import { chunk, MAX_BIND_PARAMETERS, MAX_IN_LIST } from '../sql-batches.js';

/** The primary key of every table: what an upsert matches on. */
export const PRIMARY_KEYS: { [T in TableName]: readonly (keyof Database[T] & string)[] } = {
  services: ['id'],
  teams: ['id'],
  team_members: ['team_id', 'user_id'],
  users: ['id'],
  escalation_policies: ['id'],
  escalation_rules: ['id'],
  escalation_rule_targets: ['escalation_rule_id', 'target_type', 'target_id'],
  schedules: ['id'],
  schedule_layers: ['schedule_id', 'id'],
  schedule_layer_users: ['schedule_id', 'schedule_layer_id', 'position'],
  schedule_users: ['schedule_id', 'user_id'],
  schedule_teams: ['schedule_id', 'team_id'],
  schedule_escalation_policies: ['schedule_id', 'escalation_policy_id'],
  schedule_entries: ['schedule_id', 'start', 'user_id'],
  oncalls: ['id'],
  priorities: ['id'],
  incidents: ['id'],
  incident_teams: ['incident_id', 'team_id'],
  incident_assignments: ['incident_id', 'user_id'],
  incident_acknowledgements: ['incident_id', 'acknowledger_id', 'at'],
  log_entries: ['id'],
  service_teams: ['service_id', 'team_id'],
  escalation_policy_teams: ['escalation_policy_id', 'team_id'],
  escalation_policy_services: ['escalation_policy_id', 'service_id'],
  sync_runs: ['id'],
  sync_cursors: ['resource'],
  sync_leases: ['name'],
  webhook_deliveries: ['id'],
  pending_incidents: ['incident_id'],
  incident_metrics: ['incident_id'],
  incident_responders: ['incident_id', 'user_id'],
  interruptions: ['incident_id', 'user_id', 'started_at'],
  incident_counts: ['grain', 'bucket', 'service_id', 'status', 'urgency'],
  incident_team_counts: ['grain', 'bucket', 'team_id', 'service_id', 'status', 'urgency'],
  mirror_state: ['id'],
  on_call_pay_days: ['user_id', 'day', 'basis'],
};

/**
 * The generic writer works on table and column names known only at run time; Kysely's types
 * cannot follow that, so this one module views the database as untyped rows.
 */
type Row = Record<string, unknown>;
type UntypedDb = Kysely<Record<string, Row>>;

function untyped(db: Kysely<Database>): UntypedDb {
  return db as unknown as UntypedDb;
}

/**
 * Inserts rows or updates them in place when their primary key exists: idempotent, batched, and
 * the same on SQLite, MySQL/MariaDB and PostgreSQL. Every row must carry the same columns.
 * Returns the number of rows written.
 */
export async function upsertRows<T extends TableName>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  options: {
    keepExisting?: boolean;
    /**
     * A timestamp column: an existing row is updated only when the new row's value is not older
     * than the stored one (stripe-sync-engine's timestamp guard), in the statement itself.
     */
    unlessOlder?: string;
  } = {},
): Promise<number> {
  const first = rows[0];
  if (!first) return 0;
  const keys: readonly string[] = PRIMARY_KEYS[table];
  const columns = Object.keys(first);
  // keepExisting inserts only the rows whose key is new, leaving existing rows untouched.
  const updates = options.keepExisting ? [] : columns.filter((c) => !keys.includes(c));
  const dialect = dialectOf(db);
  const udb = untyped(db);
  const perChunk = Math.max(1, Math.floor(MAX_BIND_PARAMETERS / columns.length));
  const guard = options.unlessOlder;

  for (const part of chunk(rows as readonly Row[], perChunk)) {
    const insert = udb.insertInto(table as string).values(part);
    if (dialect === 'mysql') {
      // VALUES(col) is MariaDB's spelling and still accepted by MySQL 8. Assignments run left to
      // right and see the values already assigned, so the guard's own column goes last.
      const assigned = updates.length > 0 ? updates : [keys[0] as string];
      const ordered = guard
        ? [...assigned.filter((c) => c !== guard), ...assigned.filter((c) => c === guard)]
        : assigned;
      const newer = guard
        ? sql`(${sql.ref(`${table}.${guard}`)} is null or values(${sql.ref(guard)}) is null or values(${sql.ref(guard)}) >= ${sql.ref(`${table}.${guard}`)})`
        : undefined;
      const set = Object.fromEntries(
        ordered.map((c) => [
          c,
          newer
            ? sql`if(${newer}, values(${sql.ref(c)}), ${sql.ref(c)})`
            : sql`values(${sql.ref(c)})`,
        ]),
      );
      await insert.onDuplicateKeyUpdate(set).execute();
    } else {
      await insert
        .onConflict((oc) => {
          const target = oc.columns(keys as string[]);
          if (updates.length === 0) return target.doNothing();
          const update = target.doUpdateSet(
            Object.fromEntries(updates.map((c) => [c, sql.ref(`excluded.${c}`)])),
          );
          if (!guard) return update;
          return update.where((eb) =>
            eb.or([
              eb(sql.ref(`${table}.${guard}`), 'is', null),
              eb(sql.ref(`excluded.${guard}`), 'is', null),
              eb(sql.ref(`excluded.${guard}`), '>=', sql.ref(`${table}.${guard}`)),
            ]),
          );
        })
        .execute();
    }
  }
  return rows.length;
}

/**
 * Makes the relation rows owned by `ownerIds` exactly `rows`: the owners' old rows are deleted
 * and the new ones inserted, so an emptied list empties the relation. Run it in a transaction
 * so readers never see the gap.
 */
export async function replaceOwnedRows<T extends TableName>(
  db: Kysely<Database>,
  table: T,
  ownerColumn: keyof Database[T] & string,
  ownerIds: readonly string[],
  rows: readonly Insertable<Database[T]>[],
): Promise<number> {
  const udb = untyped(db);
  for (const ids of chunk(ownerIds, MAX_IN_LIST)) {
    await udb
      .deleteFrom(table as string)
      .where(ownerColumn as string, 'in', ids)
      .execute();
  }
  return upsertRows(db, table, rows);
}

/** The tables of PagerDuty objects that are kept, marked deleted, once PagerDuty drops them. */
export type SoftDeletedTable =
  'services' | 'teams' | 'users' | 'escalation_policies' | 'schedules' | 'priorities' | 'incidents';

/**
 * Writes a collection PagerDuty listed in full at `listedAt` (rows synced at `listedAt`) and
 * marks every row the listing left out deleted: a full listing is how PagerDuty shows deletions
 * of these objects, it has no deletion feed for them.
 */
export async function replaceListedRows<T extends SoftDeletedTable>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  listedAt: Date,
): Promise<void> {
  await upsertRows(db, table, rows);
  await markUnseenDeleted(db, table, listedAt, listedAt);
}

type SoftDeleteQuery = UpdateQueryBuilder<
  Database,
  SoftDeletedTable,
  SoftDeletedTable,
  UpdateResult
>;

/**
 * Sets deleted_at = `now` on the rows `pick` narrows the table to, among those not deleted yet
 * (a row keeps the time it was first seen gone). Returns how many it marked.
 */
async function markLiveDeleted(
  db: Kysely<Database>,
  table: SoftDeletedTable,
  now: Date,
  pick: (rows: SoftDeleteQuery) => SoftDeleteQuery,
): Promise<number> {
  const result = await pick(
    db.updateTable(table).set({ deleted_at: now }).where('deleted_at', 'is', null),
  ).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Soft-deletes the objects of a fully re-listed collection that the listing did not return:
 * every row not synced since `listedSince` gets `deleted_at = now`. Rows seen again are revived
 * by their upsert, which writes `deleted_at = null`.
 */
export async function markUnseenDeleted(
  db: Kysely<Database>,
  table: SoftDeletedTable,
  listedSince: Date,
  now: Date,
): Promise<number> {
  return markLiveDeleted(db, table, now, (rows) => rows.where('synced_at', '<', listedSince));
}

/** Soft-deletes the given ids of a table. */
export async function markDeleted(
  db: Kysely<Database>,
  table: SoftDeletedTable,
  ids: readonly string[],
  now: Date,
): Promise<number> {
  let updated = 0;
  for (const part of chunk(ids, MAX_IN_LIST))
    updated += await markLiveDeleted(db, table, now, (rows) => rows.where('id', 'in', part));
  return updated;
}

/**
 * Keeps a table of time spans (start, end) as history, ready for a fresh reading from `from`:
 * spans that ended by `from` stay as they are, a span running past `from` now ends there, spans
 * starting at or after `from` go (the reading replaces them), and so do spans without a start
 * (permanent on-calls, re-read whole every time). With `scope`, only rows whose column holds one
 * of the ids are touched. The fresh reading must then be clipped to start at `from` or later.
 */
export async function trimSpansAt(
  db: Kysely<Database>,
  table: 'oncalls' | 'schedule_entries',
  from: Date,
  scope?: { column: string; ids: readonly string[] },
): Promise<void> {
  const udb = untyped(db);
  for (const ids of scope ? chunk(scope.ids, MAX_IN_LIST) : [null]) {
    let remove = udb
      .deleteFrom(table)
      .where((eb) => eb.or([eb('start', 'is', null), eb('start', '>=', from)]));
    let clip = udb
      .updateTable(table)
      .set({ end: from })
      .where('start', '<', from)
      .where('end', '>', from);
    if (scope && ids) {
      remove = remove.where(scope.column, 'in', ids);
      clip = clip.where(scope.column, 'in', ids);
    }
    await remove.execute();
    await clip.execute();
  }
}
