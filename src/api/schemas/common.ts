import type { FromSchema } from 'json-schema-to-ts';
import { INCIDENT_STATUSES, URGENCIES } from '../../analytics/incident-filter.js';

// JSON Schema helpers for route declarations, so every response is in the OpenAPI document.
export const str = (description?: string) =>
  ({ type: 'string', ...(description ? { description } : {}) }) as const;
export const nullableStr = { type: ['string', 'null'] } as const;
export const int = (description?: string) =>
  ({ type: 'integer', ...(description ? { description } : {}) }) as const;
export const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ type: 'object', required: Object.keys(properties), properties, ...extra }) as const;
export const arr = (items: unknown) => ({ type: 'array', items }) as const;

/**
 * A PagerDuty id (or a sync run's UUID) in a path or query: letters, digits, - and _. Anything
 * else (a NUL byte, which PostgreSQL refuses in text; SQL; a path) is a 400 before it nears a
 * query.
 */
export const ID = (description?: string) =>
  ({
    type: 'string',
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    ...(description ? { description } : {}),
  }) as const;

/** Path parameters that are one id, by name. */
export const idParams = (name = 'id') =>
  ({ type: 'object', required: [name], properties: { [name]: ID() } }) as const;

export const STATUS_BREAKDOWN = obj({ triggered: int(), acknowledged: int(), resolved: int() });

/** The largest offset any list takes: past it, a page is empty anyway. */
export const MAX_OFFSET = 10_000_000;

/**
 * A whole-number query parameter. `x-finite` (see app.ts) refuses what ajv's coercion lets
 * through: "1e309" becomes Infinity, which passes integer, minimum and maximum and reached the
 * database (SQLite: "datatype mismatch", a 500).
 */
export const integerParam = (
  min: number,
  max: number,
  extra: { default?: number; description?: string } = {},
) => ({ type: 'integer', minimum: min, maximum: max, 'x-finite': true, ...extra }) as const;

/** The one paging fragment every list route takes: limit (1..max) and offset (0..MAX_OFFSET). */
export const paginationQuery = (defaultLimit = 100, maxLimit = 1000) =>
  ({
    limit: integerParam(1, maxLimit, { default: defaultLimit, description: 'Page size' }),
    offset: integerParam(0, MAX_OFFSET, { default: 0, description: 'Rows to skip' }),
  }) as const;

export const PAGINATION_QUERY = paginationQuery();

/** The most values a repeated filter parameter takes. */
export const MAX_FILTER_VALUES = 100;

/**
 * A filter parameter that may be repeated (`service_id=A&service_id=B`: any of them). A single
 * value arrives as a one-item array (ajv's coerceTypes: 'array').
 */
export const anyOf = <const I extends Record<string, unknown>>(item: I, description: string) =>
  ({
    type: 'array',
    items: item,
    minItems: 1,
    maxItems: MAX_FILTER_VALUES,
    description,
  }) as const;

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
  service_id: anyOf(ID(), 'Only incidents of this service (repeat for any of several)'),
  team_id: anyOf(ID(), 'Only incidents of this team (repeat for any of several)'),
  urgency: anyOf({ type: 'string', enum: [...URGENCIES] }, 'Only incidents of this urgency'),
  status: anyOf({ type: 'string', enum: [...INCIDENT_STATUSES] }, 'Only incidents in this status'),
} as const;

export const querySchema = <const P extends Record<string, unknown>>(properties: P) =>
  ({ type: 'object', additionalProperties: false, properties }) as const;

export const COUNT = obj({ count: int() }, { example: { count: 24 } });
export const NAMED = obj({ id: str(), name: nullableStr });
/** A page of a list: its items under `key`, how many match in all, and the paging asked for. */
export const page = (key: string, item: unknown) =>
  obj({ [key]: arr(item), total: int('Rows matching, all pages'), limit: int(), offset: int() });
export const FILTERS = querySchema(FILTER_QUERY);
export const FILTERED_PAGE = querySchema({ ...FILTER_QUERY, ...PAGINATION_QUERY });
export const PAGE_ONLY = querySchema(PAGINATION_QUERY);

/** The incident filter's query parameters, as FILTERS lets them through. */
export type FilterQuery = FromSchema<typeof FILTERS>;

export interface PageQuery {
  limit: number;
  offset: number;
}
