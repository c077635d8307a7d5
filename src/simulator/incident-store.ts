import type { AccountEntities, SimRule } from './account-entities.js';
import { entitiesById, type EntitiesById } from './entities-by-id.js';
import { scheduleUserAt } from './schedule-model.js';
import { createRandom, derivedSeed, pick } from './random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** No incident's lifecycle lasts longer: log entries of a window come from incidents created up to this much earlier. */
export const LIFECYCLE_MAX_MS = 4 * 24 * HOUR;

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export const STATUSES: readonly IncidentStatus[] = ['triggered', 'acknowledged', 'resolved'];

export type SimEventType =
  | 'trigger_log_entry'
  | 'notify_log_entry'
  | 'escalate_log_entry'
  | 'assign_log_entry'
  | 'acknowledge_log_entry'
  | 'unacknowledge_log_entry'
  | 'annotate_log_entry'
  | 'snooze_log_entry'
  | 'resolve_log_entry';

export interface SimEvent {
  /** Index within the incident: makes the log entry id. */
  k: number;
  type: SimEventType;
  at: number;
  agent: { type: 'user_reference' | 'service_reference'; id: string };
  channel: string;
  /** notify: who was notified. */
  userId?: string;
  /** assign/escalate: who was assigned. */
  assignees?: string[];
}

export interface Lifecycle {
  urgency: 'high' | 'low';
  priorityIndex: number;
  alerts: number;
  title: string;
  /** The Events API dedup key; null for incidents opened without one (web, e-mail). */
  incidentKey: string | null;
  /** The alert behind it: the template of its title, the same along a burst. */
  alert: AlertIdentity;
  events: SimEvent[];
}

/** Which alert an incident is: tests group repeats by this, not by the mirror's normalised titles. */
export interface AlertIdentity {
  /** The first incident of its burst. */
  root: number;
  template: number;
  keyKind: 'unique' | 'flapping' | 'none';
}

/** Where an incident stands at a time: what the API shows then. */
export interface IncidentState {
  status: IncidentStatus;
  events: SimEvent[];
  firstAcknowledgedAt: number | null;
  resolvedAt: number | null;
  lastStatusChangeAt: number;
  updatedAt: number;
  assignees: { userId: string; at: number }[];
  acknowledgers: { userId: string; at: number }[];
}

const TITLES = [
  'High error rate',
  'Latency above SLO',
  'Disk usage above 90%',
  'Health check failing',
  'Queue backlog growing',
  'Certificate expiring',
  'Replica lag high',
  'Pod crash looping',
  'Memory pressure',
];
const TRIGGER_CHANNELS = ['api', 'api', 'email', 'web_trigger', 'nagios'];
/** How often an incident is a follow-up of the one before it: the same alert, minutes later. */
const FOLLOW_UP_SHARE = 0.12;
const TRANSIENT_SHARE = { followUp: 0.5, other: 0.06 };
const SNOOZE_SHARE = 0.08;
/** What changes between firings of one alert, one form per template (masked by the mirror). */
const TITLE_DETAILS: readonly ((random: () => number) => string)[] = [
  (r) => ` on host 10.${intBelow(r, 256)}.${intBelow(r, 256)}.${intBelow(r, 256)}`,
  (r) => ` (pod api-9f${intBelow(r, 0xffff).toString(16).padStart(4, '0')})`,
  (r) =>
    ` since ${String(intBelow(r, 24)).padStart(2, '0')}:${String(intBelow(r, 60)).padStart(2, '0')} UTC`,
  (r) =>
    ` trace ${[8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => intBelow(r, 16).toString(16)).join('')).join('-')}`,
  (r) => ` (${1 + intBelow(r, 5000)} errors)`,
];

function intBelow(random: () => number, n: number): number {
  return Math.floor(random() * n);
}
/**
 * How a user's notification rules play out: a push, then an SMS half a minute later (one
 * interruption: PagerDuty merges notifications of one incident to one user within a minute),
 * sometimes a phone call two minutes on (a second interruption), or an e-mail (none).
 */
const NOTIFICATION_PLANS: readonly (readonly [string, number][])[] = [
  [
    ['push_notification', 0],
    ['sms', 30],
  ],
  [
    ['push_notification', 0],
    ['sms', 30],
    ['phone', 120],
  ],
  [['sms', 0]],
  [['email', 0]],
  [['phone', 0]],
  [
    ['push_notification', 0],
    ['email', 5],
  ],
];
const ACK_CHANNELS = ['website', 'mobile', 'sms', 'phone'];
const STATUS_CODE: Record<IncidentStatus, number> = { triggered: 0, acknowledged: 1, resolved: 2 };
/** Log entry index of the first event a mutation adds; generated lifecycles stay below it. */
const MUTATION_K = 40;

function floorSecond(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

/**
 * The incidents of an account: creation times and services in typed arrays (12 bytes an
 * incident, so a million fit in a few megabytes), everything else derived on demand from the
 * seed and the incident's index, plus the extra events that mutations add.
 */
export class IncidentStore {
  count = 0;
  createdAt: Float64Array;
  serviceIndex: Uint32Array;
  #status: Uint8Array;
  readonly #extraEvents = new Map<number, SimEvent[]>();
  readonly #followUps = new Set<number>();
  readonly #byId: EntitiesById;
  readonly #cumulativeWeights: Float64Array;

  constructor(
    readonly seed: number,
    readonly entities: AccountEntities,
    capacity: number,
  ) {
    this.createdAt = new Float64Array(capacity);
    this.serviceIndex = new Uint32Array(capacity);
    this.#status = new Uint8Array(capacity);
    this.#byId = entitiesById(entities);
    // Every tenth service is quiet (no incidents); service 1 is noisy (30% of all incidents,
    // enough to pass 10,000 in one 6-month window at the medium size); the rest taper off.
    const weights = entities.services.map((_, i) =>
      i % 10 === 9 ? 0 : i === 1 ? 0 : 1 / (i + 1) ** 0.7,
    );
    const rest = weights.reduce((a, b) => a + b, 0);
    if (entities.services.length > 1) weights[1] = (rest * 0.3) / 0.7;
    this.#cumulativeWeights = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.#cumulativeWeights[i] = sum;
    });
  }

  /** Appends incidents created at the given (ascending) times. */
  append(times: readonly number[], now: number): number[] {
    const added: number[] = [];
    this.#ensureCapacity(this.count + times.length);
    for (const time of times) {
      const i = this.count;
      this.createdAt[i] = floorSecond(time);
      this.serviceIndex[i] = this.#pickService(createRandom(derivedSeed(this.seed, 2, i))());
      const noise = this.#noise(i);
      if (i > 0 && noise() < FOLLOW_UP_SHARE) {
        // The same alert fires again on the same service minutes later (flapping, bursts):
        // no later than the time it was given, so creation times stay sorted.
        const previous = this.createdAt[i - 1] ?? 0;
        this.createdAt[i] = Math.max(
          previous,
          Math.min(this.createdAt[i] ?? 0, previous + floorSecond((2 + noise() * 30) * MINUTE)),
        );
        this.serviceIndex[i] = this.serviceIndex[i - 1] ?? 0;
        this.#followUps.add(i);
      }
      this.count += 1;
      this.#status[i] = STATUS_CODE[this.stateAt(i, now).status];
      added.push(i);
    }
    return added;
  }

  statusCode(i: number): number {
    return this.#status[i] ?? 0;
  }

  status(i: number): IncidentStatus {
    return STATUSES[this.statusCode(i)] ?? 'triggered';
  }

  /** Re-derives the stored status of incidents after the clock moved or events were added. */
  refresh(indices: Iterable<number>, now: number): void {
    for (const i of indices) this.#status[i] = STATUS_CODE[this.stateAt(i, now).status];
  }

  addEvents(i: number, events: Omit<SimEvent, 'k'>[]): void {
    const extra = this.#extraEvents.get(i) ?? [];
    // Mutation events take ids from MUTATION_K up; generated lifecycles use fewer.
    for (const event of events) extra.push({ ...event, k: MUTATION_K + extra.length });
    this.#extraEvents.set(i, extra);
  }

  /** First index created at or after `ms` (binary search on the sorted creation times). */
  lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.createdAt[mid] ?? 0) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The generated lifecycle of incident i, all of it, future events included. */
  lifecycle(i: number): Lifecycle {
    const random = createRandom(derivedSeed(this.seed, 1, i));
    const t0 = this.createdAt[i] ?? 0;
    const service = this.entities.services[this.serviceIndex[i] ?? 0];
    if (!service) throw new RangeError(`incident ${i} has no service`);
    const policy = this.#byId.policies.get(service.policyId);
    const rules = policy?.rules ?? [];
    const urgency = random() < 0.7 ? 'high' : 'low';
    const priorityIndex =
      random() < 0.4 ? Math.floor(random() * this.entities.priorities.length) : -1;
    const alerts = 1 + Math.floor(random() ** 3 * 4);
    // Drawn to keep the stream's later draws; the title comes from the alert identity.
    pick(random, TITLES);
    const alert = this.alertOf(i);
    const noise = this.#noise(i);
    noise();
    noise();
    const template = TITLES[alert.template] ?? '';
    const detail = TITLE_DETAILS[alert.template % TITLE_DETAILS.length]?.(noise) ?? '';
    const title = `${template}${detail} on ${service.name}`;
    const incidentKey =
      alert.keyKind === 'none'
        ? null
        : alert.keyKind === 'flapping'
          ? `${service.id}/${template.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
          : `alert-${alert.root}`;
    const transient =
      noise() < (this.#followUps.has(i) ? TRANSIENT_SHARE.followUp : TRANSIENT_SHARE.other);
    const transientSeconds = 20 + intBelow(noise, 270);
    const snoozed = noise() < SNOOZE_SHARE;
    const serviceAgent = { type: 'service_reference' as const, id: service.id };
    const events: Omit<SimEvent, 'k'>[] = [];

    const first = this.#ruleUser(rules[0], t0, random) ?? this.entities.users[0]?.id ?? 'PUNKNOWN';
    const anyUser = () => pick(random, this.entities.users).id;
    const notify = (userId: string, at: number) => {
      for (const [channel, delay] of pick(random, NOTIFICATION_PLANS))
        events.push({
          type: 'notify_log_entry',
          at: at + delay * SECOND,
          agent: serviceAgent,
          channel,
          userId,
        });
    };
    const assign = (
      type: 'assign_log_entry' | 'escalate_log_entry',
      at: number,
      agent: SimEvent['agent'],
      channel: string,
      userId: string,
    ) => {
      events.push({ type, at, agent, channel, assignees: [userId] });
      notify(userId, at + (5 + Math.floor(random() * 25)) * SECOND);
    };
    events.push({
      type: 'trigger_log_entry',
      at: t0,
      agent: serviceAgent,
      channel: pick(random, TRIGGER_CHANNELS),
    });
    // The escalation policy assigns the first responder as the incident triggers.
    assign('assign_log_entry', t0, serviceAgent, 'auto', first);

    const acked = random() < 0.85;
    const ackDelay = (60 + Math.floor(random() ** 2 * 3600)) * SECOND;
    let responder = first;
    const escalationAt = t0 + (rules[0]?.delayMinutes ?? 30) * MINUTE;
    const handRoll = random();
    if (rules.length > 1 && random() < 0.25 && (!acked || t0 + ackDelay > escalationAt)) {
      // Nobody acknowledged in time: the policy escalates to its next rule.
      const second = this.#ruleUser(rules[1], escalationAt, random) ?? first;
      assign('escalate_log_entry', escalationAt, serviceAgent, 'timeout', second);
      responder = second;
    } else if (handRoll < 0.08 && rules.length > 1) {
      // The responder escalates by hand, early.
      const at = t0 + Math.floor(ackDelay / 3);
      const second = this.#ruleUser(rules[1], at, random) ?? anyUser();
      assign(
        'escalate_log_entry',
        at,
        { type: 'user_reference', id: responder },
        'website',
        second,
      );
      responder = second;
    } else if (handRoll < 0.14) {
      // Reassigned by hand to someone else, who then responds.
      const at = t0 + Math.floor(ackDelay / 2);
      const other = anyUser();
      assign('assign_log_entry', at, { type: 'user_reference', id: responder }, 'website', other);
      responder = other;
    }
    let cursor = t0;
    if (acked) {
      cursor = t0 + ackDelay;
      events.push({
        type: 'acknowledge_log_entry',
        at: cursor,
        agent: { type: 'user_reference', id: responder },
        channel: pick(random, ACK_CHANNELS),
      });
      const followUp = random();
      if (followUp < 0.1) {
        // The acknowledgement timed out: triggered again, notified, acknowledged again.
        cursor += 30 * MINUTE;
        events.push({
          type: 'unacknowledge_log_entry',
          at: cursor,
          agent: serviceAgent,
          channel: 'timeout',
        });
        notify(responder, cursor + 10 * SECOND);
        cursor += 4 * MINUTE;
        events.push({
          type: 'acknowledge_log_entry',
          at: cursor,
          agent: { type: 'user_reference', id: responder },
          channel: pick(random, ACK_CHANNELS),
        });
      } else if (followUp < 0.16) {
        // A second responder joins and acknowledges too.
        cursor += 6 * MINUTE;
        events.push({
          type: 'acknowledge_log_entry',
          at: cursor,
          agent: { type: 'user_reference', id: anyUser() },
          channel: pick(random, ACK_CHANNELS),
        });
      }
      if (random() < 0.1) {
        cursor += 2 * MINUTE;
        events.push({
          type: 'annotate_log_entry',
          at: cursor,
          agent: { type: 'user_reference', id: responder },
          channel: 'note',
        });
      }
    }
    // One in a hundred is never resolved: an incident left open for months, as accounts have.
    const neverResolved = random() < 0.01;
    if (!neverResolved) {
      const budget = LIFECYCLE_MAX_MS - (cursor - t0) - 12 * HOUR;
      cursor += 5 * MINUTE + Math.floor(random() ** 3 * budget);
      const auto = !acked && random() < 0.5;
      events.push({
        type: 'resolve_log_entry',
        at: cursor,
        agent: auto ? serviceAgent : { type: 'user_reference', id: responder },
        channel: auto ? 'timeout' : pick(random, ACK_CHANNELS),
      });
      if (random() < 0.03) {
        // Reopened: assigned again, acknowledged and resolved a second time.
        cursor += 10 * MINUTE + Math.floor(random() * 5 * HOUR);
        assign(
          'assign_log_entry',
          cursor,
          { type: 'user_reference', id: responder },
          'website',
          responder,
        );
        events.push({
          type: 'acknowledge_log_entry',
          at: cursor + 5 * MINUTE,
          agent: { type: 'user_reference', id: responder },
          channel: pick(random, ACK_CHANNELS),
        });
        events.push({
          type: 'resolve_log_entry',
          at: cursor + 35 * MINUTE,
          agent: { type: 'user_reference', id: responder },
          channel: 'website',
        });
      }
    }
    const kept = transient
      ? transientEvents(events, t0 + transientSeconds * SECOND, serviceAgent)
      : snoozed
        ? withSnooze(events, serviceAgent)
        : events;
    const sorted = kept.map((e) => ({ ...e, at: floorSecond(e.at) })).sort((a, b) => a.at - b.at);
    return {
      urgency,
      priorityIndex,
      alerts,
      title,
      incidentKey,
      alert,
      events: sorted.map((e, k) => ({ ...e, k })),
    };
  }

  /** The alert incident i is: its burst's first incident's template and kind of key. */
  alertOf(i: number): AlertIdentity {
    let root = i;
    while (this.#followUps.has(root)) root -= 1;
    const noise = this.#noise(root);
    noise();
    const template = intBelow(noise, TITLES.length);
    const kind = noise();
    return {
      root,
      template,
      keyKind: kind < 0.3 ? 'none' : kind < 0.5 ? 'flapping' : 'unique',
    };
  }

  /** The draws of the noise figures (bursts, keys, titles, transient, snoozes), apart from the older streams. */
  #noise(i: number): () => number {
    return createRandom(derivedSeed(this.seed, 5, i));
  }

  /** Incident i as it stands at `now`: events up to now, mutation events included. */
  stateAt(i: number, now: number, lifecycle = this.lifecycle(i)): IncidentState {
    const events = [...lifecycle.events, ...(this.#extraEvents.get(i) ?? [])]
      .filter((e) => e.at <= now)
      .sort((a, b) => a.at - b.at || a.k - b.k);
    let status: IncidentStatus = 'triggered';
    let firstAcknowledgedAt: number | null = null;
    let resolvedAt: number | null = null;
    let lastStatusChangeAt = this.createdAt[i] ?? 0;
    let assignees: { userId: string; at: number }[] = [];
    let acknowledgers: { userId: string; at: number }[] = [];
    const t0 = this.createdAt[i] ?? 0;
    for (const event of events) {
      switch (event.type) {
        case 'escalate_log_entry':
        case 'assign_log_entry':
          assignees = (event.assignees ?? []).map((userId) => ({ userId, at: event.at }));
          if (event.type === 'assign_log_entry' && status === 'resolved') {
            status = 'triggered';
            resolvedAt = null;
            lastStatusChangeAt = event.at;
            acknowledgers = [];
          }
          break;
        case 'acknowledge_log_entry':
          firstAcknowledgedAt ??= event.at;
          status = 'acknowledged';
          lastStatusChangeAt = event.at;
          acknowledgers = [
            ...acknowledgers.filter((a) => a.userId !== event.agent.id),
            { userId: event.agent.id, at: event.at },
          ];
          break;
        case 'unacknowledge_log_entry':
          // PagerDuty empties acknowledgements[] when an incident is triggered again.
          if (status === 'acknowledged') {
            status = 'triggered';
            lastStatusChangeAt = event.at;
            acknowledgers = [];
          }
          break;
        case 'resolve_log_entry':
          status = 'resolved';
          resolvedAt = event.at;
          lastStatusChangeAt = event.at;
          // PagerDuty empties assignments and acknowledgements once resolved.
          assignees = [];
          acknowledgers = [];
          break;
        default:
          break;
      }
    }
    return {
      status,
      events,
      firstAcknowledgedAt,
      resolvedAt,
      lastStatusChangeAt,
      updatedAt: events.at(-1)?.at ?? t0,
      assignees,
      acknowledgers,
    };
  }

  #ruleUser(rule: SimRule | undefined, at: number, random: () => number): string | undefined {
    if (!rule) return undefined;
    const usable = rule.targets.filter((t) => t.type !== 'schedule_v3_reference');
    if (usable.length === 0) return undefined;
    const target = pick(random, usable);
    if (target.type === 'user_reference') return target.id;
    const schedule = this.#byId.schedules.get(target.id);
    return schedule ? scheduleUserAt(schedule, at) : undefined;
  }

  #pickService(u: number): number {
    const weights = this.#cumulativeWeights;
    const target = u * (weights[weights.length - 1] ?? 0);
    let lo = 0;
    let hi = weights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((weights[mid] ?? 0) <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #ensureCapacity(size: number): void {
    if (size <= this.createdAt.length) return;
    const capacity = Math.max(size, Math.ceil(this.createdAt.length * 1.25));
    const grow = <A extends Float64Array | Uint32Array | Uint8Array>(
      old: A,
      make: (n: number) => A,
    ): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.createdAt = grow(this.createdAt, (n) => new Float64Array(n));
    this.serviceIndex = grow(this.serviceIndex, (n) => new Uint32Array(n));
    this.#status = grow(this.#status, (n) => new Uint8Array(n));
  }
}

/**
 * A transient incident: what happened before `at`, then resolved by the service (an
 * auto-resolving monitor) at `at`, never acknowledged.
 */
function transientEvents(
  events: readonly Omit<SimEvent, 'k'>[],
  at: number,
  service: SimEvent['agent'],
): Omit<SimEvent, 'k'>[] {
  const before = events.filter(
    (e) =>
      e.at < at &&
      e.type !== 'acknowledge_log_entry' &&
      e.type !== 'unacknowledge_log_entry' &&
      e.type !== 'annotate_log_entry' &&
      e.type !== 'resolve_log_entry',
  );
  return [...before, { type: 'resolve_log_entry', at, agent: service, channel: 'timeout' }];
}

/**
 * Snoozed for an hour a minute after the first acknowledgement; the snooze ends by timeout
 * (unacknowledged, the incident triggered again) unless something ends it before.
 */
function withSnooze(
  events: readonly Omit<SimEvent, 'k'>[],
  service: SimEvent['agent'],
): Omit<SimEvent, 'k'>[] {
  const ack = events.find((e) => e.type === 'acknowledge_log_entry');
  if (!ack) return [...events];
  const at = ack.at + MINUTE;
  const until = at + HOUR;
  const next = events.find((e) => e.at > ack.at && e.type !== 'notify_log_entry');
  if (next && next.at <= at) return [...events];
  const snooze: Omit<SimEvent, 'k'> = {
    type: 'snooze_log_entry',
    at,
    agent: ack.agent,
    channel: ack.channel,
  };
  if (next && next.at <= until) return [...events, snooze];
  return [
    ...events,
    snooze,
    { type: 'unacknowledge_log_entry', at: until, agent: service, channel: 'timeout' },
  ];
}
