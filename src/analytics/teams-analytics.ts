import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { groupBy } from './group-by.js';
import { countLive, type IncidentFilter } from './incident-filter.js';
import { breakdownTotal, countByServiceAndStatus, emptyBreakdown } from './status-breakdown.js';
import { pageLiveByName, type Page } from './paging.js';

export interface TeamWithServices {
  id: string;
  name: string;
  description: string | null;
  service_count: number;
  services: { id: string; name: string; incident_count: number }[];
}

export function countTeams(db: Kysely<Database>): Promise<number> {
  return countLive(db, 'teams');
}

/** Live teams, by name then id, with their live services and each service's incident count (those matching the filter); three queries whatever the size. */
export async function listTeams(
  db: Kysely<Database>,
  filter: IncidentFilter,
  limit: number,
  offset: number,
): Promise<Page<TeamWithServices>> {
  const [teams, total] = await pageLiveByName(
    db,
    'teams',
    db.selectFrom('teams').select(['id', 'name', 'description']),
    limit,
    offset,
  );
  const ids = teams.map((t) => t.id);
  const links =
    ids.length === 0
      ? []
      : await db
          .selectFrom('service_teams')
          .innerJoin('services', 'services.id', 'service_teams.service_id')
          .where('service_teams.team_id', 'in', ids)
          .where('services.deleted_at', 'is', null)
          .select(['service_teams.team_id', 'services.id', 'services.name'])
          .orderBy('services.name')
          .orderBy('services.id')
          .execute();
  const counts = await countByServiceAndStatus(db, { ...filter, serviceId: undefined }, [
    ...new Set(links.map((l) => l.id)),
  ]);
  const byTeam = groupBy(links, (l) => l.team_id);
  return {
    items: teams.map((t) => {
      const services = (byTeam.get(t.id) ?? []).map((s) => ({
        id: s.id,
        name: s.name,
        incident_count: breakdownTotal(counts.get(s.id) ?? emptyBreakdown()),
      }));
      return {
        id: t.id,
        name: t.name,
        description: t.description,
        service_count: services.length,
        services,
      };
    }),
    total,
    limit,
    offset,
  };
}
