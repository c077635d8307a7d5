import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { countIncidents } from './incident-counts.js';
import { INCIDENT_STATUSES, type IncidentFilter, type IncidentStatus } from './incident-filter.js';

// Incidents counted by status. Not in incident-filter.ts: these counts read incident-counts.ts,
// which reads the filter, and the two would import each other.

export interface StatusBreakdown {
  triggered: number;
  acknowledged: number;
  resolved: number;
}

export function emptyBreakdown(): StatusBreakdown {
  return { triggered: 0, acknowledged: 0, resolved: 0 };
}

export function breakdownTotal(b: StatusBreakdown): number {
  return b.triggered + b.acknowledged + b.resolved;
}

/**
 * Counts matching incidents by service and status, for the given services (all when omitted),
 * from the rollups (see incident-counts.ts); incidents without a service are left out.
 */
export async function countByServiceAndStatus(
  db: Kysely<Database>,
  filter: IncidentFilter,
  serviceIds?: readonly string[],
): Promise<Map<string, StatusBreakdown>> {
  const result = new Map<string, StatusBreakdown>();
  const rows = await countIncidents(db, filter, serviceIds === undefined ? {} : { serviceIds });
  for (const r of rows) {
    if (r.service_id === '' || !(INCIDENT_STATUSES as readonly string[]).includes(r.status))
      continue;
    const b = result.get(r.service_id) ?? emptyBreakdown();
    b[r.status as IncidentStatus] += r.n;
    result.set(r.service_id, b);
  }
  return result;
}
