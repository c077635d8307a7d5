import {
  generateEntities,
  SIZE_PROFILES,
  type AccountEntities,
  type SimulatorSize,
} from './account-entities.js';
import {
  IncidentStore,
  LIFECYCLE_MAX_MS,
  STATUSES,
  type IncidentStatus,
  type SimEvent,
} from './incident-store.js';
import { createRandom, derivedSeed } from './random.js';

const DAY_MS = 24 * 3600 * 1000;

export interface IncidentFilter {
  since: number;
  until: number;
  statuses?: readonly string[];
  serviceIds?: readonly string[];
  teamIds?: readonly string[];
  urgencies?: readonly string[];
}

export interface LogEntryRef {
  incident: number;
  event: SimEvent;
}

export interface MutationSummary {
  newIncidentIds: string[];
  changedIncidentIds: string[];
  deletedServiceId: string;
  deletedUserId: string;
  renamedTeamId: string;
  now: number;
}

export interface AccountOptions {
  seed: number;
  size: SimulatorSize;
  /** The account's clock; defaults to the current time, floored to the second. */
  now?: number;
  /** Overrides the size's incident count (tests and benchmarks). */
  incidents?: number;
  /** Overrides the size's user count (benchmarks). */
  users?: number;
}

export function incidentId(i: number): string {
  return `Q${i.toString(36).toUpperCase().padStart(6, '0')}`;
}

export function parseIncidentId(id: string): number | undefined {
  if (!/^Q[0-9A-Z]{6,}$/.test(id)) return undefined;
  const i = parseInt(id.slice(1), 36);
  return Number.isSafeInteger(i) ? i : undefined;
}

export function logEntryId(i: number, k: number): string {
  return `R${i.toString(36).toUpperCase().padStart(6, '0')}${k.toString(36).toUpperCase().padStart(2, '0')}`;
}

/**
 * A generated PagerDuty account: the simulator serves it, and tests read its truth. The clock
 * stands still except when mutate() moves it, so answers are repeatable.
 */
export class SimulatedAccount {
  readonly seed: number;
  readonly size: SimulatorSize;
  now: number;
  readonly entities: AccountEntities;
  readonly incidents: IncidentStore;
  readonly #teamServiceIndexes = new Map<string, Set<number>>();
  #mutations = 0;

  constructor(options: AccountOptions) {
    this.seed = options.seed;
    this.size = options.size;
    this.now = Math.floor((options.now ?? Date.now()) / 1000) * 1000;
    const profile = {
      ...SIZE_PROFILES[options.size],
      ...(options.users === undefined ? {} : { users: options.users }),
    };
    const count = options.incidents ?? profile.incidents;
    this.entities = generateEntities(options.seed, profile, this.now);
    // Incidents are answered by users who can act: not invited-only, not deleted.
    this.incidents = new IncidentStore(
      options.seed,
      {
        ...this.entities,
        users: this.entities.users.filter((u) => u.deletedAt === null && !u.invitation_sent),
      },
      count + 1000,
    );
    this.#indexTeams();

    // Creation times spread evenly over the history with jitter; sorted by construction.
    const start = this.now - profile.historyDays * DAY_MS;
    const step = (this.now - 60_000 - start) / Math.max(1, count);
    const random = createRandom(derivedSeed(options.seed, 3, 0));
    const times = Array.from({ length: count }, (_, i) => start + (i + random()) * step);
    this.incidents.append(times, this.now);
  }

  // --- reads the simulator serves -----------------------------------------------------------

  liveServices() {
    return this.entities.services.filter((s) => s.deletedAt === null);
  }

  liveUsers() {
    return this.entities.users.filter((u) => u.deletedAt === null);
  }

  urgency(i: number): 'high' | 'low' {
    // The first draw of the incident's lifecycle stream (see IncidentStore.lifecycle).
    return createRandom(derivedSeed(this.seed, 1, i))() < 0.7 ? 'high' : 'low';
  }

  /** Indexes of incidents created in [since, until) that pass the filter, oldest first. */
  *matchingIncidents(filter: IncidentFilter): Generator<number> {
    const store = this.incidents;
    const from = store.lowerBound(filter.since);
    const to = store.lowerBound(filter.until);
    const statusCodes = filter.statuses?.length
      ? new Set(filter.statuses.map((s) => STATUSES.indexOf(s as IncidentStatus)))
      : undefined;
    const serviceIndexes = this.#serviceIndexFilter(filter);
    const urgencies = filter.urgencies?.length ? new Set(filter.urgencies) : undefined;
    for (let i = from; i < to; i += 1) {
      if (statusCodes && !statusCodes.has(store.statusCode(i))) continue;
      if (serviceIndexes && !serviceIndexes.has(store.serviceIndex[i] ?? -1)) continue;
      if (urgencies && !urgencies.has(this.urgency(i))) continue;
      yield i;
    }
  }

  /** Log entries created in [since, until), oldest first (ties by incident, then entry). */
  logEntries(since: number, until: number): LogEntryRef[] {
    // Clients page through one window at a time: keep the last few windows' entries.
    const key = `${since}:${until}:${this.now}:${this.#mutations}`;
    const cached = this.#logEntryCache.get(key);
    if (cached) return cached;
    const found = this.#collectLogEntries(since, until);
    this.#logEntryCache.set(key, found);
    if (this.#logEntryCache.size > 8)
      this.#logEntryCache.delete(this.#logEntryCache.keys().next().value ?? '');
    return found;
  }

  readonly #logEntryCache = new Map<string, LogEntryRef[]>();

  #collectLogEntries(since: number, until: number): LogEntryRef[] {
    const store = this.incidents;
    const from = store.lowerBound(since - LIFECYCLE_MAX_MS);
    const to = store.lowerBound(until);
    const found: LogEntryRef[] = [];
    const visit = (i: number) => {
      for (const event of store.stateAt(i, this.now).events) {
        if (event.at >= since && event.at < until) found.push({ incident: i, event });
      }
    };
    for (let i = from; i < to; i += 1) visit(i);
    // Mutations can add events to incidents of any age.
    for (const i of this.#changedOld) if (i < from) visit(i);
    return found.sort(
      (a, b) => a.event.at - b.event.at || a.incident - b.incident || a.event.k - b.event.k,
    );
  }

  readonly #changedOld = new Set<number>();

  /** When the service's newest incident was created, or null. */
  lastIncidentAt(serviceId: string): number | null {
    if (!this.#lastIncident) {
      // One pass over all incidents, kept until the next mutation.
      const last = new Map<string, number>();
      const store = this.incidents;
      for (let i = 0; i < store.count; i += 1) {
        const id = this.entities.services[store.serviceIndex[i] ?? 0]?.id;
        if (id) last.set(id, store.createdAt[i] ?? 0);
      }
      this.#lastIncident = last;
    }
    return this.#lastIncident.get(serviceId) ?? null;
  }

  #lastIncident: Map<string, number> | undefined;

  // --- the mutation step for incremental-sync tests -----------------------------------------

  /**
   * Moves the clock two hours on and changes the account the way real ones change: new
   * incidents, status changes of old ones (one reopened months later), a deleted service and
   * user, a renamed team.
   */
  /** How many mutation steps have run: what was computed from the account before is stale. */
  get mutations(): number {
    return this.#mutations;
  }

  mutate(): MutationSummary {
    this.#mutations += 1;
    this.#lastIncident = undefined;
    const before = this.now;
    const now = before + 2 * 3600 * 1000;
    this.now = now;
    const random = createRandom(derivedSeed(this.seed, 4, this.#mutations));
    const store = this.incidents;

    // Events of recent incidents that were in the future are now in the past.
    const recent = store.lowerBound(before - LIFECYCLE_MAX_MS);
    const statusBefore = new Map<number, number>();
    for (let i = recent; i < store.count; i += 1) statusBefore.set(i, store.statusCode(i));

    const added = Math.max(5, Math.round(store.count * 0.002));
    const times = Array.from(
      { length: added },
      (_, k) => before + ((k + random()) * (now - before - 60_000)) / added,
    );
    const newIndexes = store.append(times, now);

    const changed = new Set<number>();
    // Reopen one resolved incident from months ago, and resolve incidents left open for long.
    const old = store.lowerBound(before - 200 * DAY_MS);
    for (let i = old; i < recent && changed.size === 0; i += 1) {
      if (store.status(i) === 'resolved') {
        const responder =
          this.entities.users.find((u) => u.deletedAt === null && !u.invitation_sent)?.id ??
          'PUNKNOWN';
        store.addEvents(i, [
          {
            type: 'assign_log_entry',
            at: now - 30 * 60_000,
            agent: { type: 'user_reference', id: responder },
            channel: 'website',
            assignees: [responder],
          },
          {
            type: 'acknowledge_log_entry',
            at: now - 20 * 60_000,
            agent: { type: 'user_reference', id: responder },
            channel: 'website',
          },
        ]);
        changed.add(i);
        this.#changedOld.add(i);
      }
    }
    for (let i = 0; i < recent && changed.size < 4; i += 1) {
      if (store.status(i) !== 'resolved') {
        store.addEvents(i, [
          {
            type: 'resolve_log_entry',
            at: now - 10 * 60_000,
            agent: {
              type: 'service_reference',
              id: this.entities.services[store.serviceIndex[i] ?? 0]?.id ?? '',
            },
            channel: 'api',
          },
        ]);
        changed.add(i);
        this.#changedOld.add(i);
      }
    }
    store.refresh(changed, now);
    store.refresh(statusBefore.keys(), now);
    for (const [i, code] of statusBefore) if (store.statusCode(i) !== code) changed.add(i);

    // Delete a service that has incidents (not the noisy one), and a user still on a schedule.
    const withIncidents = new Set<number>();
    for (let i = 0; i < Math.min(store.count, 5000); i += 1)
      withIncidents.add(store.serviceIndex[i] ?? 0);
    const serviceIndex =
      [...withIncidents]
        .filter((s) => s > 1 && this.entities.services[s]?.deletedAt === null)
        .sort((a, b) => a - b)[0] ?? 2;
    const service = this.entities.services[serviceIndex];
    if (!service) throw new Error('no service to delete');
    service.deletedAt = now;
    const onSchedules = new Set(
      this.entities.schedules.flatMap((s) => s.layers.flatMap((l) => l.userIds)),
    );
    const user = this.entities.users.find((u) => u.deletedAt === null && onSchedules.has(u.id));
    if (!user) throw new Error('no user to delete');
    user.deletedAt = now;
    const team = this.entities.teams[0];
    if (!team) throw new Error('no team to rename');
    team.name = `${team.name} (renamed ${this.#mutations})`;

    return {
      newIncidentIds: newIndexes.map(incidentId),
      changedIncidentIds: [...changed].filter((i) => !newIndexes.includes(i)).map(incidentId),
      deletedServiceId: service.id,
      deletedUserId: user.id,
      renamedTeamId: team.id,
      now,
    };
  }

  /**
   * Someone adds a note to an incident, now: a log entry, and nothing else changes. For tests of
   * what a sync does with an incident whose new log entries say nothing about its state.
   */
  annotate(id: string, userId: string): void {
    const i = parseIncidentId(id);
    if (i === undefined || i >= this.incidents.count) throw new RangeError(`no incident ${id}`);
    this.#mutations += 1;
    this.incidents.addEvents(i, [
      {
        type: 'annotate_log_entry',
        at: this.now,
        agent: { type: 'user_reference', id: userId },
        channel: 'note',
      },
    ]);
    this.#changedOld.add(i);
  }

  #serviceIndexFilter(filter: IncidentFilter): Set<number> | undefined {
    let result: Set<number> | undefined;
    if (filter.serviceIds?.length) {
      const wanted = new Set(filter.serviceIds);
      result = new Set(this.entities.services.flatMap((s, i) => (wanted.has(s.id) ? [i] : [])));
    }
    if (filter.teamIds?.length) {
      const byTeam = new Set(
        filter.teamIds.flatMap((t) => [...(this.#teamServiceIndexes.get(t) ?? [])]),
      );
      result = result ? new Set([...result].filter((i) => byTeam.has(i))) : byTeam;
    }
    return result;
  }

  #indexTeams(): void {
    this.entities.services.forEach((service, i) => {
      for (const teamId of service.teamIds) {
        const set = this.#teamServiceIndexes.get(teamId) ?? new Set<number>();
        set.add(i);
        this.#teamServiceIndexes.set(teamId, set);
      }
    });
  }
}
