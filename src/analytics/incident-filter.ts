import type { ExpressionBuilder, SqlBool, Expression } from 'kysely';
import type { Database } from '../db/schema.js';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const URGENCIES = ['high', 'low'] as const;

/** The filters every incident-based endpoint and report accepts. `since`/`until` are on created_at. */
export interface IncidentFilter {
  since?: Date;
  until?: Date;
  serviceId?: string;
  teamId?: string;
  urgency?: (typeof URGENCIES)[number];
  status?: IncidentStatus;
}

/**
 * The filter as conditions on `incidents`, for a WHERE or a LEFT JOIN's ON (so that services
 * without matching incidents still count 0). Every value is a bound parameter.
 */
export function incidentConditions<DB extends Database, TB extends keyof DB & 'incidents'>(
  eb: ExpressionBuilder<DB, TB>,
  filter: IncidentFilter,
): Expression<SqlBool>[] {
  const e = eb as unknown as ExpressionBuilder<Database, 'incidents'>;
  const conditions: Expression<SqlBool>[] = [e('incidents.deleted_at', 'is', null)];
  if (filter.since) conditions.push(e('incidents.created_at', '>=', filter.since));
  if (filter.until) conditions.push(e('incidents.created_at', '<', filter.until));
  if (filter.serviceId) conditions.push(e('incidents.service_id', '=', filter.serviceId));
  if (filter.urgency) conditions.push(e('incidents.urgency', '=', filter.urgency));
  if (filter.status) conditions.push(e('incidents.status', '=', filter.status));
  if (filter.teamId) {
    conditions.push(
      e(
        'incidents.id',
        'in',
        e
          .selectFrom('incident_teams')
          .select('incident_teams.incident_id')
          .where('incident_teams.team_id', '=', filter.teamId),
      ),
    );
  }
  return conditions;
}

export interface StatusBreakdown {
  triggered: number;
  acknowledged: number;
  resolved: number;
}

/** Portable per-status counts: SUM(CASE …) works the same on the three dialects. */
export function statusCountSelections(eb: ExpressionBuilder<Database, 'incidents'>) {
  return INCIDENT_STATUSES.map((status) =>
    eb.fn
      .sum<number>(eb.case().when('incidents.status', '=', status).then(1).else(0).end())
      .as(status),
  );
}

export function toBreakdown(
  row: Partial<Record<IncidentStatus, number | string | null>>,
): StatusBreakdown {
  return {
    triggered: Number(row.triggered ?? 0),
    acknowledged: Number(row.acknowledged ?? 0),
    resolved: Number(row.resolved ?? 0),
  };
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
