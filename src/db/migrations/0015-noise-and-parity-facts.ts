import type { Kysely } from 'kysely';
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
//   shortly before" is a seek on it, for each incident, instead of a scan of the service.
// The column types below mean the same on every dialect.

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
    .columns(['service_id', 'repeat_key', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
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
