import type { ExpressionBuilder, Insertable, Kysely, Updateable } from 'kysely';
import { chunk, MAX_IN_LIST } from '../sql-batches.js';
import { dialectOf } from '../dialect.js';
import { noIndex } from '../no-index.js';
import type {
  Database,
  IncidentAcknowledgementsTable,
  IncidentAssignmentsTable,
  IncidentTeamsTable,
  IncidentsTable,
  NewIncident,
} from '../schema.js';
import { replaceOwnedRows, upsertRows } from './table-writer.js';

/**
 * Inserts incidents, or updates stored ones, but never lets an older state overwrite a newer
 * one: a row is written only when its updated_at (the time the state describes: PagerDuty's
 * updated_at, or a webhook's occurred_at) is not older than the stored one. Returns the ids
 * written, for the caller to replace their relations. Rows without updated_at cannot be
 * ordered and are written.
 */
export async function upsertIncidents(
  db: Kysely<Database>,
  rows: readonly NewIncident[],
): Promise<string[]> {
  const latest = new Map<string, NewIncident>();
  for (const row of rows) {
    const known = latest.get(row.id);
    if (!known || !isOlder(row.updated_at, known.updated_at)) latest.set(row.id, row);
  }
  const ids = [...latest.keys()];
  const stored = new Map<string, Date | string | null>();
  const lock = dialectOf(db) !== 'sqlite';
  for (const part of chunk(ids, MAX_IN_LIST)) {
    // Row locks on the servers (SQLite's writer already holds the file): no writer can slip a
    // newer state in between this read and the write.
    const found = await db
      .selectFrom('incidents')
      .select(['id', 'updated_at'])
      .where('id', 'in', part)
      .$if(lock, (q) => q.forUpdate())
      .execute();
    for (const r of found) stored.set(r.id, r.updated_at);
  }
  const newer = [...latest.values()].filter(
    (r) => !stored.has(r.id) || !isOlder(r.updated_at, stored.get(r.id) ?? null),
  );
  await upsertRows(db, 'incidents', newer, { unlessOlder: 'updated_at' });
  return newer.map((r) => r.id);
}

function epoch(value: Date | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** True when `incoming` is known to describe an earlier moment than `stored`. */
function isOlder(
  incoming: Date | string | null | undefined,
  stored: Date | string | null | undefined,
): boolean {
  const a = epoch(incoming);
  const b = epoch(stored);
  return a !== null && b !== null && a < b;
}

/** Makes the teams, assignments and acknowledgements of the given incidents exactly these rows. */
export async function replaceIncidentRelations(
  db: Kysely<Database>,
  incidentIds: readonly string[],
  relations: {
    teams: readonly Insertable<IncidentTeamsTable>[];
    assignments: readonly Insertable<IncidentAssignmentsTable>[];
    acknowledgements: readonly Insertable<IncidentAcknowledgementsTable>[];
  },
): Promise<void> {
  if (incidentIds.length === 0) return;
  const owned = new Set(incidentIds);
  const mine = <T extends { incident_id: string }>(rows: readonly T[]) =>
    rows.filter((r) => owned.has(r.incident_id));
  await replaceOwnedRows(db, 'incident_teams', 'incident_id', incidentIds, mine(relations.teams));
  await replaceOwnedRows(
    db,
    'incident_assignments',
    'incident_id',
    incidentIds,
    mine(relations.assignments),
  );
  await replaceOwnedRows(
    db,
    'incident_acknowledgements',
    'incident_id',
    incidentIds,
    mine(relations.acknowledgements),
  );
}

/**
 * Sets first_acknowledged_at from the first acknowledge_log_entry (PagerDuty empties
 * acknowledgements[] once an incident is resolved or re-triggered, so the log is the record).
 * It only ever moves earlier: a time a webhook stored is kept while the log entry behind it is
 * not mirrored yet, and never set back to null. Without ids, every incident missing one.
 */
export async function updateFirstAcknowledgements(
  db: Kysely<Database>,
  incidentIds?: readonly string[],
): Promise<void> {
  const update = (ids?: readonly string[]) =>
    db
      .updateTable('incidents')
      .set((eb) => ({ first_acknowledged_at: logTime(eb, 'acknowledge_log_entry', 'min') }))
      .where((eb) =>
        logMovesIt(eb, 'incidents.first_acknowledged_at', 'acknowledge_log_entry', 'min'),
      )
      .$if(ids !== undefined, (q) => q.where('incidents.id', 'in', ids ?? []))
      .$if(ids === undefined, (q) =>
        q
          .where('incidents.first_acknowledged_at', 'is', null)
          .where('incidents.id', 'in', (eb) =>
            eb
              .selectFrom('log_entries')
              .select('incident_id')
              .where('type', '=', 'acknowledge_log_entry'),
          ),
      )
      .execute();
  if (incidentIds === undefined) {
    await update();
    return;
  }
  for (const part of chunk([...new Set(incidentIds)], 500)) await update(part);
}

/** MIN or MAX(created_at) of the incident's log entries of one type, as a scalar subquery. */
function logTime(eb: ExpressionBuilder<Database, 'incidents'>, type: string, pick: 'min' | 'max') {
  return eb
    .selectFrom('log_entries')
    .select((e) => e.fn[pick]('log_entries.created_at').as('t'))
    .whereRef('log_entries.incident_id', '=', 'incidents.id')
    .where('log_entries.type', '=', type);
}

/**
 * Whether the log moves a derived time: the column is unset and the log has one, or the log's
 * is earlier (min: a first acknowledgement) or later (max: the last resolve) than the column.
 */
function logMovesIt(
  eb: ExpressionBuilder<Database, 'incidents'>,
  column: 'incidents.first_acknowledged_at' | 'incidents.resolved_at',
  type: string,
  pick: 'min' | 'max',
) {
  return eb.or([
    eb.and([eb(column, 'is', null), eb(logTime(eb, type, pick), 'is not', null)]),
    eb(column, pick === 'min' ? '>' : '<', logTime(eb, type, pick)),
  ]);
}

/**
 * Gives resolved incidents without resolved_at the time of their last resolve_log_entry: an
 * incident object may lack the field (CONTRACT.md), and every figure that reads it (time to
 * resolve, engaged time, up time) would otherwise count the incident as never resolved. The
 * entries of a reopened incident may arrive after the incident itself, so a resolve time only
 * ever moves later, to the last resolve known (what PagerDuty's resolved_at is).
 */
export async function updateResolveTimesFromLog(
  db: Kysely<Database>,
  incidentIds: readonly string[],
): Promise<void> {
  for (const part of chunk([...new Set(incidentIds)], MAX_IN_LIST))
    await db
      .updateTable('incidents')
      .set((eb) => ({ resolved_at: logTime(eb, 'resolve_log_entry', 'max') }))
      .where('incidents.id', 'in', part)
      // Not by the status index: it led SQLite to read every resolved incident of the mirror
      // for each page of a sync (half of a 100,000-incident sync's time), where the primary
      // key finds the page's incidents at once.
      .where(noIndex(db, 'incidents.status'), '=', 'resolved')
      .where((eb) => logMovesIt(eb, 'incidents.resolved_at', 'resolve_log_entry', 'max'))
      .execute();
}

/** The id of the incident with this number, if the mirror has one. */
export async function findIncidentIdByNumber(
  db: Kysely<Database>,
  incidentNumber: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('incidents')
    .select('id')
    .where('incident_number', '=', incidentNumber)
    .executeTakeFirst();
  return row?.id;
}

export async function incidentExists(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/**
 * Changes some of an incident's columns as of `at`, unless the state stored is as new or newer
 * (its updated_at): the timestamp guard for partial updates (webhooks). Sets updated_at to `at`.
 * Returns whether it changed the row.
 */
export async function updateIncidentIfNewer(
  db: Kysely<Database>,
  id: string,
  at: Date,
  fields: Omit<Updateable<IncidentsTable>, 'id' | 'updated_at'>,
): Promise<boolean> {
  const result = await db
    .updateTable('incidents')
    .set({ ...fields, updated_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('updated_at', 'is', null), eb('updated_at', '<', at)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Moves an incident's first acknowledgement to `at` when that is earlier than the one stored. */
export async function moveFirstAcknowledgementEarlier(
  db: Kysely<Database>,
  incidentId: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('incidents')
    .set({ first_acknowledged_at: at })
    .where('id', '=', incidentId)
    .where((eb) =>
      eb.or([eb('first_acknowledged_at', 'is', null), eb('first_acknowledged_at', '>', at)]),
    )
    .execute();
}

/** Incidents stored as open (triggered or acknowledged), with their creation time. */
export function listOpenIncidents(db: Kysely<Database>) {
  return db
    .selectFrom('incidents')
    .select(['id', 'created_at'])
    .where('status', '!=', 'resolved')
    .where('deleted_at', 'is', null)
    .execute();
}

/** Remembers an incident that a webhook named but could not create; the next sync reads it. */
export async function addPendingIncident(
  db: Kysely<Database>,
  row: { incident_id: string; event_id: string; occurred_at: Date },
): Promise<void> {
  await upsertRows(db, 'pending_incidents', [row]);
}

export async function listPendingIncidentIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('pending_incidents').select('incident_id').execute();
  return rows.map((r) => r.incident_id);
}

export async function deletePendingIncidents(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<void> {
  for (const part of chunk(ids, MAX_IN_LIST))
    await db.deleteFrom('pending_incidents').where('incident_id', 'in', part).execute();
}
