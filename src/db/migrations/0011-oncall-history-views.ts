import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. The on-call history (kept by every sync since this release, see
// schedules-sync.ts) read by range, and two reporting views over it and the interruptions, for
// BI tools. Names and columns are a public interface (docs/metabase.md).

export const ONCALL_VIEWS = ['v_oncall_intervals', 'v_user_interruptions'] as const;

/** The UTC date of the Monday on or before a stored timestamp (as migration 0010 spells it). */
function mondayOf(db: Kysely<unknown>, column: string): string {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') return `date(${column}, '-6 days', 'weekday 1')`;
  if (dialect === 'mysql') return `DATE(${column} - INTERVAL WEEKDAY(${column}) DAY)`;
  return `CAST(date_trunc('week', ${column} AT TIME ZONE 'UTC') AS date)`;
}

/** Whole seconds from `from` to `to`, per dialect. */
function secondsBetween(db: Kysely<unknown>, from: string, to: string): string {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite')
    return `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400) AS INTEGER)`;
  if (dialect === 'mysql') return `TIMESTAMPDIFF(SECOND, ${from}, ${to})`;
  return `CAST(EXTRACT(EPOCH FROM (${to} - ${from})) AS BIGINT)`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // The responders' range read (start < until and end > since) and the heat map's (started_at).
  await db.schema.createIndex('oncalls_start_idx').on('oncalls').columns(['start']).execute();
  await db.schema
    .createIndex('interruptions_started_idx')
    .on('interruptions')
    .columns(['started_at'])
    .execute();
  const end = dialectOf(db) === 'mysql' ? '`end`' : '"end"';
  const views: Record<(typeof ONCALL_VIEWS)[number], string> = {
    // One row per on-call span as /oncalls gave it: who, on which schedule, policy and level,
    // from when to when. Permanent on-calls (a user targeted directly) have no start, no end and
    // no seconds. A person on two policies at once has two rows: summing seconds counts that
    // time twice, where GET /api/v1/analytics/responders counts it once.
    v_oncall_intervals: `
      SELECT o.user_id, u.name AS user_name, u.time_zone AS user_time_zone,
        o.schedule_id, s.name AS schedule_name,
        o.escalation_policy_id, ep.name AS escalation_policy_name, o.escalation_level,
        o.start AS start_at, o.${end} AS end_at,
        ${mondayOf(db, 'o.start')} AS week_start,
        ${secondsBetween(db, 'o.start', `o.${end}`)} AS seconds
      FROM oncalls o
      LEFT JOIN users u ON u.id = o.user_id
      LEFT JOIN schedules s ON s.id = o.schedule_id
      LEFT JOIN escalation_policies ep ON ep.id = o.escalation_policy_id`,
    // Interruptions counted per user, week and hour class (in the user's own zone).
    v_user_interruptions: `
      SELECT x.user_id, u.name AS user_name, ${mondayOf(db, 'x.started_at')} AS week_start,
        x.hour_class, COUNT(*) AS interruptions
      FROM interruptions x
      LEFT JOIN users u ON u.id = x.user_id
      GROUP BY x.user_id, u.name, ${mondayOf(db, 'x.started_at')}, x.hour_class`,
  };
  for (const [name, body] of Object.entries(views))
    await sql.raw(`CREATE VIEW ${name} AS ${body}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [...ONCALL_VIEWS].reverse())
    await sql.raw(`DROP VIEW IF EXISTS ${name}`).execute(db);
  await db.schema.dropIndex('interruptions_started_idx').on('interruptions').execute();
  await db.schema.dropIndex('oncalls_start_idx').on('oncalls').execute();
}
