import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import { columnTypes, dialectOf, withTableOptions } from './frozen-helpers-v1.js';

// Frozen once merged.
// - incident_metrics: per incident, the facts the response metrics read (seconds to first
//   acknowledgement and to resolve, escalations, notifications, interruptions by hour class,
//   engagement), kept by every write that touches the incident; with the incident's columns the
//   metrics filter and group on, so that they read this table alone.
// - incident_responders and interruptions: the same per user, for the responder metrics.
// - log_entries.assignee_ids: who an assign, escalate or delegate entry assigned (the start of
//   a user's time to acknowledge). Entries stored before have none (their first notification
//   stands in, see src/facts/incident-facts.ts) until `sync --full` reads them again.
// - incident_counts and incident_team_counts: incidents counted per service, status and urgency,
//   all time, per UTC month and per UTC day (and per team), kept by the same writes: the
//   aggregate endpoints read these instead of counting a million incidents. Built here from the
//   incidents already stored.
// - mirror_state: a version bumped by every write, for ETags.

const COUNT_GRAINS: [grain: string, length: number][] = [
  ['all', 0],
  ['month', 7],
  ['day', 10],
];

/** The UTC bucket of incidents.created_at for a grain, as text (frozen spelling per dialect). */
function bucket(db: Kysely<unknown>, length: number, column: string): string {
  if (length === 0) return "''";
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') return `substr(${column}, 1, ${length})`;
  const format =
    dialect === 'mysql'
      ? length === 7
        ? '%Y-%m'
        : '%Y-%m-%d'
      : length === 7
        ? 'YYYY-MM'
        : 'YYYY-MM-DD';
  return dialect === 'mysql'
    ? `date_format(${column}, '${format}')`
    : `to_char(${column} at time zone 'UTC', '${format}')`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  const table = (name: string) => withTableOptions(db.schema.createTable(name), t);

  // Keyed (and, on SQLite and InnoDB, stored) in creation order: the metrics read time ranges,
  // so a range is one sequential read. incident_id stays unique for the writes.
  await table('incident_metrics')
    .addColumn('incident_id', t.id, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('resolved_at', t.timestamp)
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('urgency', 'varchar(16)')
    .addColumn('service_id', t.id)
    .addColumn('escalation_policy_id', t.id)
    .addColumn('priority_id', t.id)
    .addColumn('seconds_to_first_ack', 'bigint')
    .addColumn('seconds_to_resolve', 'bigint')
    .addColumn('auto_resolved', 'integer', (c) => c.notNull())
    .addColumn('reassigned', 'integer', (c) => c.notNull())
    .addColumn('manual_escalated', 'integer', (c) => c.notNull())
    .addColumn('timeout_escalated', 'integer', (c) => c.notNull())
    .addColumn('escalation_count', 'integer', (c) => c.notNull())
    .addColumn('notification_count', 'integer', (c) => c.notNull())
    .addColumn('interruption_count', 'integer', (c) => c.notNull())
    .addColumn('business_hour_interruptions', 'integer', (c) => c.notNull())
    .addColumn('off_hour_interruptions', 'integer', (c) => c.notNull())
    .addColumn('sleep_hour_interruptions', 'integer', (c) => c.notNull())
    .addColumn('engaged_seconds', 'bigint', (c) => c.notNull())
    .addColumn('engaged_user_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_metrics_pk', ['created_at', 'incident_id'])
    .$call((b) => (t.dialect === 'sqlite' ? b.modifyEnd(sql`without rowid`) : b))
    .execute();
  await db.schema
    .createIndex('incident_metrics_incident_idx')
    .on('incident_metrics')
    .column('incident_id')
    .unique()
    .execute();
  await db.schema
    .createIndex('incident_metrics_service_created_idx')
    .on('incident_metrics')
    .columns(['service_id', 'created_at'])
    .execute();

  await table('incident_responders')
    .addColumn('incident_id', t.id, (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('incident_created_at', t.timestamp, (c) => c.notNull())
    .addColumn('first_assigned_at', t.timestamp)
    .addColumn('first_acknowledged_at', t.timestamp)
    .addColumn('notification_count', 'integer', (c) => c.notNull())
    .addColumn('interruption_count', 'integer', (c) => c.notNull())
    .addColumn('business_hour_interruptions', 'integer', (c) => c.notNull())
    .addColumn('off_hour_interruptions', 'integer', (c) => c.notNull())
    .addColumn('sleep_hour_interruptions', 'integer', (c) => c.notNull())
    .addColumn('engaged_seconds', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_responders_pk', ['incident_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('incident_responders_user_idx')
    .on('incident_responders')
    .columns(['user_id', 'incident_created_at'])
    .execute();
  await db.schema
    .createIndex('incident_responders_created_idx')
    .on('incident_responders')
    .columns(['incident_created_at'])
    .execute();

  await table('interruptions')
    .addColumn('incident_id', t.id, (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('hour_class', 'varchar(16)', (c) => c.notNull())
    .addColumn('incident_created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('interruptions_pk', ['incident_id', 'user_id', 'started_at'])
    .execute();
  await db.schema
    .createIndex('interruptions_user_idx')
    .on('interruptions')
    .columns(['user_id', 'incident_created_at'])
    .execute();
  await db.schema
    .createIndex('interruptions_created_idx')
    .on('interruptions')
    .columns(['incident_created_at'])
    .execute();

  await db.schema.alterTable('log_entries').addColumn('assignee_ids', t.url).execute();

  for (const name of ['incident_counts', 'incident_team_counts']) {
    const team = name === 'incident_team_counts';
    let builder: CreateTableBuilder<string, string> = table(name)
      .addColumn('grain', 'varchar(8)', (c) => c.notNull())
      .addColumn('bucket', 'varchar(10)', (c) => c.notNull());
    if (team) builder = builder.addColumn('team_id', t.id, (c) => c.notNull());
    await builder
      // '' for incidents without a service or an urgency: key columns cannot be null.
      .addColumn('service_id', t.id, (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('urgency', 'varchar(16)', (c) => c.notNull())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${name}_pk`, [
        'grain',
        'bucket',
        ...(team ? ['team_id'] : []),
        'service_id',
        'status',
        'urgency',
      ])
      .execute();
  }
  for (const [grain, length] of COUNT_GRAINS) {
    const b = bucket(db, length, 'i.created_at');
    // PostgreSQL refuses a constant in GROUP BY: the all-time grain groups without its bucket.
    const by = length === 0 ? '' : `${b}, `;
    await sql
      .raw(
        `INSERT INTO incident_counts (grain, bucket, service_id, status, urgency, n)
         SELECT '${grain}', ${b}, COALESCE(i.service_id, ''), i.status, COALESCE(i.urgency, ''), COUNT(*)
         FROM incidents i GROUP BY ${by}COALESCE(i.service_id, ''), i.status, COALESCE(i.urgency, '')`,
      )
      .execute(db);
    await sql
      .raw(
        `INSERT INTO incident_team_counts (grain, bucket, team_id, service_id, status, urgency, n)
         SELECT '${grain}', ${b}, it.team_id, COALESCE(i.service_id, ''), i.status, COALESCE(i.urgency, ''), COUNT(*)
         FROM incidents i JOIN incident_teams it ON it.incident_id = i.id
         GROUP BY ${by}it.team_id, COALESCE(i.service_id, ''), i.status, COALESCE(i.urgency, '')`,
      )
      .execute(db);
  }

  await table('mirror_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', t.timestamp, (c) => c.notNull())
    .execute();
  await sql
    .raw(
      `INSERT INTO mirror_state (id, version, changed_at) VALUES (1, 1, ${
        t.dialect === 'sqlite' ? "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" : 'CURRENT_TIMESTAMP'
      })`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'mirror_state',
    'incident_team_counts',
    'incident_counts',
    'interruptions',
    'incident_responders',
    'incident_metrics',
  ])
    await db.schema.dropTable(name).execute();
  await db.schema.alterTable('log_entries').dropColumn('assignee_ids').execute();
}
