import type {
  AccountEntities,
  SimPolicy,
  SimSchedule,
  SimService,
  SimTeam,
  SimUser,
} from './account-entities.js';

/**
 * The account's directory objects by id: the renderer and the incident store look one up for
 * every reference and every incident, so a scan of the lists would grow with the account.
 */
export interface EntitiesById {
  users: ReadonlyMap<string, SimUser>;
  teams: ReadonlyMap<string, SimTeam>;
  services: ReadonlyMap<string, SimService>;
  policies: ReadonlyMap<string, SimPolicy>;
  schedules: ReadonlyMap<string, SimSchedule>;
}

function byId<T extends { id: string }>(items: readonly T[]): ReadonlyMap<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

export function entitiesById(e: AccountEntities): EntitiesById {
  return {
    users: byId(e.users),
    teams: byId(e.teams),
    services: byId(e.services),
    policies: byId(e.policies),
    schedules: byId(e.schedules),
  };
}
