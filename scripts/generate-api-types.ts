// Generates src/web/api-types.ts, the types of the JSON the dashboard reads, from the server's
// own OpenAPI document, so that the dashboard's view of the API cannot drift from the API:
// test/unit/api-types.test.ts fails when the committed file differs from what this writes.
//   npx tsx scripts/generate-api-types.ts
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

export const API_TYPES_FILE = fileURLToPath(new URL('../src/web/api-types.ts', import.meta.url));

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  additionalProperties?: boolean | Schema;
  $ref?: string;
  nullable?: boolean;
  description?: string;
};

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }
    >
  >;
}

function typeOf(schema: Schema, indent: string): string {
  if (schema.$ref) return 'unknown';
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (schema.nullable) types.push('null');
  if (types.length === 0) return 'unknown';
  return types
    .map((t) => {
      switch (t) {
        case 'integer':
        case 'number':
          return 'number';
        case 'string':
          return 'string';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array':
          return `${wrap(typeOf(schema.items ?? {}, indent))}[]`;
        case 'object':
          return objectType(schema, indent);
        default:
          return 'unknown';
      }
    })
    .join(' | ');
}

function wrap(type: string): string {
  return /[|&]/.test(type) && !type.startsWith('{') ? `(${type})` : type;
}

function objectType(schema: Schema, indent: string): string {
  const inner = `${indent}  `;
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) {
    const extra = schema.additionalProperties;
    return typeof extra === 'object'
      ? `Record<string, ${typeOf(extra, indent)}>`
      : 'Record<string, unknown>';
  }
  const required = new Set(schema.required ?? []);
  const lines = entries.map(
    ([key, value]) => `${inner}${key}${required.has(key) ? '' : '?'}: ${typeOf(value, inner)};`,
  );
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** A type name from a path: /api/v1/services/{id}/incidents gives ServicesByIdIncidentsResponse. */
function typeName(path: string): string {
  const pascal = (text: string) =>
    text
      .split(/[_-]/)
      .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
      .join('');
  const words = path
    .replace(/^\/api\/v1\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) =>
      segment.startsWith('{') ? `By${pascal(segment.slice(1, -1))}` : pascal(segment),
    );
  return `${words.join('') || 'Root'}Response`;
}

/** The TypeScript source of the types of every JSON answer of GET /api/v1/..., formatted as the repository is. */
export async function generateApiTypes(doc: OpenApiDocument): Promise<string> {
  const out = [
    '// Generated from the OpenAPI document by scripts/generate-api-types.ts: do not edit.',
    '// The JSON bodies of GET /api/v1/..., for the dashboard.',
    '',
  ];
  for (const [path, item] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith('/api/v1/')) continue;
    const schema = item['get']?.responses?.['200']?.content?.['application/json']?.schema;
    if (!schema) continue;
    out.push(`/** GET ${path} */`);
    out.push(`export type ${typeName(path)} = ${typeOf(schema, '')};`);
    out.push('');
  }
  const options = (await prettier.resolveConfig(API_TYPES_FILE)) ?? {};
  return prettier.format(out.join('\n'), { ...options, parser: 'typescript' });
}

async function main(): Promise<void> {
  const { buildApp } = await import('../src/api/app.js');
  const { createDb } = await import('../src/db/connection.js');
  const { createLogger } = await import('../src/logger.js');
  const { migrateToLatest } = await import('../src/db/migrator.js');
  const db = createDb({ dialect: 'sqlite', path: ':memory:' });
  await migrateToLatest(db.db);
  const app = await buildApp({
    config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
    db,
    logger: createLogger('silent'),
  });
  await app.ready();
  fs.writeFileSync(API_TYPES_FILE, await generateApiTypes(app.swagger() as OpenApiDocument));
  await app.close();
  await db.destroy();
  console.log(`wrote ${API_TYPES_FILE}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
