import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. (0014 is taken by the on-call pay work.)
// - incident_metrics gains the facts of the noise figures (alert_count, repeat_key, reopened) and
//   of PagerDuty's remaining incident metrics (assignment_count, seconds_to_mobilize,
//   seconds_to_engage, snoozed_seconds); see src/mirror/incident-facts.ts. Existing rows get
//   neutral values here and their real ones at the next sync: the facts' version changed
//   (FACTS_VERSION in mirror/mirror-writer.ts), so every incident's facts are computed again.
// - incident_responders gains each user's handoffs (reassigned, manually and timeout escalated,
//   from them and to them), for PagerDuty's remaining responder metrics.
// - incident_metrics_repeat_idx: "an incident of the same service with the same key created
//   shortly before" is a seek on it, for each incident, instead of a scan of the service. It
//   carries the interruption columns the repeats list sums, so that listing a service's
//   repeating alerts reads the index alone: at a million incidents, reading its 300,000 rows
//   through the table took 1.2 s of the 3 s on SQLite.
// - v_incident_noise: one row per incident with its noise figures, for BI tools (docs/metabase.md).
//   A view cannot read the settings: it tests the defaults, TRANSIENT_MINUTES 5 and
//   REPEAT_WINDOW_HOURS 24 (the API follows the settings).
// The column types below mean the same on every dialect.

const TRANSIENT_SECONDS = 300;
const REPEAT_WINDOW_SECONDS = 24 * 3600;

/** The UTC date of the Monday on or before a stored timestamp (frozen copy of 0010's). */
function mondayOf(db: Kysely<unknown>, column: string): string {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') return `date(${column}, '-6 days', 'weekday 1')`;
  if (dialect === 'mysql') return `DATE(${column} - INTERVAL WEEKDAY(${column}) DAY)`;
  return `CAST(date_trunc('week', ${column} AT TIME ZONE 'UTC') AS date)`;
}

/** A stored timestamp minus whole seconds, comparable with the column (frozen spelling per dialect). */
function secondsBefore(db: Kysely<unknown>, column: string, seconds: number): string {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite')
    return `strftime('%Y-%m-%dT%H:%M:%fZ', ${column}, '-${seconds} seconds')`;
  if (dialect === 'mysql') return `(${column} - INTERVAL ${seconds} SECOND)`;
  return `(${column} - INTERVAL '${seconds} seconds')`;
}

function noiseView(db: Kysely<unknown>): string {
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
      CASE WHEN m.repeat_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM incident_metrics p
        WHERE p.service_id = m.service_id AND p.repeat_key = m.repeat_key
          AND p.created_at >= ${secondsBefore(db, 'm.created_at', REPEAT_WINDOW_SECONDS)}
          AND p.created_at <= m.created_at
          AND (p.created_at < m.created_at OR p.incident_id < m.incident_id)
      ) THEN 1 ELSE 0 END AS is_repeat,
      m.off_hour_interruptions, m.sleep_hour_interruptions
    FROM incident_metrics m
    JOIN incidents i ON i.id = m.incident_id
    LEFT JOIN services sv ON sv.id = m.service_id`;
}

const HANDOFFS = [
  'reassigned_from',
  'reassigned_to',
  'manual_escalated_from',
  'manual_escalated_to',
  'timeout_escalated_from',
  'timeout_escalated_to',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of HANDOFFS)
    await db.schema
      .alterTable('incident_responders')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  const add = (column: string, type: 'integer' | 'bigint', notNull: boolean) =>
    db.schema
      .alterTable('incident_metrics')
      .addColumn(column, type, (c) => (notNull ? c.notNull().defaultTo(0) : c))
      .execute();
  await add('alert_count', 'integer', false);
  await db.schema.alterTable('incident_metrics').addColumn('repeat_key', 'varchar(255)').execute();
  await add('reopened', 'integer', true);
  await add('assignment_count', 'integer', true);
  await add('seconds_to_mobilize', 'bigint', false);
  await add('seconds_to_engage', 'bigint', false);
  await add('snoozed_seconds', 'bigint', true);
  await db.schema
    .createIndex('incident_metrics_repeat_idx')
    .on('incident_metrics')
    .columns([
      'service_id',
      'repeat_key',
      'created_at',
      'off_hour_interruptions',
      'sleep_hour_interruptions',
    ])
    .execute();
  await sql.raw(`CREATE VIEW v_incident_noise AS ${noiseView(db)}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP VIEW IF EXISTS v_incident_noise').execute(db);
  // Only MySQL names the table of an index it drops; SQLite and PostgreSQL refuse it.
  const drop = db.schema.dropIndex('incident_metrics_repeat_idx');
  await (dialectOf(db) === 'mysql' ? drop.on('incident_metrics') : drop).execute();
  for (const column of [
    'snoozed_seconds',
    'seconds_to_engage',
    'seconds_to_mobilize',
    'assignment_count',
    'reopened',
    'repeat_key',
    'alert_count',
  ])
    await db.schema.alterTable('incident_metrics').dropColumn(column).execute();
  for (const column of HANDOFFS)
    await db.schema.alterTable('incident_responders').dropColumn(column).execute();
}
