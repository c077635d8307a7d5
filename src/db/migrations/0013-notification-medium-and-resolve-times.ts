import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged. Real PagerDuty payloads, where the earlier sync read them wrong:
// - log_entries.notification_type: a notify_log_entry's medium. PagerDuty writes it in
//   `channel.notification.type` (with include[]=channels) while `channel.type` is `auto`; the sync
//   stored only `channel.type`, so every interruption of a real account counted 0. Where a
//   stored channel_type is itself a medium (mirrors of the simulator before this release), it is
//   copied over. Where notify entries have no medium, the marker `log_entries_reread_until` asks
//   the next sync to read the log entries of the whole history again, with their channels, up to
//   now (incidents-sync.ts); what came after is read with them already.
// - incidents.resolved_at: an incident object may carry none (older representations; the spec
//   requires no field). A resolved incident without it takes its last resolve_log_entry.
// The facts (incident_metrics and the rest) are computed again by the next sync: their
// definitions' version changed (FACTS_VERSION in sync/mirror-writer.ts).

const MEDIA = ['sms', 'phone', 'email', 'push_notification'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('log_entries').addColumn('notification_type', 'varchar(32)').execute();
  const media = MEDIA.map((m) => `'${m}'`).join(', ');
  await sql
    .raw(
      `UPDATE log_entries SET notification_type = channel_type
       WHERE type = 'notify_log_entry' AND channel_type IN (${media})`,
    )
    .execute(db);
  await sql
    .raw(
      `UPDATE incidents SET resolved_at = (
         SELECT MAX(l.created_at) FROM log_entries l
         WHERE l.incident_id = incidents.id AND l.type = 'resolve_log_entry')
       WHERE status = 'resolved' AND resolved_at IS NULL`,
    )
    .execute(db);
  const missing = await sql
    .raw<{ one: number }>(
      `SELECT 1 AS one FROM log_entries
       WHERE type = 'notify_log_entry' AND notification_type IS NULL LIMIT 1`,
    )
    .execute(db);
  if (missing.rows.length === 0) return;
  const now = new Date();
  const iso = now.toISOString();
  // Timestamps as each dialect stores them (DATETIME(3) in UTC on MySQL, ISO text on SQLite).
  const stamp = dialectOf(db) === 'mysql' ? iso.replace('T', ' ').replace('Z', '') : iso;
  // `cursor` is a reserved word on MariaDB: the columns are quoted per dialect.
  const columns = sql.join(['resource', 'cursor', 'updated_at'].map((c) => sql.ref(c)));
  await sql`INSERT INTO sync_cursors (${columns})
            VALUES ('log_entries_reread_until', ${iso}, ${stamp})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `DELETE FROM sync_cursors WHERE resource IN ('log_entries_reread_until', 'log_entries_reread')`,
    )
    .execute(db);
  await db.schema.alterTable('log_entries').dropColumn('notification_type').execute();
}
