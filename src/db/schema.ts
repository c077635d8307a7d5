import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * Timestamps are stored in UTC: timestamptz on PostgreSQL, DATETIME(3) read and written in UTC
 * on MySQL/MariaDB, ISO-8601 text ending in Z on SQLite (so that text order is time order).
 * Drivers hand back Date (PostgreSQL, MySQL) or string (SQLite): read them with toIsoTimestamp.
 */
export type Timestamp = ColumnType<Date | string, Date | string, Date | string>;
export type NullableTimestamp = ColumnType<
  Date | string | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** Booleans come back as 0/1 on SQLite and MySQL, true/false on PostgreSQL. */
export type Bool = ColumnType<boolean | number, boolean, boolean>;

/** Columns every mirrored PagerDuty object carries. */
interface Mirrored {
  synced_at: Timestamp;
  /** When the object was first seen gone from PagerDuty; null while it exists. */
  deleted_at: NullableTimestamp;
}

export interface ServicesTable extends Mirrored {
  id: string;
  name: string;
  description: string | null;
  status: string | null;
  created_at: NullableTimestamp;
  last_incident_timestamp: NullableTimestamp;
  escalation_policy_id: string | null;
  html_url: string | null;
}

export interface TeamsTable extends Mirrored {
  id: string;
  name: string;
  description: string | null;
  html_url: string | null;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  role: string | null;
  synced_at: Timestamp;
}

export interface UsersTable extends Mirrored {
  id: string;
  name: string;
  email: string | null;
  role: string | null;
  time_zone: string | null;
  job_title: string | null;
  invitation_sent: Bool;
  html_url: string | null;
}

export interface EscalationPoliciesTable extends Mirrored {
  id: string;
  name: string;
  description: string | null;
  num_loops: number;
  html_url: string | null;
}

export interface EscalationRulesTable {
  id: string;
  escalation_policy_id: string;
  /** Order of the rule in its policy, from 0. */
  position: number;
  escalation_delay_in_minutes: number;
  synced_at: Timestamp;
}

export type EscalationTargetType = 'user' | 'schedule' | 'schedule_v3';

export interface EscalationRuleTargetsTable {
  escalation_rule_id: string;
  target_type: EscalationTargetType;
  target_id: string;
  position: number;
}

export interface SchedulesTable extends Mirrored {
  id: string;
  name: string;
  description: string | null;
  time_zone: string | null;
  html_url: string | null;
}

export interface ScheduleLayersTable {
  id: string;
  schedule_id: string;
  position: number;
  name: string | null;
  start: NullableTimestamp;
  end: NullableTimestamp;
  rotation_virtual_start: NullableTimestamp;
  rotation_turn_length_seconds: number | null;
  synced_at: Timestamp;
}

export interface ScheduleLayerUsersTable {
  schedule_id: string;
  schedule_layer_id: string;
  position: number;
  user_id: string;
}

export interface ScheduleUsersTable {
  schedule_id: string;
  user_id: string;
}

export interface ScheduleTeamsTable {
  schedule_id: string;
  team_id: string;
}

export interface ScheduleEscalationPoliciesTable {
  schedule_id: string;
  escalation_policy_id: string;
}

/** Entries of a schedule's rendered final_schedule: who is on call when. */
export interface ScheduleEntriesTable {
  schedule_id: string;
  user_id: string;
  start: Timestamp;
  end: Timestamp;
  synced_at: Timestamp;
}

/** Spans from GET /oncalls. start/end are null for permanent on-calls. */
export interface OncallsTable {
  /** Deterministic hash of the span's fields: /oncalls has no id of its own. */
  id: string;
  user_id: string;
  schedule_id: string | null;
  escalation_policy_id: string;
  escalation_level: number;
  start: NullableTimestamp;
  end: NullableTimestamp;
  synced_at: Timestamp;
}

export interface PrioritiesTable extends Mirrored {
  id: string;
  name: string;
  description: string | null;
  /** PagerDuty's `order` (most severe first); renamed because ORDER is reserved in SQL. */
  position: number;
}

export interface IncidentsTable extends Mirrored {
  id: string;
  incident_number: number;
  title: string | null;
  status: string;
  urgency: string | null;
  priority_id: string | null;
  service_id: string | null;
  escalation_policy_id: string | null;
  created_at: Timestamp;
  updated_at: NullableTimestamp;
  last_status_change_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  /** From the first acknowledge_log_entry: acknowledgements[] is emptied after the fact. */
  first_acknowledged_at: NullableTimestamp;
  alert_count_all: number | null;
  alert_count_triggered: number | null;
  alert_count_resolved: number | null;
  resolve_reason: string | null;
  incident_key: string | null;
  html_url: string | null;
}

export interface IncidentTeamsTable {
  incident_id: string;
  team_id: string;
}

export interface IncidentAssignmentsTable {
  incident_id: string;
  user_id: string;
  at: NullableTimestamp;
}

export interface IncidentAcknowledgementsTable {
  incident_id: string;
  /** A user or, for some integrations, a service. */
  acknowledger_id: string;
  acknowledger_type: string;
  at: Timestamp;
}

export interface LogEntriesTable {
  id: string;
  type: string;
  created_at: Timestamp;
  incident_id: string | null;
  service_id: string | null;
  agent_id: string | null;
  agent_type: string | null;
  channel_type: string | null;
  /** For notify_log_entry: the medium (`channel.notification.type`: sms, phone, email, push_notification). */
  notification_type: string | null;
  /** For notify_log_entry: the user who was notified. */
  user_id: string | null;
  /** For assign, escalate and delegate entries: the users assigned, comma-separated. */
  assignee_ids: string | null;
  synced_at: Timestamp;
}

/**
 * How much an incident interrupted people, by the same measures per incident
 * (IncidentMetricsTable) and per incident and user (IncidentRespondersTable).
 */
export interface InterruptionColumns {
  notification_count: number;
  interruption_count: number;
  business_hour_interruptions: number;
  off_hour_interruptions: number;
  sleep_hour_interruptions: number;
  engaged_seconds: number;
}

/** Per incident, the facts the response metrics read (see src/mirror/incident-facts.ts). */
export interface IncidentMetricsTable extends InterruptionColumns {
  incident_id: string;
  created_at: Timestamp;
  resolved_at: NullableTimestamp;
  status: string;
  urgency: string | null;
  service_id: string | null;
  escalation_policy_id: string | null;
  priority_id: string | null;
  seconds_to_first_ack: number | null;
  seconds_to_resolve: number | null;
  auto_resolved: number;
  reassigned: number;
  manual_escalated: number;
  timeout_escalated: number;
  escalation_count: number;
  engaged_user_count: number;
  /** Added by migration 0015 (see src/mirror/incident-facts.ts). */
  alert_count: number | null;
  repeat_key: string | null;
  reopened: number;
  assignment_count: number;
  seconds_to_mobilize: number | null;
  seconds_to_engage: number | null;
  snoozed_seconds: number;
}

/** Per incident and user who was assigned, notified or acknowledged: that user's part. */
export interface IncidentRespondersTable extends InterruptionColumns {
  incident_id: string;
  user_id: string;
  incident_created_at: Timestamp;
  first_assigned_at: NullableTimestamp;
  first_acknowledged_at: NullableTimestamp;
  /** Added by migration 0015: handoffs, 1 or 0 (see src/mirror/incident-facts.ts). */
  reassigned_from: number;
  reassigned_to: number;
  manual_escalated_from: number;
  manual_escalated_to: number;
  timeout_escalated_from: number;
  timeout_escalated_to: number;
}

/** An interruption: a user's notifications of one incident, merged within a minute. */
export interface InterruptionsTable {
  incident_id: string;
  user_id: string;
  started_at: Timestamp;
  /** business, off or sleep, in the user's zone at started_at. */
  hour_class: string;
  incident_created_at: Timestamp;
}

/** Per user, local day and basis: on-call seconds and interruptions by pay class (migration 0014). */
export interface OnCallPayDaysTable {
  user_id: string;
  /** The local date in the user's zone, YYYY-MM-DD. */
  day: string;
  /** 'scheduled' (schedules only) or 'all' (direct escalation-rule targets too). */
  basis: string;
  seconds_business: number;
  seconds_off: number;
  seconds_sleep: number;
  seconds_weekend: number;
  seconds_holiday: number;
  interruptions_business: number;
  interruptions_off: number;
  interruptions_sleep: number;
  interruptions_weekend: number;
  interruptions_holiday: number;
}

/** Incidents counted per service, status and urgency: all time ('all', bucket ''), per UTC month and day. */
export interface IncidentCountsTable {
  grain: string;
  bucket: string;
  /** '' for incidents without a service. */
  service_id: string;
  status: string;
  /** '' for incidents without an urgency. */
  urgency: string;
  n: number;
}

export interface IncidentTeamCountsTable extends IncidentCountsTable {
  team_id: string;
}

/** One row: a version bumped by every write of the mirror. */
export interface MirrorStateTable {
  id: number;
  version: number;
  changed_at: Timestamp;
}

export interface ServiceTeamsTable {
  service_id: string;
  team_id: string;
}

export interface EscalationPolicyTeamsTable {
  escalation_policy_id: string;
  team_id: string;
}

export interface EscalationPolicyServicesTable {
  escalation_policy_id: string;
  service_id: string;
}

export type SyncRunStatus = 'running' | 'succeeded' | 'failed';

export interface SyncRunsTable {
  id: string;
  kind: string;
  status: SyncRunStatus;
  started_at: Timestamp;
  finished_at: NullableTimestamp;
  heartbeat_at: NullableTimestamp;
  /** JSON object: resource name -> rows written. */
  counts: string;
  requests: number;
  rate_limited: number;
  retries: number;
  error: string | null;
  /** host:pid of the process running it (null on runs recorded before migration 0008). */
  owner: string | null;
}

export interface SyncCursorsTable {
  resource: string;
  /** ISO timestamp up to which the resource is complete. */
  cursor: string;
  updated_at: Timestamp;
}

/** One row per lock name; a sync holds it with an expiry so a killed process cannot hold it forever. */
export interface SyncLeasesTable {
  name: string;
  run_id: string;
  expires_at: Timestamp;
  /** host:pid of the process holding the lease. */
  owner: string | null;
}

/** Incidents a webhook named that the mirror lacks and the event could not create. */
export interface PendingIncidentsTable {
  incident_id: string;
  event_id: string;
  occurred_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  /**
   * The event's id (`event.id`, covered by the signature; before migration 0008's release, the
   * X-Webhook-Id header): deliveries are at least once, and a replay must not apply again.
   */
  id: string;
  event_type: string;
  received_at: Timestamp;
}

export interface Database {
  services: ServicesTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  users: UsersTable;
  escalation_policies: EscalationPoliciesTable;
  escalation_rules: EscalationRulesTable;
  escalation_rule_targets: EscalationRuleTargetsTable;
  schedules: SchedulesTable;
  schedule_layers: ScheduleLayersTable;
  schedule_layer_users: ScheduleLayerUsersTable;
  schedule_users: ScheduleUsersTable;
  schedule_teams: ScheduleTeamsTable;
  schedule_escalation_policies: ScheduleEscalationPoliciesTable;
  schedule_entries: ScheduleEntriesTable;
  oncalls: OncallsTable;
  priorities: PrioritiesTable;
  incidents: IncidentsTable;
  incident_teams: IncidentTeamsTable;
  incident_assignments: IncidentAssignmentsTable;
  incident_acknowledgements: IncidentAcknowledgementsTable;
  log_entries: LogEntriesTable;
  service_teams: ServiceTeamsTable;
  escalation_policy_teams: EscalationPolicyTeamsTable;
  escalation_policy_services: EscalationPolicyServicesTable;
  sync_runs: SyncRunsTable;
  sync_cursors: SyncCursorsTable;
  sync_leases: SyncLeasesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  pending_incidents: PendingIncidentsTable;
  incident_metrics: IncidentMetricsTable;
  incident_responders: IncidentRespondersTable;
  interruptions: InterruptionsTable;
  incident_counts: IncidentCountsTable;
  incident_team_counts: IncidentTeamCountsTable;
  mirror_state: MirrorStateTable;
  on_call_pay_days: OnCallPayDaysTable;
}

export type TableName = keyof Database;

export type Service = Selectable<ServicesTable>;
export type NewService = Insertable<ServicesTable>;
export type Team = Selectable<TeamsTable>;
export type NewTeam = Insertable<TeamsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Incident = Selectable<IncidentsTable>;
export type NewIncident = Insertable<IncidentsTable>;
export type SyncRun = Selectable<SyncRunsTable>;
