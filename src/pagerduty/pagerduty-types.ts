// Wire types of the PagerDuty REST API v2, after ../shared/pagerduty/openapiv3.json, narrowed to
// what pd-analytics reads. Every embedded field may be null or absent on real accounts, and an
// embedded object may come as a reference ({id, type: "x_reference", summary}) or, with
// include[], as the full object (type "x"): both forms fit PdReference.

export interface PdReference {
  id: string;
  type: string;
  summary?: string | null;
  self?: string | null;
  html_url?: string | null;
  /** Present on references to users deleted from PagerDuty. */
  deleted_at?: string | null;
  /** Full objects (include[]) carry a name; references only a summary. */
  name?: string | null;
}

export interface PdPagination {
  limit: number;
  offset: number;
  more: boolean;
  /** null unless the request asked for total=true. */
  total: number | null;
}

export interface PdService extends PdReference {
  name: string;
  description?: string | null;
  status?: string | null;
  created_at?: string | null;
  last_incident_timestamp?: string | null;
  escalation_policy?: PdReference | null;
  teams?: PdReference[] | null;
}

export interface PdTeam extends PdReference {
  name: string;
  description?: string | null;
}

export interface PdTeamMember {
  user: PdReference;
  role?: string | null;
}

export interface PdUser extends PdReference {
  name: string;
  email?: string | null;
  time_zone?: string | null;
  role?: string | null;
  job_title?: string | null;
  invitation_sent?: boolean | null;
  teams?: PdReference[] | null;
}

export interface PdEscalationRule {
  id: string;
  escalation_delay_in_minutes: number;
  targets?: PdReference[] | null;
}

export interface PdEscalationPolicy extends PdReference {
  name: string;
  description?: string | null;
  num_loops?: number | null;
  escalation_rules?: PdEscalationRule[] | null;
  services?: PdReference[] | null;
  teams?: PdReference[] | null;
}

export interface PdScheduleEntry {
  start: string;
  end: string;
  user?: PdReference | null;
}

export interface PdScheduleLayer {
  id?: string | null;
  name?: string | null;
  start: string;
  end?: string | null;
  rotation_virtual_start: string;
  rotation_turn_length_seconds: number;
  users: { user: PdReference }[];
  rendered_schedule_entries?: PdScheduleEntry[] | null;
}

export interface PdSubSchedule {
  name: string;
  rendered_schedule_entries?: PdScheduleEntry[] | null;
  rendered_coverage_percentage?: number | null;
}

export interface PdSchedule extends PdReference {
  name: string;
  description?: string | null;
  time_zone: string;
  users?: PdReference[] | null;
  teams?: PdReference[] | null;
  escalation_policies?: PdReference[] | null;
  schedule_layers?: PdScheduleLayer[] | null;
  final_schedule?: PdSubSchedule | null;
  overrides_subschedule?: PdSubSchedule | null;
}

export interface PdPriority extends PdReference {
  name: string;
  description?: string | null;
  order?: number | null;
}

export interface PdIncident extends PdReference {
  incident_number: number;
  title?: string | null;
  status: 'triggered' | 'acknowledged' | 'resolved';
  urgency?: 'high' | 'low' | null;
  created_at: string;
  updated_at?: string | null;
  last_status_change_at?: string | null;
  resolved_at?: string | null;
  incident_key?: string | null;
  service?: PdReference | null;
  escalation_policy?: PdReference | null;
  teams?: PdReference[] | null;
  priority?: PdReference | null;
  assignments?: { at: string; assignee: PdReference }[] | null;
  acknowledgements?: { at: string; acknowledger: PdReference }[] | null;
  alert_counts?: {
    all?: number | null;
    triggered?: number | null;
    resolved?: number | null;
  } | null;
  resolve_reason?: { type?: string | null; incident?: PdReference | null } | null;
}

export interface PdLogEntry extends PdReference {
  created_at: string;
  agent?: PdReference | null;
  /**
   * How the action came about. On a notify_log_entry `type` is `auto` and the medium is in
   * `notification.type` (`sms`, `phone`, `email`, `push_notification`, or the `_notification`
   * spellings of PagerDuty's /notifications), present when the request asks for include[]=channels.
   */
  channel?: {
    type?: string | null;
    notification?: { type?: string | null } | null;
  } | null;
  /** A sentence such as "Escalated to Level 2 by timeout". */
  summary?: string | null;
  service?: PdReference | null;
  incident?: PdReference | null;
  teams?: PdReference[] | null;
  /** notify_log_entry: who was notified. */
  user?: PdReference | null;
  /** assign/escalate/delegate_log_entry: who was assigned. */
  assignees?: PdReference[] | null;
}

export interface PdOncall {
  user: PdReference;
  schedule?: PdReference | null;
  escalation_policy: PdReference;
  escalation_level: number;
  start?: string | null;
  end?: string | null;
}

export interface PdErrorBody {
  error?: { message?: string; code?: number; errors?: string[] };
}
