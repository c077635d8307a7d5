// Extracts from PagerDuty's official OpenAPI spec the 200-response schemas of the operations
// pd-analytics reads, with every component schema they reach, into
// test/contract/pagerduty-openapi-subset.json. The subset is committed so that `npm test`
// works from a fresh clone; re-run this when the spec is updated:
//   node scripts/extract-pagerduty-contract.mjs ../shared/pagerduty/openapiv3.json
import crypto from 'node:crypto';
import fs from 'node:fs';

export const OPERATIONS = [
  '/services',
  '/services/{id}',
  '/teams',
  '/teams/{id}/members',
  '/escalation_policies',
  '/schedules',
  '/schedules/{id}',
  '/users',
  '/users/{id}',
  '/incidents',
  '/incidents/{id}',
  '/incidents/{id}/log_entries',
  '/log_entries',
  '/oncalls',
  '/priorities',
];

const source = process.argv[2] ?? '../shared/pagerduty/openapiv3.json';
const text = fs.readFileSync(source, 'utf8');
const spec = JSON.parse(text);
const schemas = {};
const walk = (node) => {
  if (Array.isArray(node)) return node.forEach(walk);
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const [, , kind, name] = value.split('/');
      if (kind !== 'schemas') throw new Error(`unexpected reference ${value}`);
      if (!(name in schemas)) {
        schemas[name] = spec.components.schemas[name];
        walk(schemas[name]);
      }
    } else walk(value);
  }
};
const responses = {};
for (const path of OPERATIONS) {
  const schema = spec.paths[path].get.responses['200'].content['application/json'].schema;
  responses[path] = schema;
  walk(schema);
}
const subset = {
  source: {
    repository: 'PagerDuty/api-schema',
    file: 'reference/REST/openapiv3.json',
    commit: '2326e6b9f4737ca7f383214e1cd9d783c81fd2c6',
    sha256: crypto.createHash('sha256').update(text).digest('hex'),
    note: 'Unmodified excerpt: the 200 responses of the operations listed and the component schemas they reach.',
  },
  responses,
  components: {
    schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
  },
};
fs.writeFileSync(
  'test/contract/pagerduty-openapi-subset.json',
  `${JSON.stringify(subset, null, 1)}\n`,
);
console.log(
  `wrote ${Object.keys(responses).length} operations, ${Object.keys(schemas).length} schemas`,
);
