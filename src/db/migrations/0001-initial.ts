import type { CreateTableBuilder, Kysely } from 'kysely';
import { columnTypes, withTableOptions, type ColumnTypes } from './frozen-helpers-v1.js';

// Frozen once merged: later changes go in new migrations.

type Builder = CreateTableBuilder<string, string>;

function mirrored(builder: Builder, t: ColumnTypes): Builder {
  return builder
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    .addColumn('deleted_at', t.timestamp);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  const table = (name: string) => withTableOptions(db.schema.createTable(name), t);
  // A relation table: both columns form the key, and the second is indexed for reverse lookups.
  const link = async (name: string, left: string, right: string) => {
    await table(name)
      .addColumn(left, t.id, (c) => c.notNull())
      .addColumn(right, t.id, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${name}_pk`, [left, right])
      .execute();
    await db.schema.createIndex(`${name}_${right}_idx`).on(name).column(right).execute();
  };

  await mirrored(
    table('services')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.name, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('status', 'varchar(32)')
      .addColumn('created_at', t.timestamp)
      .addColumn('last_incident_timestamp', t.timestamp)
      .addColumn('escalation_policy_id', t.id)
      .addColumn('html_url', t.url),
    t,
  ).execute();
  await db.schema
    .createIndex('services_escalation_policy_idx')
    .on('services')
    .column('escalation_policy_id')
    .execute();

  await mirrored(
    table('teams')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.name, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('html_url', t.url),
    t,
  ).execute();

  await table('team_members')
    .addColumn('team_id', t.id, (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('role', 'varchar(32)')
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('team_members_user_idx')
    .on('team_members')
    .column('user_id')
    .execute();

  await mirrored(
    table('users')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.name, (c) => c.notNull())
      .addColumn('email', t.name)
      .addColumn('role', 'varchar(64)')
      .addColumn('time_zone', 'varchar(64)')
      .addColumn('job_title', t.name)
      .addColumn('invitation_sent', t.bool, (c) => c.notNull().defaultTo(false))
      .addColumn('html_url', t.url),
    t,
  ).execute();

  await mirrored(
    table('escalation_policies')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.name, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('num_loops', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('html_url', t.url),
    t,
  ).execute();

  await table('escalation_rules')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('escalation_policy_id', t.id, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('escalation_delay_in_minutes', 'integer', (c) => c.notNull())
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('escalation_rules_policy_idx')
    .on('escalation_rules')
    .columns(['escalation_policy_id', 'position'])
    .execute();

  await table('escalation_rule_targets')
    .addColumn('escalation_rule_id', t.id, (c) => c.notNull())
    .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_id', t.id, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('escalation_rule_targets_pk', [
      'escalation_rule_id',
      'target_type',
      'target_id',
    ])
    .execute();
  await db.schema
    .createIndex('escalation_rule_targets_target_idx')
    .on('escalation_rule_targets')
    .columns(['target_type', 'target_id'])
    .execute();

  await mirrored(
    table('schedules')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.name, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('time_zone', 'varchar(64)')
      .addColumn('html_url', t.url),
    t,
  ).execute();

  await table('schedule_layers')
    .addColumn('id', t.id, (c) => c.notNull())
    .addColumn('schedule_id', t.id, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', t.name)
    .addColumn('start', t.timestamp)
    .addColumn('end', t.timestamp)
    .addColumn('rotation_virtual_start', t.timestamp)
    .addColumn('rotation_turn_length_seconds', 'integer')
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    // Layer ids are unique only within their schedule.
    .addPrimaryKeyConstraint('schedule_layers_pk', ['schedule_id', 'id'])
    .execute();

  await table('schedule_layer_users')
    .addColumn('schedule_id', t.id, (c) => c.notNull())
    .addColumn('schedule_layer_id', t.id, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_layer_users_pk', [
      'schedule_id',
      'schedule_layer_id',
      'position',
    ])
    .execute();
  await db.schema
    .createIndex('schedule_layer_users_user_idx')
    .on('schedule_layer_users')
    .column('user_id')
    .execute();

  await link('schedule_users', 'schedule_id', 'user_id');
  await link('schedule_teams', 'schedule_id', 'team_id');
  await link('schedule_escalation_policies', 'schedule_id', 'escalation_policy_id');

  await table('schedule_entries')
    .addColumn('schedule_id', t.id, (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('start', t.timestamp, (c) => c.notNull())
    .addColumn('end', t.timestamp, (c) => c.notNull())
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_entries_pk', ['schedule_id', 'start', 'user_id'])
    .execute();
  await db.schema
    .createIndex('schedule_entries_user_idx')
    .on('schedule_entries')
    .columns(['user_id', 'start'])
    .execute();

  await table('oncalls')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('schedule_id', t.id)
    .addColumn('escalation_policy_id', t.id, (c) => c.notNull())
    .addColumn('escalation_level', 'integer', (c) => c.notNull())
    .addColumn('start', t.timestamp)
    .addColumn('end', t.timestamp)
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oncalls_user_idx').on('oncalls').column('user_id').execute();

  await mirrored(
    table('priorities')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.name, (c) => c.notNull())
      .addColumn('description', t.text)
      .addColumn('position', 'integer', (c) => c.notNull()),
    t,
  ).execute();

  await mirrored(
    table('incidents')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('incident_number', 'bigint', (c) => c.notNull())
      .addColumn('title', t.text)
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('urgency', 'varchar(16)')
      .addColumn('priority_id', t.id)
      .addColumn('service_id', t.id)
      .addColumn('escalation_policy_id', t.id)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp)
      .addColumn('last_status_change_at', t.timestamp)
      .addColumn('resolved_at', t.timestamp)
      .addColumn('first_acknowledged_at', t.timestamp)
      .addColumn('alert_count_all', 'integer')
      .addColumn('alert_count_triggered', 'integer')
      .addColumn('alert_count_resolved', 'integer')
      .addColumn('resolve_reason', t.text)
      .addColumn('incident_key', t.name)
      .addColumn('html_url', t.url),
    t,
  ).execute();
  await db.schema
    .createIndex('incidents_number_idx')
    .on('incidents')
    .column('incident_number')
    .unique()
    .execute();
  await db.schema
    .createIndex('incidents_service_status_idx')
    .on('incidents')
    .columns(['service_id', 'status'])
    .execute();
  await db.schema
    .createIndex('incidents_service_created_idx')
    .on('incidents')
    .columns(['service_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('incidents_status_idx')
    .on('incidents')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('incidents_created_idx')
    .on('incidents')
    .column('created_at')
    .execute();

  await link('incident_teams', 'incident_id', 'team_id');

  await table('incident_assignments')
    .addColumn('incident_id', t.id, (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('at', t.timestamp)
    .addPrimaryKeyConstraint('incident_assignments_pk', ['incident_id', 'user_id'])
    .execute();

  await table('incident_acknowledgements')
    .addColumn('incident_id', t.id, (c) => c.notNull())
    .addColumn('acknowledger_id', t.id, (c) => c.notNull())
    .addColumn('acknowledger_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_acknowledgements_pk', [
      'incident_id',
      'acknowledger_id',
      'at',
    ])
    .execute();

  await table('log_entries')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('incident_id', t.id)
    .addColumn('service_id', t.id)
    .addColumn('agent_id', t.id)
    .addColumn('agent_type', 'varchar(64)')
    .addColumn('channel_type', 'varchar(64)')
    .addColumn('user_id', t.id)
    .addColumn('synced_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('log_entries_incident_type_idx')
    .on('log_entries')
    .columns(['incident_id', 'type'])
    .execute();
  await db.schema
    .createIndex('log_entries_type_created_idx')
    .on('log_entries')
    .columns(['type', 'created_at'])
    .execute();
  await db.schema
    .createIndex('log_entries_created_idx')
    .on('log_entries')
    .column('created_at')
    .execute();

  await link('service_teams', 'service_id', 'team_id');
  await link('escalation_policy_teams', 'escalation_policy_id', 'team_id');
  await link('escalation_policy_services', 'escalation_policy_id', 'service_id');

  await table('sync_runs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('finished_at', t.timestamp)
    .addColumn('heartbeat_at', t.timestamp)
    .addColumn('counts', t.text, (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rate_limited', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', t.text)
    .execute();
  await db.schema
    .createIndex('sync_runs_started_idx')
    .on('sync_runs')
    .column('started_at')
    .execute();

  await table('sync_cursors')
    .addColumn('resource', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('cursor', 'varchar(64)', (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();

  await table('sync_leases')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    'sync_leases',
    'sync_cursors',
    'sync_runs',
    'escalation_policy_services',
    'escalation_policy_teams',
    'service_teams',
    'log_entries',
    'incident_acknowledgements',
    'incident_assignments',
    'incident_teams',
    'incidents',
    'priorities',
    'oncalls',
    'schedule_entries',
    'schedule_escalation_policies',
    'schedule_teams',
    'schedule_users',
    'schedule_layer_users',
    'schedule_layers',
    'schedules',
    'escalation_rule_targets',
    'escalation_rules',
    'escalation_policies',
    'users',
    'team_members',
    'teams',
    'services',
  ];
  for (const name of tables) await db.schema.dropTable(name).ifExists().execute();
}
