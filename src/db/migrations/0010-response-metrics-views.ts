import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. Reporting views over the per-incident facts of migration 0009, for BI
// tools: one row per incident with its response figures, and one per interruption. Both carry
// week_start, the Monday (UTC) of the week, so a native question groups by week in plain SQL on
// every dialect. Names and columns are a public interface (docs/metabase.md).

export const RESPONSE_VIEWS = ['v_incident_metrics', 'v_interruptions'] as const;

/** The UTC date of the Monday on or before a stored timestamp (frozen spelling per dialect). */
function mondayOf(db: Kysely<unknown>, column: string): string {
  const dialect = dialectOf(db);
  // SQLite: back six days, then forward to the next Monday (the same day when it is one).
  if (dialect === 'sqlite') return `date(${column}, '-6 days', 'weekday 1')`;
  if (dialect === 'mysql') return `DATE(${column} - INTERVAL WEEKDAY(${column}) DAY)`;
  return `CAST(date_trunc('week', ${column} AT TIME ZONE 'UTC') AS date)`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const views: Record<(typeof RESPONSE_VIEWS)[number], string> = {
    // One row per incident: the figures behind GET /api/v1/analytics/incidents.
    v_incident_metrics: `
      SELECT m.incident_id, i.incident_number, i.title, m.status, m.urgency,
        m.priority_id, p.name AS priority_name, m.service_id, sv.name AS service_name,
        m.escalation_policy_id, ep.name AS escalation_policy_name,
        m.created_at, ${mondayOf(db, 'm.created_at')} AS week_start, m.resolved_at,
        m.seconds_to_first_ack, m.seconds_to_resolve,
        m.auto_resolved, m.reassigned, m.manual_escalated, m.timeout_escalated,
        m.escalation_count, m.notification_count, m.interruption_count,
        m.business_hour_interruptions, m.off_hour_interruptions, m.sleep_hour_interruptions,
        m.engaged_seconds, m.engaged_user_count
      FROM incident_metrics m
      JOIN incidents i ON i.id = m.incident_id
      LEFT JOIN services sv ON sv.id = m.service_id
      LEFT JOIN escalation_policies ep ON ep.id = m.escalation_policy_id
      LEFT JOIN priorities p ON p.id = m.priority_id`,
    // One row per interruption (an SMS, phone or push notification, those within a minute of
    // the first merged): who, when, and in which hours of their own zone.
    v_interruptions: `
      SELECT x.incident_id, x.user_id, u.name AS user_name, x.started_at,
        ${mondayOf(db, 'x.started_at')} AS week_start, x.hour_class,
        x.incident_created_at, m.service_id, sv.name AS service_name, m.urgency
      FROM interruptions x
      LEFT JOIN users u ON u.id = x.user_id
      LEFT JOIN incident_metrics m ON m.incident_id = x.incident_id
      LEFT JOIN services sv ON sv.id = m.service_id`,
  };
  for (const [name, body] of Object.entries(views))
    await sql.raw(`CREATE VIEW ${name} AS ${body}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [...RESPONSE_VIEWS].reverse())
    await sql.raw(`DROP VIEW IF EXISTS ${name}`).execute(db);
}
