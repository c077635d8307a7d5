import type {
  SimPolicy,
  SimPriority,
  SimSchedule,
  SimService,
  SimTeam,
  SimUser,
} from './account-entities.js';
import { entitiesById, type EntitiesById } from './entities-by-id.js';
import type { SimEvent } from './incident-store.js';
import { overrideEntries, scheduleEntries } from './schedule-model.js';
import { incidentId, logEntryId, type SimulatedAccount } from './simulated-account.js';

/** The account's web address: each seed is an account of its own, with its own subdomain. */
export function simulatorWebUrl(seed: number): string {
  return `https://sim-${seed}.pagerduty.invalid`;
}

/**
 * Renders PagerDuty JSON. Times come in UTC ("Z") when the request said time_zone=UTC, and
 * otherwise in the account's zone with its offset, as real accounts answer: clients must parse
 * offsets, not assume Z.
 */
export class Renderer {
  readonly #byId: EntitiesById;
  readonly #web: string;

  constructor(
    readonly account: SimulatedAccount,
    readonly apiUrl: string,
    /** Minutes east of UTC for rendered times; 0 renders "Z". */
    readonly offsetMinutes: number,
  ) {
    this.#byId = entitiesById(account.entities);
    this.#web = simulatorWebUrl(account.seed);
  }

  time(ms: number): string;
  time(ms: number | null): string | null;
  time(ms: number | null): string | null {
    if (ms === null) return null;
    if (this.offsetMinutes === 0) return new Date(ms).toISOString().replace('.000Z', 'Z');
    const local = new Date(ms + this.offsetMinutes * 60_000).toISOString().slice(0, 19);
    const sign = this.offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(this.offsetMinutes);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }

  /** The fields every PagerDuty object and reference opens with: its id, type, summary and links. */
  #identity(type: string, collection: string, id: string, summary: string) {
    return {
      id,
      type,
      summary,
      self: `${this.apiUrl}/${collection}/${id}`,
      html_url: `${this.#web}/${collection}/${id}`,
    };
  }

  ref(kind: string, collection: string, id: string, summary: string): Record<string, unknown> {
    return this.#identity(`${kind}_reference`, collection, id, summary);
  }

  /** A reference to a directory object by id, named as the account names it (or "Unknown <noun>"). */
  #namedRef(
    kind: string,
    collection: string,
    objects: ReadonlyMap<string, { name: string }>,
    id: string,
    noun = kind,
  ): Record<string, unknown> {
    return this.ref(kind, collection, id, objects.get(id)?.name ?? `Unknown ${noun}`);
  }

  userRef(id: string): Record<string, unknown> {
    const user = this.#byId.users.get(id);
    const ref = this.ref('user', 'users', id, user?.name ?? 'Unknown user');
    // References to users deleted from PagerDuty carry deleted_at (CONTRACT.md).
    if (user?.deletedAt != null && user.deletedAt <= this.account.now)
      ref['deleted_at'] = this.time(user.deletedAt);
    return ref;
  }

  teamRef(id: string) {
    return this.#namedRef('team', 'teams', this.#byId.teams, id);
  }

  serviceRef(id: string) {
    return this.#namedRef('service', 'services', this.#byId.services, id);
  }

  policyRef(id: string) {
    return this.#namedRef(
      'escalation_policy',
      'escalation_policies',
      this.#byId.policies,
      id,
      'policy',
    );
  }

  scheduleRef(id: string) {
    return this.#namedRef('schedule', 'schedules', this.#byId.schedules, id);
  }

  service(s: SimService, include: ReadonlySet<string>): Record<string, unknown> {
    const policy = this.#byId.policies.get(s.policyId);
    return {
      ...this.#identity('service', 'services', s.id, s.name),
      name: s.name,
      description: s.description,
      auto_resolve_timeout: 14400,
      acknowledgement_timeout: 1800,
      created_at: this.time(s.createdAt),
      status: s.status,
      last_incident_timestamp: this.time(this.#lastIncident(s.id)),
      escalation_policy:
        include.has('escalation_policies') && policy
          ? this.policy(policy, new Set())
          : this.policyRef(s.policyId),
      teams: s.teamIds.map((t) => {
        const team = this.#byId.teams.get(t);
        return include.has('teams') && team ? this.team(team) : this.teamRef(t);
      }),
      integrations: [],
      incident_urgency_rule: { type: 'constant', urgency: 'high' },
      support_hours: null,
      scheduled_actions: [],
      addons: [],
      alert_creation: 'create_alerts_and_incidents',
      alert_grouping_parameters: { type: null, config: null },
    };
  }

  team(t: SimTeam): Record<string, unknown> {
    return {
      ...this.#identity('team', 'teams', t.id, t.name),
      name: t.name,
      description: t.description,
      default_role: 'manager',
    };
  }

  user(u: SimUser): Record<string, unknown> {
    return {
      ...this.#identity('user', 'users', u.id, u.name),
      name: u.name,
      email: u.email,
      time_zone: u.time_zone,
      color: 'purple',
      role: u.role,
      avatar_url: `${this.#web}/avatars/${u.id}.png`,
      description: null,
      invitation_sent: u.invitation_sent,
      job_title: u.job_title,
      teams: u.teamIds.map((t) => this.teamRef(t)),
      contact_methods: [],
      notification_rules: [],
    };
  }

  policy(p: SimPolicy, include: ReadonlySet<string>): Record<string, unknown> {
    return {
      ...this.#identity('escalation_policy', 'escalation_policies', p.id, p.name),
      name: p.name,
      description: p.description,
      num_loops: p.numLoops,
      on_call_handoff_notifications: 'if_has_services',
      escalation_rules: p.rules.map((r) => ({
        id: r.id,
        escalation_delay_in_minutes: r.delayMinutes,
        targets: r.targets.map((t) => {
          if (t.type === 'user_reference') return this.userRef(t.id);
          if (t.type === 'schedule_reference') return this.scheduleRef(t.id);
          return this.ref('schedule_v3', 'v3/schedules', t.id, 'Follow-the-sun (v3)');
        }),
      })),
      services: this.account
        .liveServices()
        .filter((s) => s.policyId === p.id)
        .map((s) => (include.has('services') ? this.service(s, new Set()) : this.serviceRef(s.id))),
      teams: p.teamIds.map((t) => this.teamRef(t)),
    };
  }

  /** A schedule as listed (no layers), or as read alone with layers rendered for [since, until). */
  schedule(s: SimSchedule, window?: { since: number; until: number }): Record<string, unknown> {
    const userIds = [...new Set(s.layers.flatMap((l) => l.userIds))];
    const policies = this.account.entities.policies.filter((p) =>
      p.rules.some((r) => r.targets.some((t) => t.id === s.id)),
    );
    const base: Record<string, unknown> = {
      ...this.#identity('schedule', 'schedules', s.id, s.name),
      name: s.name,
      description: s.description,
      time_zone: s.time_zone,
      users: userIds.map((u) => this.userRef(u)),
      escalation_policies: policies.map((p) => this.policyRef(p.id)),
      teams: s.teamIds.map((t) => this.teamRef(t)),
    };
    if (!window) return base;
    const layers = s.layers.map((layer) => ({
      id: layer.id,
      name: layer.name,
      start: this.time(layer.start),
      end: this.time(layer.end),
      rotation_virtual_start: this.time(layer.rotationVirtualStart),
      rotation_turn_length_seconds: layer.turnSeconds,
      users: layer.userIds.map((u) => ({ user: this.userRef(u) })),
      restrictions: [],
      rendered_schedule_entries: this.renderEntries(s, window, layer.id),
      rendered_coverage_percentage: 100,
    }));
    const final = this.renderEntries(s, window);
    return {
      ...base,
      schedule_layers: layers,
      final_schedule: {
        name: 'Final Schedule',
        rendered_schedule_entries: final,
        rendered_coverage_percentage: 100,
      },
      overrides_subschedule: {
        name: 'Overrides',
        rendered_schedule_entries: overrideEntries(s, window).map((e) => ({
          user: this.userRef(e.userId),
          start: this.time(e.start),
          end: this.time(e.end),
        })),
        rendered_coverage_percentage: 0,
      },
    };
  }

  /** Rendered on-call entries of a schedule (or one of its layers) clipped to the window. */
  renderEntries(
    s: SimSchedule,
    window: { since: number; until: number },
    layerId?: string,
  ): Record<string, unknown>[] {
    return scheduleEntries(s, window, layerId).map((e) => ({
      user: this.userRef(e.userId),
      start: this.time(e.start),
      end: this.time(e.end),
    }));
  }

  priority(p: SimPriority): Record<string, unknown> {
    return {
      ...this.#identity('priority', 'priorities', p.id, p.name),
      // PagerDuty's priorities have no web page.
      html_url: null,
      name: p.name,
      description: p.description,
      order: p.order,
    };
  }

  incident(i: number): Record<string, unknown> {
    const account = this.account;
    const store = account.incidents;
    const lifecycle = store.lifecycle(i);
    const state = store.stateAt(i, account.now, lifecycle);
    const service = account.entities.services[store.serviceIndex[i] ?? 0];
    if (!service) throw new RangeError(`incident ${i} has no service`);
    const priority =
      lifecycle.priorityIndex >= 0
        ? account.entities.priorities[lifecycle.priorityIndex]
        : undefined;
    const id = incidentId(i);
    const trigger = state.events[0];
    const last = state.events.at(-1);
    const triggered = state.status === 'resolved' ? 0 : lifecycle.alerts;
    return {
      ...this.#identity('incident', 'incidents', id, `[#${i + 1}] ${lifecycle.title}`),
      incident_number: i + 1,
      title: lifecycle.title,
      created_at: this.time(store.createdAt[i] ?? 0),
      updated_at: this.time(state.updatedAt),
      status: state.status,
      // Incidents opened without a dedup key (web, e-mail) carry none: the spec's field is a string.
      ...(lifecycle.incidentKey === null ? {} : { incident_key: lifecycle.incidentKey }),
      service: this.serviceRef(service.id),
      assignments: state.assignees.map((a) => ({
        at: this.time(a.at),
        assignee: this.userRef(a.userId),
      })),
      assigned_via: 'escalation_policy',
      last_status_change_at: this.time(state.lastStatusChangeAt),
      // Some incident objects carry no resolved_at at all (PagerDuty's own demo captures have
      // none; the spec requires no field): every other resolved incident here leaves it out.
      ...(state.status === 'resolved' && i % 2 === 1
        ? {}
        : { resolved_at: state.status === 'resolved' ? this.time(state.resolvedAt) : null }),
      first_trigger_log_entry: trigger
        ? this.ref('trigger_log_entry', 'log_entries', logEntryId(i, trigger.k), 'Triggered')
        : null,
      alert_counts: { all: lifecycle.alerts, triggered, resolved: lifecycle.alerts - triggered },
      is_mergeable: true,
      escalation_policy: this.policyRef(service.policyId),
      teams: service.teamIds.map((t) => this.teamRef(t)),
      pending_actions: [],
      acknowledgements: state.acknowledgers.map((a) => ({
        at: this.time(a.at),
        acknowledger: this.userRef(a.userId),
      })),
      alert_grouping: null,
      last_status_change_by:
        last?.agent.type === 'user_reference'
          ? this.userRef(last.agent.id)
          : this.serviceRef(service.id),
      priority: priority ? { ...this.priority(priority), type: 'priority' } : null,
      resolve_reason: null,
      conference_bridge: null,
      incidents_responders: [],
      responder_requests: [],
      urgency: lifecycle.urgency,
    };
  }

  /**
   * How PagerDuty writes a log entry's channel. A notify entry's `channel.type` is `auto` and its
   * medium is in `channel.notification`, given with include[]=channels only; captured entries
   * spell it `sms`, `phone`, `email`, `push_notification`, the spec `sms_notification`... (both
   * are written here). An escalation by timeout is `channel.type: "timeout"` per the spec, and
   * `auto` with the service as agent in captures (both are written here).
   */
  #channel(i: number, event: SimEvent, withChannels: boolean): Record<string, unknown> {
    if (event.type === 'notify_log_entry') {
      if (!withChannels) return { type: 'auto' };
      const medium = event.channel;
      const spelled =
        (i + event.k) % 4 === 0 && medium !== 'push_notification'
          ? `${medium}_notification`
          : medium;
      const user = event.userId ?? '';
      return {
        type: 'auto',
        notification: {
          id: `PN${logEntryId(i, event.k).slice(1)}`,
          type: spelled,
          started_at: this.time(event.at),
          address:
            medium === 'push_notification'
              ? null
              : medium === 'email'
                ? `${user.toLowerCase()}@example.com`
                : '+15555550100',
          user: this.userRef(user),
          status: 'success',
        },
      };
    }
    if (event.type === 'escalate_log_entry' && event.channel === 'timeout' && i % 2 === 0)
      return { type: 'auto' };
    return { type: event.channel };
  }

  logEntry(
    i: number,
    event: SimEvent,
    include: ReadonlySet<string> = new Set(),
  ): Record<string, unknown> {
    const store = this.account.incidents;
    const service = this.account.entities.services[store.serviceIndex[i] ?? 0];
    const id = logEntryId(i, event.k);
    const agent =
      event.agent.type === 'user_reference'
        ? this.userRef(event.agent.id)
        : this.serviceRef(event.agent.id);
    const entry: Record<string, unknown> = {
      id,
      type: event.type,
      summary:
        event.type === 'escalate_log_entry' && event.channel === 'timeout'
          ? 'Escalated to Level 2 by timeout'
          : event.type.replace('_log_entry', '').replace(/_/g, ' '),
      self: `${this.apiUrl}/log_entries/${id}`,
      html_url: null,
      created_at: this.time(event.at),
      agent,
      channel: this.#channel(i, event, include.has('channels')),
      service: service ? this.serviceRef(service.id) : null,
      incident: this.ref('incident', 'incidents', incidentId(i), `[#${i + 1}]`),
      teams: (service?.teamIds ?? []).map((t) => this.teamRef(t)),
      contexts: [],
      event_details: {},
    };
    if (event.userId) entry['user'] = this.userRef(event.userId);
    if (event.assignees) entry['assignees'] = event.assignees.map((u) => this.userRef(u));
    if (event.type === 'acknowledge_log_entry') entry['acknowledgement_timeout'] = 1800;
    return entry;
  }

  #lastIncident(serviceId: string): number | null {
    return this.account.lastIncidentAt(serviceId);
  }
}
