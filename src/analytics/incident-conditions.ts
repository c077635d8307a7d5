import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { dialectOf } from '../db/dialect.js';
import type { IncidentCondition } from './metric-catalog.js';

// The catalog's conditions on an incident (IncidentCondition) in SQL, over incident_metrics as m.
// They depend on settings or on other incidents, so they are tested when the figures are read.

/** What the conditions depend on, from the analytics settings. */
export interface ConditionSettings {
  /** TRANSIENT_MINUTES. */
  transientMinutes: number;
  /** REPEAT_WINDOW_HOURS. */
  repeatWindowHours: number;
}

/**
 * A timestamp column minus whole seconds, comparable with the column (the same type and, on
 * SQLite, the same ISO text with milliseconds and Z), so that a range on it uses an index.
 */
function secondsBefore<DB>(db: Kysely<DB>, column: string, seconds: number): RawBuilder<unknown> {
  const c = sql.ref(column);
  const n = sql.lit(Math.trunc(seconds));
  switch (dialectOf(db)) {
    case 'sqlite':
      return sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${c}, '-' || ${n} || ' seconds')`;
    case 'mysql':
      return sql`(${c} - interval ${n} second)`;
    default:
      return sql`(${c} - ${n} * interval '1 second')`;
  }
}

/**
 * Whether the incident (a row of incident_metrics as m) passes a condition. The repeat test
 * needs the rows of repeatFacts as m.
 */
export function conditionSql<DB>(
  db: Kysely<DB>,
  condition: IncidentCondition,
  settings: ConditionSettings,
): RawBuilder<boolean> {
  const unacknowledgedResolved = sql<boolean>`(m.seconds_to_resolve is not null and m.seconds_to_first_ack is null)`;
  switch (condition) {
    // A transient incident is resolved unacknowledged too: noise, the union, is the larger set.
    case 'unacknowledged_resolved':
    case 'noise':
      return unacknowledgedResolved;
    case 'transient':
      return sql<boolean>`(${unacknowledgedResolved} and m.seconds_to_resolve <= ${sql.lit(settings.transientMinutes * 60)})`;
    case 'repeat': {
      const from = secondsBefore(db, 'm.created_at', settings.repeatWindowHours * 3600);
      // Over repeatFacts' rows: see there which dialect reads which.
      if (repeatsByWindow(db))
        return sql<boolean>`(m.service_id is not null and m.repeat_key is not null
          and m.repeat_previous_at >= ${from})`;
      // "Before": created earlier, or at the same instant with a smaller id, so that of two
      // incidents created together exactly one is the repeat. A seek on
      // incident_metrics_repeat_idx per incident.
      return sql<boolean>`(m.repeat_key is not null and exists (
        select 1 from incident_metrics p
        where p.service_id = m.service_id and p.repeat_key = m.repeat_key
          and p.created_at >= ${from}
          and p.created_at <= m.created_at
          and (p.created_at < m.created_at or p.incident_id < m.incident_id)))`;
    }
  }
}

/** 1 when the incident passes the condition, else 0: to sum. */
export function conditionFlag<DB>(
  db: Kysely<DB>,
  condition: IncidentCondition,
  settings: ConditionSettings,
): RawBuilder<number> {
  return sql<number>`case when ${conditionSql(db, condition, settings)} then 1 else 0 end`;
}

/**
 * Whether the repeat test reads repeat_previous_at (a window function) rather than seeking the
 * earlier incidents of each incident (a correlated EXISTS). MariaDB seeks the EXISTS on
 * (service_id, repeat_key) only, never on the created_at range whose bounds come from the outer
 * row, and so read every earlier incident of the key for each incident: quadratic in a key's
 * incidents, 3.3 s for the repeats of a service of 30,000 incidents at 100,000 incidents (0.2 s
 * by the window's one sort), no answer in 300 s at a million. PostgreSQL seeks the range, but
 * the window was as fast for one service and 3-5x faster for all of them at 100,000. SQLite
 * seeks it too, and its window sort was 2-4x slower at a million (every service's repeats
 * 12-33 s against 4-7 s; the noise figures 13-16 s against 4 s): SQLite keeps the EXISTS.
 */
function repeatsByWindow<DB>(db: Kysely<DB>): boolean {
  return dialectOf(db) !== 'sqlite';
}

/**
 * incident_metrics with, per incident, repeat_previous_at: the created_at of the incident just
 * before it of the same service and repeat key, "before" in (created_at, incident_id) order, as
 * the repeat test reads it where it uses the window (repeatsByWindow; null elsewhere). Of the
 * incidents before it, that one is the latest created, so "one of them came within the window"
 * is "that one came within it"; and the order is the repeat's tie rule (the same instant and a
 * smaller id is before), compared by the database's own collation as the primary key is.
 *
 * The window sees every incident the rows it answers for can look back to, whatever else the
 * filter says ("that other incident need not match the filters"): only the filter's services
 * (a partition is one service) and its range widened by the window back in time are applied
 * inside; apply the whole filter to its rows.
 */
export function repeatFacts(
  db: Kysely<Database>,
  filter: { serviceId?: readonly string[]; since?: Date; until?: Date },
  settings: ConditionSettings,
) {
  const windowMs = settings.repeatWindowHours * 3600 * 1000;
  return db
    .selectFrom('incident_metrics as f')
    .$if(filter.serviceId !== undefined, (q) =>
      q.where('f.service_id', 'in', filter.serviceId ?? []),
    )
    .$if(filter.since !== undefined, (q) =>
      q.where('f.created_at', '>=', new Date((filter.since?.getTime() ?? 0) - windowMs)),
    )
    .$if(filter.until !== undefined, (q) =>
      q.where('f.created_at', '<', filter.until ?? new Date()),
    )
    .selectAll('f')
    .select(
      (repeatsByWindow(db)
        ? sql<
            Date | string | null
          >`lag(f.created_at) over (partition by f.service_id, f.repeat_key order by f.created_at, f.incident_id)`
        : sql<null>`null`
      ).as('repeat_previous_at'),
    );
}
