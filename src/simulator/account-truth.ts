import { STATUSES, type IncidentStatus } from './incident-store.js';
import { incidentId, type SimulatedAccount } from './simulated-account.js';

/** What a correct mirror of the account must hold, computed from the generator's own state. */
export interface AccountTruth {
  services: { id: string; name: string; policyId: string; teamIds: string[] }[];
  teams: { id: string; name: string }[];
  teamMembers: [teamId: string, userId: string][];
  liveUserIds: string[];
  /** Deleted from PagerDuty and still on a schedule layer or an escalation rule. */
  deletedReferencedUserIds: string[];
  invitedUserIds: string[];
  policies: {
    id: string;
    ruleCount: number;
    targetCount: number;
    teamIds: string[];
    serviceIds: string[];
  }[];
  schedules: { id: string; layerCount: number; userIds: string[] }[];
  priorityIds: string[];
  incidentCount: number;
  /** service id -> status -> count, over every incident. */
  incidentsByServiceStatus: Map<string, Record<IncidentStatus, number>>;
  logEntryCount: number;
  /** incident id -> first acknowledgement (ms), for acknowledged incidents. */
  firstAcknowledgedAt: Map<string, number>;
  /** incident id -> resolved_at (ms), for resolved incidents. */
  resolvedAt: Map<string, number>;
  statusById: Map<string, IncidentStatus>;
}

export function accountTruth(account: SimulatedAccount): AccountTruth {
  const e = account.entities;
  const live = account.liveUsers();
  const services = account.liveServices();
  const byService = new Map<string, Record<IncidentStatus, number>>();
  const firstAcknowledgedAt = new Map<string, number>();
  const resolvedAt = new Map<string, number>();
  const statusById = new Map<string, IncidentStatus>();
  let logEntryCount = 0;
  const store = account.incidents;
  for (let i = 0; i < store.count; i += 1) {
    const state = store.stateAt(i, account.now);
    const serviceId = e.services[store.serviceIndex[i] ?? 0]?.id ?? '';
    const counts = byService.get(serviceId) ?? { triggered: 0, acknowledged: 0, resolved: 0 };
    counts[state.status] += 1;
    byService.set(serviceId, counts);
    logEntryCount += state.events.length;
    const id = incidentId(i);
    statusById.set(id, state.status);
    if (state.firstAcknowledgedAt !== null) firstAcknowledgedAt.set(id, state.firstAcknowledgedAt);
    if (state.resolvedAt !== null && state.status === 'resolved')
      resolvedAt.set(id, state.resolvedAt);
  }
  const referenced = new Set([
    ...e.schedules.flatMap((s) => s.layers.flatMap((l) => l.userIds)),
    ...e.policies.flatMap((p) =>
      p.rules.flatMap((r) => r.targets.filter((t) => t.type === 'user_reference').map((t) => t.id)),
    ),
  ]);
  const sortById = <T extends { id: string }>(items: T[]) =>
    items.sort((a, b) => a.id.localeCompare(b.id));
  /** The sorted ids of the items `keep` keeps (all by default): sets compared as lists. */
  const sortedIds = <T extends { id: string }>(
    items: readonly T[],
    keep: (item: T) => boolean = () => true,
  ) =>
    items
      .filter(keep)
      .map((item) => item.id)
      .sort();
  return {
    services: sortById(
      services.map((s) => ({
        id: s.id,
        name: s.name,
        policyId: s.policyId,
        teamIds: [...s.teamIds].sort(),
      })),
    ),
    teams: sortById(e.teams.map((t) => ({ id: t.id, name: t.name }))),
    teamMembers: live
      .flatMap((u) => u.teamIds.map((t): [string, string] => [t, u.id]))
      .sort((a, b) => `${a[0]}:${a[1]}`.localeCompare(`${b[0]}:${b[1]}`)),
    liveUserIds: sortedIds(live),
    deletedReferencedUserIds: sortedIds(
      e.users,
      (u) => u.deletedAt !== null && referenced.has(u.id),
    ),
    invitedUserIds: sortedIds(live, (u) => u.invitation_sent),
    policies: sortById(
      e.policies.map((p) => ({
        id: p.id,
        ruleCount: p.rules.length,
        targetCount: p.rules.reduce((n, r) => n + r.targets.length, 0),
        teamIds: [...p.teamIds].sort(),
        serviceIds: sortedIds(services, (s) => s.policyId === p.id),
      })),
    ),
    schedules: sortById(
      e.schedules.map((s) => ({
        id: s.id,
        layerCount: s.layers.length,
        userIds: [...new Set(s.layers.flatMap((l) => l.userIds))].sort(),
      })),
    ),
    priorityIds: sortedIds(e.priorities),
    incidentCount: store.count,
    incidentsByServiceStatus: byService,
    logEntryCount,
    firstAcknowledgedAt,
    resolvedAt,
    statusById,
  };
}

export { STATUSES };
