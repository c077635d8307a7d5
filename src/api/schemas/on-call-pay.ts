import type { FromSchema } from 'json-schema-to-ts';
import {
  COMPLIANCE_RULES,
  PAY_FIELD_DESCRIPTIONS,
  PAY_QUERY_PROPERTIES,
  PAY_ROW_FIELDS,
} from '../../analytics/on-call-pay.js';
import { arr, int, nullableStr, PAGINATION_QUERY, querySchema, str } from './common.js';

export const ON_CALL_PAY_QUERY = querySchema({ ...PAY_QUERY_PROPERTIES, ...PAGINATION_QUERY });

const fieldType = (field: (typeof PAY_ROW_FIELDS)[number]) =>
  field === 'user_id' || field === 'user_name'
    ? { type: 'string' }
    : field === 'currency'
      ? nullableStr
      : field.startsWith('interruptions_')
        ? { type: 'integer' }
        : { type: 'number' };

export const PAY_ROW = {
  type: 'object',
  required: [...PAY_ROW_FIELDS],
  properties: Object.fromEntries(
    PAY_ROW_FIELDS.map((f) => [f, { ...fieldType(f), description: PAY_FIELD_DESCRIPTIONS[f] }]),
  ),
} as const;

const RANGE_AND_PAGE = {
  total: int('Rows in all pages'),
  limit: int(),
  offset: int(),
  since: str('The range the figures cover'),
  until: str(),
} as const;

export const ON_CALL_PAY_RESPONSE = {
  type: 'object',
  required: ['data', 'total', 'limit', 'offset', 'since', 'until', 'currency', 'count'],
  properties: {
    data: arr(PAY_ROW),
    ...RANGE_AND_PAGE,
    currency: nullableStr,
    count: {
      type: 'string',
      enum: ['scheduled', 'all'],
      description:
        "ONCALL_PAY_RULES' count: scheduled (schedules only) or all (direct escalation-rule targets too, on call all the time)",
    },
  },
} as const;

export const ON_CALL_COMPLIANCE_QUERY = ON_CALL_PAY_QUERY;

export const BREACH = {
  type: 'object',
  required: ['user_id', 'user_name', 'rule', 'limit', 'observed', 'window_start', 'window_end'],
  properties: {
    user_id: str(),
    user_name: str(),
    rule: { type: 'string', enum: [...COMPLIANCE_RULES], description: 'The ONCALL_LIMITS key' },
    limit: { type: 'number', description: 'Its value' },
    observed: {
      type: 'number',
      description:
        'More than the limit: scheduled on-call hours in the worst 7-day window of the breach, consecutive local days with scheduled on-call time, or sleep-hour interruptions in the worst 7-day window',
    },
    window_start: str("Local midnight in the user's zone, as UTC"),
    window_end: str('Exclusive'),
  },
} as const;

export const ON_CALL_COMPLIANCE_RESPONSE = {
  type: 'object',
  required: ['data', 'total', 'limit', 'offset', 'since', 'until', 'limits'],
  properties: {
    data: arr(BREACH),
    ...RANGE_AND_PAGE,
    limits: {
      type: 'object',
      description:
        'The ONCALL_LIMITS checked (those set): {} when ONCALL_LIMITS is not set, and then there is no row',
      properties: Object.fromEntries(COMPLIANCE_RULES.map((r) => [r, { type: 'number' }])),
    },
  },
} as const;

export type OnCallPayQuery = FromSchema<typeof ON_CALL_PAY_QUERY>;
