import { sql, type Kysely } from 'kysely';
import { columnTypes, withTableOptions } from './frozen-helpers-v1.js';

// Frozen once merged. On-call pay for BI tools: on_call_pay_days holds, per user, local day (in
// the user's zone) and basis (scheduled: on-call time from schedules; all: direct escalation-rule
// targets too), the on-call seconds and the interruptions by pay class, as
// GET /api/v1/analytics/on-call-pay counts them. Every sync rewrites the recent days and, after a
// full sync or a change of the working hours, all of them (src/mirror/on-call-pay-days.ts); the
// view v_on_call_pay names the users and adds the month. Amounts are not stored: the rates are
// a setting of the process that answers (ONCALL_PAY_RULES), not of the data.

export const PAY_CLASSES_V1 = ['business', 'off', 'sleep', 'weekend', 'holiday'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  let table = db.schema
    .createTable('on_call_pay_days')
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('basis', 'varchar(16)', (c) => c.notNull());
  for (const c of PAY_CLASSES_V1)
    table = table.addColumn(`seconds_${c}`, 'double precision', (col) => col.notNull());
  for (const c of PAY_CLASSES_V1)
    table = table.addColumn(`interruptions_${c}`, 'integer', (col) => col.notNull());
  await withTableOptions(
    table.addPrimaryKeyConstraint('on_call_pay_days_pk', ['user_id', 'day', 'basis']),
    t,
  ).execute();
  await db.schema
    .createIndex('on_call_pay_days_day_idx')
    .on('on_call_pay_days')
    .columns(['day'])
    .execute();
  // The next sync writes every day (its key cursor, if a rolled-back table left one, goes).
  await sql.raw("DELETE FROM sync_cursors WHERE resource = 'on_call_pay_days_key'").execute(db);
  const seconds = PAY_CLASSES_V1.map((c) => `d.seconds_${c}`).join(' + ');
  await sql
    .raw(
      `CREATE VIEW v_on_call_pay AS
       SELECT d.user_id, u.name AS user_name, u.time_zone AS user_time_zone, d.basis,
         d.day, SUBSTR(d.day, 1, 7) AS month, ${seconds} AS seconds_on_call,
         ${PAY_CLASSES_V1.map((c) => `d.seconds_${c}`).join(', ')},
         ${PAY_CLASSES_V1.map((c) => `d.interruptions_${c}`).join(', ')}
       FROM on_call_pay_days d
       LEFT JOIN users u ON u.id = d.user_id`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP VIEW IF EXISTS v_on_call_pay').execute(db);
  await db.schema.dropTable('on_call_pay_days').execute();
}
