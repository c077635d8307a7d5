import { createRandom, derivedSeed, intBetween, pdId, pick } from './random.js';
import { atLocalTime } from './wall-clock.js';

export type SimulatorSize = 'small' | 'medium' | 'large';
export const SIMULATOR_SIZES: readonly SimulatorSize[] = ['small', 'medium', 'large'];

export interface SizeProfile {
  teams: number;
  users: number;
  schedules: number;
  policies: number;
  services: number;
  incidents: number;
  /** How far back incidents go. Over a year, so 6-month windows and "older than 6 months" matter. */
  historyDays: number;
}

export const SIZE_PROFILES: Record<SimulatorSize, SizeProfile> = {
  small: {
    teams: 6,
    users: 40,
    schedules: 8,
    policies: 10,
    services: 24,
    incidents: 600,
    historyDays: 400,
  },
  medium: {
    teams: 30,
    users: 300,
    schedules: 40,
    policies: 60,
    services: 200,
    incidents: 100_000,
    historyDays: 400,
  },
  large: {
    teams: 100,
    users: 1000,
    schedules: 150,
    policies: 300,
    services: 2000,
    incidents: 1_000_000,
    historyDays: 400,
  },
};

export interface SimTeam {
  id: string;
  name: string;
  description: string;
}

export interface SimUser {
  id: string;
  name: string;
  email: string;
  time_zone: string;
  role: string;
  job_title: string;
  invitation_sent: boolean;
  teamIds: string[];
  /** Deleted from PagerDuty: gone from /users, still referenced by schedules and rules. */
  deletedAt: number | null;
}

export interface SimLayer {
  id: string;
  name: string;
  start: number;
  end: number | null;
  rotationVirtualStart: number;
  turnSeconds: number;
  userIds: string[];
}

/** Someone covering a schedule for a while: they are on call instead of the layers' user. */
export interface SimOverride {
  id: string;
  userId: string;
  start: number;
  end: number;
}

export interface SimSchedule {
  id: string;
  name: string;
  description: string;
  time_zone: string;
  teamIds: string[];
  layers: SimLayer[];
  /** Non-overlapping, in time order, from before the history to after the 90 days ahead. */
  overrides: SimOverride[];
}

export type SimTargetType = 'user_reference' | 'schedule_reference' | 'schedule_v3_reference';

export interface SimRule {
  id: string;
  delayMinutes: number;
  targets: { type: SimTargetType; id: string }[];
}

export interface SimPolicy {
  id: string;
  name: string;
  description: string;
  numLoops: number;
  teamIds: string[];
  rules: SimRule[];
}

export interface SimService {
  id: string;
  name: string;
  description: string;
  status: 'active' | 'warning' | 'critical' | 'maintenance' | 'disabled';
  createdAt: number;
  policyId: string;
  teamIds: string[];
  deletedAt: number | null;
}

export interface SimPriority {
  id: string;
  name: string;
  description: string;
  order: number;
}

export interface AccountEntities {
  teams: SimTeam[];
  users: SimUser[];
  schedules: SimSchedule[];
  policies: SimPolicy[];
  services: SimService[];
  priorities: SimPriority[];
  /** A v3 schedule that rules target but /schedules does not list (CONTRACT: schedule_v3_reference). */
  v3ScheduleId: string;
}

const FIRST = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Alan',
  'Radia',
  'Edsger',
  'Katherine',
  'Tim',
  'Hedy',
  'Donald',
  'Sophie',
  'José',
  'Zoë',
  'Mårten',
  'Aiko',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Turing',
  'Perlman',
  'Dijkstra',
  'Johnson',
  'Berners-Lee',
  'Lamarr',
  'Knuth',
  'Wilson',
  'Núñez',
  "O'Brien",
  'Åberg',
  'Tanaka',
];
const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Asia/Kolkata',
];
const ROLES = [
  'user',
  'user',
  'user',
  'limited_user',
  'admin',
  'observer',
  'owner',
  'read_only_user',
];
const AREAS = [
  'Checkout',
  'Search',
  'Payments',
  'Identity',
  'Billing',
  'Catalog',
  'Shipping',
  'Notifications',
  'Analytics',
  'Gateway',
  'Inventory',
  'Ledger',
];
const PARTS = ['API', 'Worker', 'Database', 'Cache', 'Frontend', 'Queue', 'Cron', 'Gateway'];
const DAY_MS = 24 * 3600 * 1000;

/** Generates everything but incidents, deterministically from the seed. */
export function generateEntities(seed: number, profile: SizeProfile, now: number): AccountEntities {
  const random = createRandom(seed);

  const teams: SimTeam[] = Array.from({ length: profile.teams }, (_, i) => ({
    id: pdId('T', i),
    name:
      `${AREAS[i % AREAS.length]} ${i >= AREAS.length ? Math.floor(i / AREAS.length) + 1 : ''}`.trim() +
      ' Team',
    description: `Owns the ${AREAS[i % AREAS.length]?.toLowerCase()} systems`,
  }));

  const users: SimUser[] = Array.from({ length: profile.users }, (_, i) => {
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    const teamIds = teams.length > 0 ? [pick(random, teams).id] : [];
    if (random() < 0.2 && teams.length > 1) {
      const second = pick(random, teams).id;
      if (!teamIds.includes(second)) teamIds.push(second);
    }
    return {
      id: pdId('U', i),
      name: `${first} ${last}`,
      email: `${first}.${last}.${i}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
      time_zone: pick(random, ZONES),
      role: pick(random, ROLES),
      job_title: pick(random, [
        'SRE',
        'Backend Engineer',
        'Platform Engineer',
        'Engineering Manager',
        '',
      ]),
      // Some invited users never signed up; some were deleted but linger on schedules and rules.
      invitation_sent: i % 13 === 5,
      teamIds,
      deletedAt: i % 17 === 7 ? now - intBetween(random, 5, 200) * DAY_MS : null,
    };
  });

  // Who can act: users who signed up and were not deleted. An invited user never answered a
  // page, and a deleted one does nothing after leaving; they stay only where the inactive-users
  // report must find them (the ghost schedule below, which no escalation policy uses).
  const active = users.filter((u) => u.deletedAt === null && !u.invitation_sent);
  const schedules: SimSchedule[] = Array.from({ length: profile.schedules }, (_, i) => {
    const layers: SimLayer[] = [];
    const twoLayers = i % 3 === 1;
    const changeAt = now - intBetween(random, 30, 120) * DAY_MS;
    const layerCount = twoLayers ? 2 : 1;
    for (let l = 0; l < layerCount; l += 1) {
      const size = intBetween(random, 2, 5);
      const userIds: string[] = [];
      for (let k = 0; k < size; k += 1) {
        const user = pick(random, active);
        if (!userIds.includes(user.id)) userIds.push(user.id);
      }
      const start = l === 0 ? (twoLayers ? changeAt : now - 500 * DAY_MS) : now - 500 * DAY_MS;
      layers.push({
        id: `PL${i.toString(36).toUpperCase()}${l}`,
        name: `Layer ${l + 1}`,
        start: Math.floor(start / 1000) * 1000,
        // The older layer of a two-layer schedule ended when the current one started.
        end: l === 1 ? Math.floor(changeAt / 1000) * 1000 : null,
        rotationVirtualStart: Math.floor(start / 1000) * 1000,
        turnSeconds: pick(random, [86_400, 604_800, 43_200]),
        userIds,
      });
    }
    return {
      id: pdId('S', i),
      name: `${AREAS[i % AREAS.length]} on-call ${i + 1}`,
      description: `Primary rotation ${i + 1}`,
      time_zone: pick(random, ZONES),
      teamIds: teams.length > 0 && i % 5 !== 4 ? [pick(random, teams).id] : [],
      layers,
      overrides: [],
    };
  });
  // Hand-offs at 09:00 in the schedule's own zone (they follow its DST changes), and overrides
  // every few weeks; drawn from streams of their own so the rest of the account is unchanged.
  schedules.forEach((schedule, i) => {
    const handOff = (ms: number) => atLocalTime(ms, schedule.time_zone, 9 * 60);
    for (const layer of schedule.layers) {
      layer.start = handOff(layer.start);
      layer.rotationVirtualStart = handOff(layer.rotationVirtualStart);
      if (layer.end !== null) layer.end = handOff(layer.end);
    }
    const draw = createRandom(derivedSeed(seed, 9, i));
    const live = active;
    const quarter = 15 * 60_000;
    let t = now - 430 * DAY_MS + draw() * 20 * DAY_MS;
    while (t < now + 100 * DAY_MS && live.length > 0) {
      const start = Math.floor(t / quarter) * quarter;
      const end = start + intBetween(draw, 4, 36) * 3600_000;
      schedule.overrides.push({
        id: `PO${i.toString(36).toUpperCase()}${schedule.overrides.length}`,
        userId: pick(draw, live).id,
        start,
        end,
      });
      t = end + (10 + draw() * 30) * DAY_MS;
    }
  });
  // A marathon, planted for on-call compliance to find: one person covering ten days straight on
  // the first schedule, from 100 days before now (the overrides it would overlap give way).
  const marathon = schedules[0];
  const runner = active.find((u) => u.time_zone !== 'UTC') ?? active[0];
  if (marathon && runner) {
    const start = atLocalTime(now - 100 * DAY_MS, marathon.time_zone, 9 * 60);
    const end = start + 10 * DAY_MS;
    marathon.overrides = marathon.overrides.filter((o) => o.end <= start || o.start >= end);
    marathon.overrides.push({ id: 'POMARATHON', userId: runner.id, start, end });
    marathon.overrides.sort((a, b) => a.start - b.start);
  }
  // A schedule whose only layer names users who left: everyone on it is "inactive".
  const ghostUsers = users.filter((u) => u.deletedAt !== null).map((u) => u.id);
  const lastSchedule = schedules.at(-1);
  if (lastSchedule && ghostUsers.length > 0) {
    const layer = lastSchedule.layers[0];
    if (layer) layer.userIds = ghostUsers.slice(0, 2);
  }

  // An invited user who never signed up, on a rotation: the other kind of inactive user. On the
  // ghost schedule, so never paged: PagerDuty does not notify a user who has not signed up.
  const invited = users.find((u) => u.invitation_sent && u.deletedAt === null);
  const ghostLayer = ghostUsers.length > 0 ? lastSchedule?.layers[0] : schedules[0]?.layers[0];
  if (invited && ghostLayer && !ghostLayer.userIds.includes(invited.id))
    ghostLayer.userIds.push(invited.id);
  // The schedules escalation policies use: all but the ghost one.
  const paged = ghostUsers.length > 0 && schedules.length > 1 ? schedules.slice(0, -1) : schedules;

  const v3ScheduleId = pdId('X', 0);
  const policies: SimPolicy[] = Array.from({ length: profile.policies }, (_, i) => {
    const ruleCount = intBetween(random, 1, 3);
    const rules: SimRule[] = Array.from({ length: ruleCount }, (_, r) => {
      const targets: SimRule['targets'] = [];
      const schedule = paged.length > 0 ? pick(random, paged) : undefined;
      if (schedule && (r === 0 || random() < 0.85))
        targets.push({ type: 'schedule_reference', id: schedule.id });
      // Direct user targets exist (PagerDuty counts them always on call) but are a minority.
      if (targets.length === 0 || random() < 0.1) {
        const user = pick(random, active);
        targets.push({ type: 'user_reference', id: user.id });
      }
      if (i === 1 && r === 0) targets.push({ type: 'schedule_v3_reference', id: v3ScheduleId });
      return {
        id: `PR${i.toString(36).toUpperCase()}R${r}`,
        delayMinutes: pick(random, [5, 10, 15, 30]),
        targets,
      };
    });
    return {
      id: pdId('E', i),
      name: `${AREAS[i % AREAS.length]} escalation ${i + 1}`,
      description: i % 4 === 0 ? '' : `Escalation for ${AREAS[i % AREAS.length]?.toLowerCase()}`,
      numLoops: intBetween(random, 0, 3),
      teamIds: teams.length > 0 && i % 6 !== 5 ? [pick(random, teams).id] : [],
      rules,
    };
  });

  const services: SimService[] = Array.from({ length: profile.services }, (_, i) => {
    const teamIds: string[] = [];
    // Service 0 has no team; others one or two.
    if (i !== 0 && teams.length > 0) {
      teamIds.push(pick(random, teams).id);
      if (random() < 0.25) {
        const second = pick(random, teams).id;
        if (!teamIds.includes(second)) teamIds.push(second);
      }
    }
    return {
      id: pdId('V', i + 1),
      name: `${AREAS[i % AREAS.length]} ${PARTS[Math.floor(i / AREAS.length) % PARTS.length]}${i >= AREAS.length * PARTS.length ? ` ${Math.floor(i / (AREAS.length * PARTS.length)) + 1}` : ''}`,
      description: `The ${AREAS[i % AREAS.length]?.toLowerCase()} service`,
      status: pick(random, [
        'active',
        'active',
        'active',
        'warning',
        'critical',
        'maintenance',
        'disabled',
      ] as const),
      createdAt: Math.floor((now - intBetween(random, 420, 1500) * DAY_MS) / 1000) * 1000,
      policyId: pick(random, policies).id,
      teamIds,
      deletedAt: null,
    };
  });

  const priorities: SimPriority[] = ['P1', 'P2', 'P3', 'P4', 'P5'].map((name, i) => ({
    id: pdId('Y', i),
    name,
    description: ['Critical', 'High', 'Moderate', 'Low', 'Informational'][i] ?? name,
    order: (5 - i) * 64,
  }));

  return { teams, users, schedules, policies, services, priorities, v3ScheduleId };
}
