import { ValidationError } from '../errors.js';
import type { PdReference } from '../pagerduty/pagerduty-types.js';
import type { PdWebhookEvent } from './webhook-events.js';

/** PagerDuty object ids: short alphanumerics (P1ABC2D); the bound keeps them indexable. */
export const PD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Event ids are UUIDs or ULIDs; 128 is the width of webhook_deliveries.id. */
const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * `resource.action` or `resource.sub.action` (incident.responder.added,
 * incident.workflow.completed...): PagerDuty adds event types over time, so any such name is
 * accepted; 64 is the width of webhook_deliveries.event_type.
 */
const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+){1,4}$/;
const MAX_EVENT_TYPE = 64;
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
 * The incident a sub-resource's data is about: `data.incident` for notes, status updates,
 * responders, conference bridges, workflows, tasks, custom fields and action invocations;
 * `data.incident_role_assignments[].incident` for role assignments. Null when none is named.
 */
function incidentOf(data: Json, path: string): string | null {
  const direct = data['incident'];
  if (direct !== undefined && direct !== null) return reference(direct, `${path}.incident`).id;
  const assignments = data['incident_role_assignments'];
  if (Array.isArray(assignments))
    for (const [i, item] of assignments.entries()) {
      if (isObject(item) && isObject(item['incident']))
        return reference(item['incident'], `${path}.incident_role_assignments[${i}].incident`).id;
    }
  return null;
}

/**
 * What `data` is: PagerDuty's `data.type` (`incident`, `incident_note`, `service`...). Deliveries
 * without it are read as an incident when the event is about one and data names no incident of
 * its own, as the incident events have always been.
 */
function dataTypeOf(data: Json, resourceType: string): string | null {
  const type = data['type'];
  if (typeof type === 'string') return string(type, 'event.data.type', 64);
  if (type !== undefined && type !== null) fail('event.data.type', 'must be a string');
  return resourceType === 'incident' && data['incident'] === undefined ? 'incident' : null;
}

/**
 * Checks a verified webhook body against the shape pd-analytics reads (PagerDuty's v3 event:
 * `{event: {id, event_type, resource_type, occurred_at, agent, data}}`) and returns it typed. A
 * signed body is trusted to come from PagerDuty, not to be well formed: a bad status, a number
 * that is not one, a team list that is a string would otherwise reach the database. Every event
 * type is accepted (PagerDuty adds them over time); the incident's own fields are read only when
 * `data` is an incident, and sub-resources (notes, responders...) only for the incident they name.
 * Fields the mirror does not read are ignored.
 */
export function parseWebhookEvent(body: unknown): PdWebhookEvent {
  if (!isObject(body) || !isObject(body['event'])) fail('event', 'must be an object');
  const e = body['event'];
  const eventType = string(e['event_type'], 'event.event_type', MAX_EVENT_TYPE, EVENT_TYPE_PATTERN);
  const data = e['data'];
  if (!isObject(data)) fail('event.data', 'must be an object');
  const p = 'event.data';
  const resourceType = string(e['resource_type'], 'event.resource_type', 64);
  const dataType = dataTypeOf(data, resourceType);
  const base = {
    id: string(e['id'], 'event.id', 128, EVENT_ID_PATTERN),
    event_type: eventType,
    resource_type: resourceType,
    occurred_at: time(e['occurred_at'], 'event.occurred_at'),
    data_type: dataType,
  };
  if (dataType !== 'incident') {
    // A note's, a status update's, a workflow's or a service's id: kept for service events.
    const id = optional(data, 'id', p, (v, path) => string(v, path, 128, EVENT_ID_PATTERN));
    return {
      event: {
        ...base,
        incident_id: incidentOf(data, p),
        data: id ? { id } : {},
      },
    };
  }
  const event: PdWebhookEvent['event'] = {
    ...base,
    incident_id: null,
    data: { id: string(data['id'], `${p}.id`, 64, PD_ID_PATTERN) },
  };
  const d = event.data;
  event.incident_id = d.id ?? null;
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
