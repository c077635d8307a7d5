import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. Reporting views for BI tools (Metabase) over the same SQL, one per question
// of the specification plus an incident fact table; documented in docs/metabase.md. Their names
// and columns are a public interface: change them only in new migrations.

export const REPORTING_VIEWS = [
  'v_services',
  'v_incidents_by_service_status',
  'v_teams_services',
  'v_escalation_policy_relations',
  'v_inactive_users',
  'v_incident_facts',
] as const;

/** Dialect spellings: seconds between two stored timestamps, and "now" comparable with stored ones. */
function spellings(db: Kysely<unknown>) {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') {
    return {
      // Stored as ISO text: compare with ISO text, subtract through julianday.
      seconds: (to: string, from: string) =>
        `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400) AS INTEGER)`,
      now: `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      in90Days: `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days')`,
      end: '"end"',
      start: '"start"',
    };
  }
  if (dialect === 'mysql') {
    return {
      seconds: (to: string, from: string) => `TIMESTAMPDIFF(SECOND, ${from}, ${to})`,
      now: 'UTC_TIMESTAMP(3)',
      in90Days: 'UTC_TIMESTAMP(3) + INTERVAL 90 DAY',
      end: '`end`',
      start: '`start`',
    };
  }
  return {
    seconds: (to: string, from: string) => `CAST(EXTRACT(EPOCH FROM (${to} - ${from})) AS BIGINT)`,
    now: 'now()',
    in90Days: "now() + interval '90 days'",
    end: '"end"',
    start: '"start"',
  };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = spellings(db);
  const statusCounts = `SUM(CASE WHEN status = 'triggered' THEN 1 ELSE 0 END) AS triggered,
      SUM(CASE WHEN status = 'acknowledged' THEN 1 ELSE 0 END) AS acknowledged,
      SUM(CASE WHEN status = 'resolved' THEN 1 ELSE 0 END) AS resolved`;
  const views: Record<(typeof REPORTING_VIEWS)[number], string> = {
    // Services with incidents counted by status (0 when none).
    v_services: `
      SELECT sv.id AS service_id, sv.name AS service_name, sv.status AS service_status,
        sv.escalation_policy_id, ep.name AS escalation_policy_name,
        COALESCE(c.incident_count, 0) AS incident_count, COALESCE(c.triggered, 0) AS triggered,
        COALESCE(c.acknowledged, 0) AS acknowledged, COALESCE(c.resolved, 0) AS resolved
      FROM services sv
      LEFT JOIN escalation_policies ep ON ep.id = sv.escalation_policy_id
      LEFT JOIN (SELECT service_id, COUNT(*) AS incident_count, ${statusCounts} FROM incidents GROUP BY service_id) c
        ON c.service_id = sv.id
      WHERE sv.deleted_at IS NULL`,
    // One row per service and status that has incidents (services deleted from PagerDuty included).
    v_incidents_by_service_status: `
      SELECT i.service_id, sv.name AS service_name, i.status, COUNT(*) AS incident_count
      FROM incidents i LEFT JOIN services sv ON sv.id = i.service_id
      GROUP BY i.service_id, sv.name, i.status`,
    v_teams_services: `
      SELECT t.id AS team_id, t.name AS team_name, sv.id AS service_id, sv.name AS service_name,
        COALESCE(c.incident_count, 0) AS incident_count
      FROM teams t
      LEFT JOIN service_teams st ON st.team_id = t.id
      LEFT JOIN services sv ON sv.id = st.service_id AND sv.deleted_at IS NULL
      LEFT JOIN (SELECT service_id, COUNT(*) AS incident_count FROM incidents GROUP BY service_id) c ON c.service_id = sv.id
      WHERE t.deleted_at IS NULL`,
    // A policy's teams and services, one row each (related_type team or service).
    v_escalation_policy_relations: `
      SELECT ep.id AS escalation_policy_id, ep.name AS escalation_policy_name, 'team' AS related_type,
        ept.team_id AS related_id, t.name AS related_name
      FROM escalation_policies ep
      JOIN escalation_policy_teams ept ON ept.escalation_policy_id = ep.id
      LEFT JOIN teams t ON t.id = ept.team_id
      WHERE ep.deleted_at IS NULL
      UNION ALL
      SELECT ep.id, ep.name, 'service', sv.id, sv.name
      FROM escalation_policies ep
      JOIN services sv ON sv.escalation_policy_id = ep.id AND sv.deleted_at IS NULL
      WHERE ep.deleted_at IS NULL`,
    // Users on schedules who are inactive, one row per user and reason (as GET /users/inactive).
    v_inactive_users: `
      SELECT u.id AS user_id, u.name AS user_name, u.email, 'deleted' AS reason
      FROM users u
      WHERE u.deleted_at IS NOT NULL AND (
        u.id IN (SELECT user_id FROM schedule_layer_users) OR u.id IN (SELECT user_id FROM schedule_users)
        OR u.id IN (SELECT target_id FROM escalation_rule_targets WHERE target_type = 'user'))
      UNION ALL
      SELECT u.id, u.name, u.email, 'invitation_pending'
      FROM users u
      WHERE u.deleted_at IS NULL AND u.invitation_sent = ${dialectOf(db) === 'postgres' ? 'true' : '1'}
        AND (u.id IN (SELECT user_id FROM schedule_layer_users) OR u.id IN (SELECT user_id FROM schedule_users))
      UNION ALL
      SELECT u.id, u.name, u.email, 'no_upcoming_shift'
      FROM users u
      WHERE (u.id IN (SELECT user_id FROM schedule_layer_users) OR u.id IN (SELECT user_id FROM schedule_users))
        AND u.id NOT IN (SELECT user_id FROM schedule_entries WHERE ${s.end} > ${s.now} AND ${s.start} < ${s.in90Days})`,
    // One row per incident with its times to acknowledge and resolve, in seconds.
    v_incident_facts: `
      SELECT i.id AS incident_id, i.incident_number, i.title, i.status, i.urgency, i.priority_id,
        i.service_id, sv.name AS service_name, i.escalation_policy_id, i.created_at,
        i.first_acknowledged_at, i.resolved_at,
        CASE WHEN i.first_acknowledged_at IS NULL THEN NULL ELSE ${s.seconds('i.first_acknowledged_at', 'i.created_at')} END AS seconds_to_first_ack,
        CASE WHEN i.resolved_at IS NULL THEN NULL ELSE ${s.seconds('i.resolved_at', 'i.created_at')} END AS seconds_to_resolve
      FROM incidents i LEFT JOIN services sv ON sv.id = i.service_id`,
  };
  for (const [name, body] of Object.entries(views))
    await sql.raw(`CREATE VIEW ${name} AS ${body}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [...REPORTING_VIEWS].reverse())
    await sql.raw(`DROP VIEW IF EXISTS ${name}`).execute(db);
}
