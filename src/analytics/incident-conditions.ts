import { sql, type Kysely, type RawBuilder } from 'kysely';
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

/** Whether the incident (a row of incident_metrics as m) passes a condition. */
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
    case 'repeat':
      // "Before": created earlier, or at the same instant with a smaller id, so that of two
      // incidents created together exactly one is the repeat. A seek on
      // incident_metrics_repeat_idx per incident.
      return sql<boolean>`(m.repeat_key is not null and exists (
        select 1 from incident_metrics p
        where p.service_id = m.service_id and p.repeat_key = m.repeat_key
          and p.created_at >= ${secondsBefore(db, 'm.created_at', settings.repeatWindowHours * 3600)}
          and p.created_at <= m.created_at
          and (p.created_at < m.created_at or p.incident_id < m.incident_id)))`;
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
