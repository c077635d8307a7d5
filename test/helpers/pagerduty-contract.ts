import fs from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { addFormats } from './add-formats.js';

type Json = Record<string, unknown>;

interface Subset {
  responses: Record<string, Json>;
  components: { schemas: Record<string, Json> };
}

const SUBSET_URL = new URL('../contract/pagerduty-openapi-subset.json', import.meta.url);

/**
 * Places where PagerDuty's official OpenAPI spec is itself wrong (CONTRACT.md, "Where the
 * OpenAPI spec itself is wrong"). The validator tolerates exactly these and nothing else; the
 * simulator does not bend to them.
 */
const NULLABLE_BUT_NOT_MARKED: Record<string, string[]> = {
  Incident: ['resolved_at', 'priority', 'resolve_reason', 'conference_bridge', 'alert_grouping'],
  Service: [
    'auto_resolve_timeout',
    'acknowledgement_timeout',
    'alert_grouping_timeout',
    'support_hours',
    'last_incident_timestamp',
  ],
  AlertGroupingParameters: ['config'],
  AcknowledgeLogEntry: ['acknowledgement_timeout'],
  Notification: ['address'],
  ScheduleLayer: ['end'],
  Oncall: ['start', 'end', 'schedule'],
};
/** oneOf with overlapping branches: a real value matches several, so read as anyOf. */
const ONE_OF_AS_ANY_OF: [schema: string, property: string | null][] = [
  ['Channel', null],
  ['Service', 'alert_grouping_parameters'],
];
/** channel.notification.type as captured log entries spell it, beside the spec's enum. */
const CAPTURED_NOTIFICATION_TYPES = ['sms', 'phone', 'email'];
/** Formats the spec uses that no validator knows. */
const UNKNOWN_FORMATS = ['url', 'tzinfo', 'partial-time', 'activesupport-time-zone'];

function ownProperties(schema: Json): Json[] {
  const parts = [schema, ...((schema['allOf'] as Json[] | undefined) ?? [])];
  return parts
    .map((p) => p['properties'] as Json | undefined)
    .filter((p): p is Json => p !== undefined);
}

function findProperty(schema: Json, name: string): Json {
  for (const props of ownProperties(schema)) if (props[name]) return props[name] as Json;
  throw new Error(`contract patch: property ${name} not found`);
}

function markNullable(node: Json): void {
  node['nullable'] = true;
}

/** OpenAPI 3.0 `nullable` into JSON Schema, everywhere in the tree. */
function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json))
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, convertNullable(s)]))
        : convertNullable(v);
  if (out['nullable'] === true) {
    delete out['nullable'];
    if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null];
    if (typeof out['type'] === 'string' && !out['$ref'] && !out['allOf'] && !out['oneOf']) {
      out['type'] = [out['type'], 'null'];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/**
 * With include[], PagerDuty embeds full objects where the spec only knows references, and their
 * `type` loses `_reference` (CONTRACT.md). For such answers every `x_reference` type also admits `x`.
 */
function acceptIncludedObjects(schemas: Record<string, Json>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (!name.endsWith('Reference')) continue;
    for (const props of ownProperties(schema)) {
      const type = props['type'] as Json | undefined;
      const values = type?.['enum'] as string[] | undefined;
      if (type && values)
        type['enum'] = [
          ...values,
          ...values
            .filter((v) => v.endsWith('_reference'))
            .map((v) => v.slice(0, -'_reference'.length)),
        ];
    }
  }
}

function patchedSubset(includedObjects: boolean): Subset {
  const subset = JSON.parse(fs.readFileSync(SUBSET_URL, 'utf8')) as Subset;
  const schemas = subset.components.schemas;
  const schema = (name: string) => {
    const s = schemas[name];
    if (!s) throw new Error(`contract patch: schema ${name} not found`);
    return s;
  };
  for (const [name, props] of Object.entries(NULLABLE_BUT_NOT_MARKED))
    for (const p of props) markNullable(findProperty(schema(name), p));
  // AcknowledgeLogEntry.type is pinned to acknowledgement_log_entry; the API sends acknowledge_log_entry.
  const ackType = findProperty(schema('AcknowledgeLogEntry'), 'type');
  ackType['enum'] = [...((ackType['enum'] as string[] | undefined) ?? []), 'acknowledge_log_entry'];
  // Notification.type lists sms_notification, phone_notification...; in captured log entries the
  // medium of channel.notification is spelled sms, phone, email, push_notification (CONTRACT.md).
  const notificationType = findProperty(schema('Notification'), 'type');
  notificationType['enum'] = [
    ...((notificationType['enum'] as string[] | undefined) ?? []),
    ...CAPTURED_NOTIFICATION_TYPES,
  ];
  if (includedObjects) acceptIncludedObjects(schemas);
  for (const [name, prop] of ONE_OF_AS_ANY_OF) {
    const node = prop === null ? schema(name) : findProperty(schema(name), prop);
    node['anyOf'] = node['oneOf'];
    delete node['oneOf'];
  }
  return convertNullable(subset) as Subset;
}

export interface ContractValidator {
  /** Validates a response body of `operation` (a path of the spec, such as '/incidents/{id}'). */
  validate(operation: string, body: unknown): ErrorObject[];
  operations: string[];
}

/**
 * Builds the validator of simulator answers against PagerDuty's official spec. With
 * `includedObjects`, for answers to requests with include[], full objects may stand in for references.
 */
export function createContractValidator(
  options: { includedObjects?: boolean } = {},
): ContractValidator {
  const subset = patchedSubset(options.includedObjects ?? false);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const format of UNKNOWN_FORMATS) ajv.addFormat(format, true);
  ajv.addSchema({ $id: 'pd-contract', components: subset.components, responses: subset.responses });
  const compiled = new Map<string, ValidateFunction>();
  return {
    operations: Object.keys(subset.responses),
    validate(operation, body) {
      let validate = compiled.get(operation);
      if (!validate) {
        const pointer = `/responses/${operation.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        validate = ajv.compile({ $ref: `pd-contract#${encodeURI(pointer).replace(/#/g, '%23')}` });
        compiled.set(operation, validate);
      }
      return validate(body) ? [] : (validate.errors ?? []);
    },
  };
}
