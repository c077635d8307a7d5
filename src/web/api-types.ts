// Generated from the OpenAPI document by scripts/generate-api-types.ts: do not edit.
// The JSON bodies of GET /api/v1/..., for the dashboard.

/** GET /api/v1/analytics/incidents */
export type AnalyticsIncidentsResponse = {
  data: {
    range_start?: string;
    service_id?: string | null;
    service_name?: string | null;
    team_id?: string | null;
    team_name?: string | null;
    escalation_policy_id?: string | null;
    escalation_policy_name?: string | null;
    urgency?: string | null;
    priority_id?: string | null;
    priority_name?: string | null;
    total_incident_count: number;
    total_incidents_acknowledged: number;
    total_incidents_auto_resolved: number;
    total_incidents_reassigned: number;
    total_incidents_manual_escalated: number;
    total_incidents_timeout_escalated: number;
    total_escalation_count: number;
    mean_seconds_to_first_ack: number | null;
    p50_seconds_to_first_ack: number | null;
    p75_seconds_to_first_ack: number | null;
    p90_seconds_to_first_ack: number | null;
    p95_seconds_to_first_ack: number | null;
    mean_seconds_to_resolve: number | null;
    p50_seconds_to_resolve: number | null;
    p75_seconds_to_resolve: number | null;
    p90_seconds_to_resolve: number | null;
    p95_seconds_to_resolve: number | null;
    total_notifications: number;
    total_interruptions: number;
    total_business_hour_interruptions: number;
    total_off_hour_interruptions: number;
    total_sleep_hour_interruptions: number;
    total_engaged_seconds: number;
    mean_engaged_user_count: number | null;
    mean_engaged_seconds: number | null;
    mean_seconds_to_mobilize: number | null;
    mean_seconds_to_engage: number | null;
    mean_assignment_count: number | null;
    total_snoozed_seconds: number;
    mean_user_defined_engaged_seconds: number | null;
    total_user_defined_engaged_seconds: number | null;
    up_time_pct: number | null;
  }[];
  group_by: 'none' | 'service' | 'team' | 'escalation_policy' | 'urgency' | 'priority';
  aggregate_unit: 'day' | 'week' | 'month' | null;
  time_zone: string;
  notes?: string[];
};

/** GET /api/v1/analytics/interruptions/heatmap */
export type AnalyticsInterruptionsHeatmapResponse = {
  data: {
    weekday: number;
    hour: number;
    interruptions: number;
  }[];
  time_zone: string;
  since: string;
  until: string;
};

/** GET /api/v1/analytics/noise */
export type AnalyticsNoiseResponse = {
  data: {
    range_start?: string;
    service_id?: string | null;
    service_name?: string | null;
    team_id?: string | null;
    team_name?: string | null;
    escalation_policy_id?: string | null;
    escalation_policy_name?: string | null;
    urgency?: string | null;
    priority_id?: string | null;
    priority_name?: string | null;
    total_incident_count: number;
    total_alert_count: number;
    mean_alerts_per_incident: number | null;
    total_transient_incidents: number;
    total_incidents_auto_resolved: number;
    total_unacknowledged_resolved: number;
    total_repeat_incidents: number;
    total_reopened_incidents: number;
    noise_share: number | null;
  }[];
  group_by: 'none' | 'service' | 'team' | 'escalation_policy' | 'urgency' | 'priority';
  aggregate_unit: 'day' | 'week' | 'month' | null;
  time_zone: string;
  notes?: string[];
  transient_minutes: number;
  repeat_window_hours: number;
};

/** GET /api/v1/analytics/noise/repeats */
export type AnalyticsNoiseRepeatsResponse = {
  data: {
    service_id: string;
    service_name: string | null;
    repeat_key: string;
    repeat_key_source: 'incident_key' | 'title';
    incident_count: number;
    repeat_incident_count: number;
    first_seen_at: string | null;
    last_seen_at: string | null;
    off_hour_interruptions: number;
    sleep_hour_interruptions: number;
    off_hour_interruption_share: number | null;
    sleep_hour_interruption_share: number | null;
  }[];
  total: number;
  limit: number;
  offset: number;
  repeat_window_hours: number;
};

/** GET /api/v1/analytics/on-call-compliance */
export type AnalyticsOnCallComplianceResponse = {
  data: {
    user_id: string;
    user_name: string;
    rule: 'max_hours_per_7_days' | 'max_consecutive_days' | 'max_sleep_interruptions_per_7_days';
    limit: number;
    observed: number;
    window_start: string;
    window_end: string;
  }[];
  total: number;
  limit: number;
  offset: number;
  since: string;
  until: string;
  limits: {
    max_hours_per_7_days?: number;
    max_consecutive_days?: number;
    max_sleep_interruptions_per_7_days?: number;
  };
};

/** GET /api/v1/analytics/on-call-pay */
export type AnalyticsOnCallPayResponse = {
  data: {
    user_id: string;
    user_name: string;
    currency: string | null;
    seconds_on_call: number;
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
    amount: number;
  }[];
  total: number;
  limit: number;
  offset: number;
  since: string;
  until: string;
  currency: string | null;
  count: 'scheduled' | 'all';
};

/** GET /api/v1/analytics/responders */
export type AnalyticsRespondersResponse = {
  data: {
    responder_id: string;
    responder_name: string;
    time_zone: string;
    team_ids: string[];
    total_incident_count: number;
    total_notifications: number;
    total_interruptions: number;
    total_business_hour_interruptions: number;
    total_off_hour_interruptions: number;
    total_sleep_hour_interruptions: number;
    total_incidents_acknowledged: number;
    mean_time_to_acknowledge_seconds: number | null;
    total_engaged_seconds: number;
    mean_engaged_seconds: number | null;
    total_incidents_manual_escalated_from: number;
    total_incidents_manual_escalated_to: number;
    total_incidents_reassigned_from: number;
    total_incidents_reassigned_to: number;
    total_incidents_timeout_escalated_from: number;
    total_incidents_timeout_escalated_to: number;
    total_seconds_on_call: number;
    total_seconds_on_call_scheduled: number;
    total_seconds_on_call_level_1: number;
    total_seconds_on_call_level_2_plus: number;
    total_business_hour_seconds_on_call: number;
    total_off_hour_seconds_on_call: number;
    total_sleep_hour_seconds_on_call: number;
    sleep_hour_interruptions_per_7_days_on_call: number | null;
    direct_targets: {
      escalation_policy_id: string;
      escalation_policy_name: string | null;
      escalation_level: number;
    }[];
  }[];
  total: number;
  limit: number;
  offset: number;
  since: string;
  until: string;
  sort: string;
};

/** GET /api/v1/analytics/teams/{id}/on-call-load */
export type AnalyticsTeamsByIdOnCallLoadResponse = {
  team_id: string;
  team_name: string;
  since: string;
  until: string;
  members: {
    responder_id: string;
    responder_name: string;
    total_seconds_on_call: number;
    total_seconds_on_call_scheduled: number;
    on_call_share: number | null;
    total_sleep_hour_interruptions: number;
    sleep_hour_interruption_share: number | null;
  }[];
  basis: 'scheduled' | 'all';
  direct_targets: {
    responder_id: string;
    responder_name: string;
    escalation_policy_id: string;
    escalation_policy_name: string | null;
    escalation_level: number;
  }[];
  gini_seconds_on_call: number | null;
  gini_sleep_hour_interruptions: number | null;
};

/** GET /api/v1/escalation-policies */
export type EscalationPoliciesResponse = {
  escalation_policies: {
    id: string;
    name: string;
    description: string | null;
    num_loops: number;
    teams: {
      id: string;
      name: string | null;
    }[];
    services: {
      id: string;
      name: string;
    }[];
    rules: {
      id: string;
      position: number;
      escalation_delay_in_minutes: number;
      targets: {
        type: 'user' | 'schedule' | 'schedule_v3';
        id: string;
        name: string | null;
      }[];
    }[];
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/escalation-policies/count */
export type EscalationPoliciesCountResponse = {
  count: number;
};

/** GET /api/v1/health */
export type HealthResponse = {
  status: 'ok' | 'unavailable';
  version: string;
  database: {
    dialect: 'sqlite' | 'mysql' | 'postgres';
    reachable: boolean;
    schema_version: string | null;
    latest_schema_version: string;
  };
  last_sync: {
    id?: string;
    kind?: string;
    status?: string;
    started_at?: string;
    finished_at?: string | null;
    error?: string | null;
  } | null;
  analytics_cache?: {
    state?: 'empty' | 'loading' | 'ready' | 'stale' | 'disabled' | 'over_cap';
    incidents?: number;
    bytes?: number;
    version?: number | null;
    cap_bytes?: number;
    load_ms?: number | null;
    responders?: {
      state?: 'empty' | 'loading' | 'ready' | 'stale' | 'disabled' | 'over_cap';
      parts?: number;
      spans?: number;
      bytes?: number;
      version?: number | null;
      load_ms?: number | null;
    };
  } | null;
};

/** GET /api/v1/incidents */
export type IncidentsResponse = {
  incidents: {
    id: string;
    incident_number: number;
    title: string | null;
    status: string;
    urgency: string | null;
    service_id: string | null;
    service_name: string | null;
    priority_id: string | null;
    escalation_policy_id: string | null;
    created_at: string | null;
    updated_at: string | null;
    first_acknowledged_at: string | null;
    resolved_at: string | null;
    seconds_to_first_ack: number | null;
    seconds_to_resolve: number | null;
    html_url: string | null;
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/incidents/by-service */
export type IncidentsByServiceResponse = {
  services: {
    service_id: string;
    service_name: string | null;
    service_deleted: boolean;
    incident_count: number;
  }[];
  total_incidents: number;
};

/** GET /api/v1/incidents/by-service-status */
export type IncidentsByServiceStatusResponse = {
  services: {
    service_id: string;
    service_name: string;
    triggered: number;
    acknowledged: number;
    resolved: number;
    total: number;
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/incidents/by-status */
export type IncidentsByStatusResponse = {
  triggered: number;
  acknowledged: number;
  resolved: number;
  total: number;
};

/** GET /api/v1/incidents/over-time */
export type IncidentsOverTimeResponse = {
  interval: string;
  time_zone: string;
  colors: {
    triggered: string;
    acknowledged: string;
    resolved: string;
  };
  periods: {
    period: string;
    start: string;
    triggered: number;
    acknowledged: number;
    resolved: number;
    total: number;
  }[];
};

/** GET /api/v1/reports */
export type ReportsResponse = {
  reports: {
    name: string;
    title: string;
    summary: string;
    path: string;
    filtered: boolean;
    columns: string[];
  }[];
};

/** GET /api/v1/services */
export type ServicesResponse = {
  services: {
    id: string;
    name: string;
    status: string | null;
    incident_count: number;
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/services/{id} */
export type ServicesByIdResponse = {
  id: string;
  name: string;
  description: string | null;
  status: string | null;
  created_at: string | null;
  last_incident_timestamp: string | null;
  html_url: string | null;
  deleted_at: string | null;
  incident_count: number;
  status_breakdown: {
    triggered: number;
    acknowledged: number;
    resolved: number;
  };
  escalation_policy: {
    id?: string;
    name?: string | null;
  } | null;
  teams: {
    id: string;
    name: string | null;
  }[];
};

/** GET /api/v1/services/{id}/incidents */
export type ServicesByIdIncidentsResponse = {
  incidents: {
    id: string;
    incident_number: number;
    title: string | null;
    status: string;
    urgency: string | null;
    service_id: string | null;
    service_name: string | null;
    priority_id: string | null;
    escalation_policy_id: string | null;
    created_at: string | null;
    updated_at: string | null;
    first_acknowledged_at: string | null;
    resolved_at: string | null;
    seconds_to_first_ack: number | null;
    seconds_to_resolve: number | null;
    html_url: string | null;
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/services/chart */
export type ServicesChartResponse = {
  title: string;
  service_id: string | null;
  service_name: string | null;
  total_incidents: number;
  categories: string[];
  values: number[];
  colors: string[];
};

/** GET /api/v1/services/count */
export type ServicesCountResponse = {
  count: number;
};

/** GET /api/v1/services/most-incidents */
export type ServicesMostIncidentsResponse = {
  service_id: string;
  service_name: string;
  total_incidents: number;
  status_breakdown: {
    triggered: number;
    acknowledged: number;
    resolved: number;
  };
};

/** GET /api/v1/sync/runs */
export type SyncRunsResponse = {
  runs: {
    id: string;
    kind: 'full' | 'incremental';
    status: 'running' | 'succeeded' | 'failed';
    started_at: string;
    finished_at: string | null;
    counts: Record<string, number>;
    requests: number;
    rate_limited: number;
    retries: number;
    error: string | null;
    progress: Record<
      string,
      {
        state?: 'pending' | 'running' | 'done';
        written?: number;
        total?: number;
      }
    > | null;
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/sync/runs/{id} */
export type SyncRunsByIdResponse = {
  id: string;
  kind: 'full' | 'incremental';
  status: 'running' | 'succeeded' | 'failed';
  started_at: string;
  finished_at: string | null;
  counts: Record<string, number>;
  requests: number;
  rate_limited: number;
  retries: number;
  error: string | null;
  progress: Record<
    string,
    {
      state?: 'pending' | 'running' | 'done';
      written?: number;
      total?: number;
    }
  > | null;
};

/** GET /api/v1/teams */
export type TeamsResponse = {
  teams: {
    id: string;
    name: string;
    description: string | null;
    service_count: number;
    services: {
      id: string;
      name: string;
      incident_count: number;
    }[];
  }[];
  total: number;
  limit: number;
  offset: number;
};

/** GET /api/v1/teams/count */
export type TeamsCountResponse = {
  count: number;
};

/** GET /api/v1/users/count */
export type UsersCountResponse = {
  count: number;
};

/** GET /api/v1/users/inactive */
export type UsersInactiveResponse = {
  users: {
    id: string;
    name: string;
    email: string | null;
    deleted_at: string | null;
    reasons: ('deleted' | 'invitation_pending' | 'no_upcoming_shift')[];
    schedule_count: number;
    schedules: {
      id: string;
      name: string | null;
    }[];
    escalation_policies: {
      id: string;
      name: string | null;
    }[];
  }[];
  total: number;
  limit: number;
  offset: number;
};
