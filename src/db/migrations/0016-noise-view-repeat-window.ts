import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. On MySQL/MariaDB only, v_incident_noise (0015) again, the same columns and
// values, its is_repeat now from LAG(created_at) over each service and repeat key in
// (created_at, incident_id) order: the incident just before is the latest created of those
// before, so it alone decides whether one came within the window. 0015's correlated EXISTS is a
// seek per incident on SQLite and PostgreSQL, which keep it, but MariaDB seeks it on
// (service_id, repeat_key) only, never on the created_at range bounded by the outer row, and read
// every earlier incident of the key for each incident (quadratic in a key's incidents: a repeats
// query over one service of 30,000 incidents took 3.3 s at 100,000 incidents and did not end in
// 300 s at a million). The API reads repeats the same way (src/analytics/incident-conditions.ts,
// repeatsByWindow). The view tests REPEAT_WINDOW_HOURS' default, 24, as 0015's did.

const TRANSIENT_SECONDS = 300;
const REPEAT_WINDOW_SECONDS = 24 * 3600;

/** The UTC date of the Monday on or before a stored timestamp (frozen copy of 0015's). */
function mondayOf(db: Kysely<unknown>, column: string): string {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') return `date(${column}, '-6 days', 'weekday 1')`;
  if (dialect === 'mysql') return `DATE(${column} - INTERVAL WEEKDAY(${column}) DAY)`;
  return `CAST(date_trunc('week', ${column} AT TIME ZONE 'UTC') AS date)`;
}

/** A stored timestamp minus whole seconds, comparable with the column (frozen copy of 0015's). */
function secondsBefore(db: Kysely<unknown>, column: string, seconds: number): string {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite')
    return `strftime('%Y-%m-%dT%H:%M:%fZ', ${column}, '-${seconds} seconds')`;
  if (dialect === 'mysql') return `(${column} - INTERVAL ${seconds} SECOND)`;
  return `(${column} - INTERVAL '${seconds} seconds')`;
}

/** The view over `facts` (incident_metrics' columns as m), is_repeat as `repeat` says. */
function noiseView(db: Kysely<unknown>, facts: string, repeat: string): string {
  const unacked = 'm.seconds_to_resolve IS NOT NULL AND m.seconds_to_first_ack IS NULL';
  return `
    SELECT m.incident_id, i.incident_number, i.title, m.status, m.urgency,
      m.service_id, sv.name AS service_name, m.created_at,
      ${mondayOf(db, 'm.created_at')} AS week_start, m.alert_count,
      CASE WHEN m.repeat_key IS NULL THEN NULL ELSE SUBSTR(m.repeat_key, 3) END AS repeat_key,
      CASE WHEN m.repeat_key IS NULL THEN NULL
        WHEN SUBSTR(m.repeat_key, 1, 1) = 'k' THEN 'incident_key' ELSE 'title' END
        AS repeat_key_source,
      CASE WHEN ${unacked} AND m.seconds_to_resolve <= ${TRANSIENT_SECONDS} THEN 1 ELSE 0 END
        AS transient,
      CASE WHEN ${unacked} THEN 1 ELSE 0 END AS unacknowledged_resolved,
      m.auto_resolved, m.reopened,
      CASE WHEN ${repeat} THEN 1 ELSE 0 END AS is_repeat,
      m.off_hour_interruptions, m.sleep_hour_interruptions
    FROM ${facts}
    JOIN incidents i ON i.id = m.incident_id
    LEFT JOIN services sv ON sv.id = m.service_id`;
}

async function replaceView(db: Kysely<unknown>, body: string): Promise<void> {
  await sql.raw('DROP VIEW IF EXISTS v_incident_noise').execute(db);
  await sql.raw(`CREATE VIEW v_incident_noise AS ${body}`).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  const facts = `(SELECT f.*, LAG(f.created_at) OVER (
      PARTITION BY f.service_id, f.repeat_key ORDER BY f.created_at, f.incident_id
    ) AS repeat_previous_at FROM incident_metrics f) m`;
  const repeat = `m.service_id IS NOT NULL AND m.repeat_key IS NOT NULL
    AND m.repeat_previous_at >= ${secondsBefore(db, 'm.created_at', REPEAT_WINDOW_SECONDS)}`;
  await replaceView(db, noiseView(db, facts, repeat));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  // 0015's view.
  const repeat = `m.repeat_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM incident_metrics p
        WHERE p.service_id = m.service_id AND p.repeat_key = m.repeat_key
          AND p.created_at >= ${secondsBefore(db, 'm.created_at', REPEAT_WINDOW_SECONDS)}
          AND p.created_at <= m.created_at
          AND (p.created_at < m.created_at OR p.incident_id < m.incident_id)
      )`;
  await replaceView(db, noiseView(db, 'incident_metrics m', repeat));
}
