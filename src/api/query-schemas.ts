import { INCIDENT_STATUSES, URGENCIES, type IncidentFilter } from '../analytics/incident-filter.js';
import { parseDate } from '../config.js';
import { ValidationError } from '../errors.js';

// JSON Schema helpers for route declarations, so every response is in the OpenAPI document.
export const str = (description?: string) =>
  ({ type: 'string', ...(description ? { description } : {}) }) as const;
export const nullableStr = { type: ['string', 'null'] } as const;
export const int = (description?: string) =>
  ({ type: 'integer', ...(description ? { description } : {}) }) as const;
export const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ type: 'object', required: Object.keys(properties), properties, ...extra }) as const;
export const arr = (items: unknown) => ({ type: 'array', items }) as const;

export const STATUS_BREAKDOWN = obj({ triggered: int(), acknowledged: int(), resolved: int() });

export const PAGINATION_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Page size' },
  offset: { type: 'integer', minimum: 0, default: 0, description: 'Rows to skip' },
} as const;

export const FILTER_QUERY = {
  since: {
    type: 'string',
    maxLength: 40,
    description: 'Incidents created at or after (ISO date or date-time; UTC when no offset)',
    example: '2026-01-01',
  },
  until: {
    type: 'string',
    maxLength: 40,
    description: 'Incidents created before (ISO date or date-time)',
    example: '2026-07-01T00:00:00Z',
  },
  service_id: { type: 'string', maxLength: 64, description: 'Only incidents of this service' },
  team_id: { type: 'string', maxLength: 64, description: 'Only incidents of this team' },
  urgency: { type: 'string', enum: [...URGENCIES] },
  status: { type: 'string', enum: [...INCIDENT_STATUSES] },
} as const;

export const querySchema = (properties: Record<string, unknown>) =>
  ({ type: 'object', additionalProperties: false, properties }) as const;

export interface FilterQuery {
  since?: string;
  until?: string;
  service_id?: string;
  team_id?: string;
  urgency?: IncidentFilter['urgency'];
  status?: IncidentFilter['status'];
}

export interface PageQuery {
  limit: number;
  offset: number;
}

function date(raw: string | undefined, name: string): Date | undefined {
  try {
    return parseDate(raw, name);
  } catch {
    throw new ValidationError(
      `invalid querystring parameter '${name}': must be an ISO date such as 2026-01-01 or 2026-01-01T00:00:00Z`,
      name,
    );
  }
}

/** The incident filter of a request; a malformed value is a 400 naming the parameter. */
export function parseFilter(query: FilterQuery): IncidentFilter {
  const since = date(query.since, 'since');
  const until = date(query.until, 'until');
  if (since && until && since >= until)
    throw new ValidationError(
      "invalid querystring parameter 'until': must be after since",
      'until',
    );
  return {
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(query.service_id ? { serviceId: query.service_id } : {}),
    ...(query.team_id ? { teamId: query.team_id } : {}),
    ...(query.urgency ? { urgency: query.urgency } : {}),
    ...(query.status ? { status: query.status } : {}),
  };
}
