import type { ExpressionBuilder, Expression, Kysely, SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import { DateInputError, parseOptionalInstant } from '../time/dates.js';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const URGENCIES = ['high', 'low'] as const;

/**
 * The filters every incident-based endpoint and report accepts. `since`/`until` are on
 * created_at; each list means "any of" (a repeated query parameter), and is never empty.
 */
export interface IncidentFilter {
  since?: Date;
  until?: Date;
  serviceId?: readonly string[];
  teamId?: readonly string[];
  urgency?: readonly (typeof URGENCIES)[number][];
  status?: readonly IncidentStatus[];
}

function queryDate(raw: string | undefined, name: string): Date | undefined {
  try {
    return parseOptionalInstant(raw, name);
  } catch (error) {
    if (!(error instanceof DateInputError)) throw error;
    throw new ValidationError(`invalid querystring parameter '${name}': ${error.reason}`, name);
  }
}

/** A request's since and until; malformed, or until not after since, is a 400 naming it. */
export function parseRange(query: { since?: string | undefined; until?: string | undefined }): {
  since: Date | undefined;
  until: Date | undefined;
} {
  const since = queryDate(query.since, 'since');
  const until = queryDate(query.until, 'until');
  if (since && until && since >= until)
    throw new ValidationError(
      "invalid querystring parameter 'until': must be after since",
      'until',
    );
  return { since, until };
}

/**
 * The filter as conditions on `incidents`. Every value is a bound parameter. incidents.deleted_at
 * is not tested: PagerDuty never deletes incidents and the sync never sets it, and testing it
 * would force a row lookup per incident where the covering index answers alone.
 */
export function incidentConditions<DB extends Database, TB extends keyof DB & 'incidents'>(
  eb: ExpressionBuilder<DB, TB>,
  filter: IncidentFilter,
): Expression<SqlBool>[] {
  const e = eb as unknown as ExpressionBuilder<Database, 'incidents'>;
  const conditions: Expression<SqlBool>[] = [];
  if (filter.since) conditions.push(e('incidents.created_at', '>=', filter.since));
  if (filter.until) conditions.push(e('incidents.created_at', '<', filter.until));
  if (filter.serviceId) conditions.push(e('incidents.service_id', 'in', filter.serviceId));
  if (filter.urgency) conditions.push(e('incidents.urgency', 'in', filter.urgency));
  if (filter.status) conditions.push(e('incidents.status', 'in', filter.status));
  if (filter.teamId) {
    conditions.push(
      e(
        'incidents.id',
        'in',
        e
          .selectFrom('incident_teams')
          .select('incident_teams.incident_id')
          .where('incident_teams.team_id', 'in', filter.teamId),
      ),
    );
  }
  return conditions;
}

/** How many objects of a mirrored table exist in PagerDuty (not marked deleted). */
export async function countLive(
  db: Kysely<Database>,
  table: 'services' | 'teams' | 'escalation_policies' | 'users',
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
