import { ValidationError } from '../errors.js';
import type { PdReference } from '../pagerduty/pagerduty-types.js';
import type { PdWebhookEvent } from './webhook-events.js';

/** PagerDuty object ids: short alphanumerics (P1ABC2D); the bound keeps them indexable. */
export const PD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Event ids are UUIDs or ULIDs; 128 is the width of webhook_deliveries.id. */
const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const EVENT_TYPE_PATTERN = /^[a-z_]{1,32}\.[a-z_]{1,32}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const STATUSES = ['triggered', 'acknowledged', 'resolved'];
const URGENCIES = ['high', 'low'];

type Json = Record<string, unknown>;

function fail(path: string, reason: string): never {
  throw new ValidationError(`invalid webhook event: '${path}' ${reason}`, path);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function string(value: unknown, path: string, max: number, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length > max || value.includes('\u0000'))
    fail(path, `must be a string of at most ${max} characters`);
  if (pattern && !pattern.test(value)) fail(path, 'is malformed');
  return value;
}

function optional<T>(
  data: Json,
  key: string,
  path: string,
  read: (value: unknown, path: string) => T,
): T | null | undefined {
  if (!(key in data)) return undefined;
  const value = data[key];
  return value === null ? null : read(value, `${path}.${key}`);
}

function time(value: unknown, path: string): string {
  const text = string(value, path, 40, ISO_TIME);
  if (Number.isNaN(Date.parse(text))) fail(path, 'is not a valid date-time');
  return text;
}

function reference(value: unknown, path: string): PdReference {
  if (!isObject(value)) fail(path, 'must be an object with an id');
  const ref: PdReference = {
    id: string(value['id'], `${path}.id`, 64, PD_ID_PATTERN),
    type: value['type'] === undefined ? '' : string(value['type'], `${path}.type`, 64),
  };
  const summary = optional(value, 'summary', path, (v, p) => string(v, p, 1024));
  if (summary !== undefined) ref.summary = summary;
  return ref;
}

function references(value: unknown, path: string): PdReference[] {
  if (!Array.isArray(value) || value.length > 1000) fail(path, 'must be a list of references');
  return value.map((item, i) => reference(item, `${path}[${i}]`));
}

function oneOf(choices: readonly string[]) {
  return (value: unknown, path: string) => {
    if (typeof value !== 'string' || !choices.includes(value))
      fail(path, `must be one of ${choices.join(', ')}`);
    return value;
  };
}

/**
 * Checks a verified webhook body against the shape pd-analytics reads (PagerDuty's v3 event:
 * `{event: {id, event_type, resource_type, occurred_at, agent, data}}`) and returns it typed. A
 * signed body is trusted to come from PagerDuty, not to be well formed: a bad status, a number
 * that is not one, a team list that is a string would otherwise reach the database. Fields the
 * mirror does not read are ignored.
 */
export function parseWebhookEvent(body: unknown): PdWebhookEvent {
  if (!isObject(body) || !isObject(body['event'])) fail('event', 'must be an object');
  const e = body['event'];
  const eventType = string(e['event_type'], 'event.event_type', 65, EVENT_TYPE_PATTERN);
  const data = e['data'];
  if (!isObject(data)) fail('event.data', 'must be an object');
  const p = 'event.data';
  const event: PdWebhookEvent['event'] = {
    id: string(e['id'], 'event.id', 128, EVENT_ID_PATTERN),
    event_type: eventType,
    resource_type: string(e['resource_type'], 'event.resource_type', 64),
    occurred_at: time(e['occurred_at'], 'event.occurred_at'),
    data: { id: string(data['id'], `${p}.id`, 64, PD_ID_PATTERN) },
  };
  const d = event.data;
  const number = optional(data, 'number', p, (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      fail(path, 'must be a positive whole number');
    return v;
  });
  if (number !== undefined && number !== null) d.number = number;
  const status = optional(data, 'status', p, oneOf(STATUSES));
  if (status) d.status = status as NonNullable<typeof d.status>;
  const urgency = optional(data, 'urgency', p, oneOf(URGENCIES));
  if (urgency !== undefined) d.urgency = urgency as typeof d.urgency;
  const title = optional(data, 'title', p, (v, path) => string(v, path, 10_000));
  if (title !== undefined) d.title = title;
  const created = optional(data, 'created_at', p, time);
  if (created) d.created_at = created;
  const htmlUrl = optional(data, 'html_url', p, (v, path) => string(v, path, 1024));
  if (htmlUrl !== undefined) d.html_url = htmlUrl;
  const key = optional(data, 'incident_key', p, (v, path) => string(v, path, 255));
  if (key !== undefined) d.incident_key = key;
  for (const name of ['service', 'escalation_policy', 'priority'] as const) {
    const ref = optional(data, name, p, reference);
    if (ref !== undefined) d[name] = ref;
  }
  for (const name of ['teams', 'assignees'] as const) {
    const refs = optional(data, name, p, references);
    if (refs !== undefined) d[name] = refs;
  }
  return { event };
}
