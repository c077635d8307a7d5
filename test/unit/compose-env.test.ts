import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

// Every setting of .env.example must reach the app under docker/docker-compose.yml: a setting the
// compose file forgets silently does nothing there (OAuth tokens, webhooks, SYNC_SINCE...).
// And .env.example must list every variable src/config.ts reads, so a new one reaches both.
const read = (file: string) => fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/** The `environment:` map of one service, as written (values unquoted, not interpolated). */
function serviceEnvironment(compose: string, service: string): Map<string, string> {
  const lines = compose.split('\n');
  const start = lines.indexOf(`  ${service}:`);
  if (start < 0) throw new Error(`no service ${service}`);
  const env = new Map<string, string>();
  let inEnvironment = false;
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,2}\S/.test(line)) break; // the next service or top-level key
    if (/^ {4}\S/.test(line)) inEnvironment = line === '    environment:';
    const entry = /^ {6}([A-Z][A-Z0-9_]*): '(.*)'$/.exec(line);
    if (inEnvironment && entry?.[1] !== undefined) env.set(entry[1], entry[2] ?? '');
  }
  return env;
}

const exampleSettings = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
  (m) => m[1] ?? '',
);
const compose = read('docker/docker-compose.yml');
const app = serviceEnvironment(compose, 'app');
const mysql = serviceEnvironment(compose, 'mysql');

/** Set by the compose file for its stack instead of taken from .env, each for a reason. */
const SET_BY_COMPOSE: Record<string, RegExp> = {
  DATABASE_URL: /^mysql:\/\/\$\{MYSQL_USER[^}]*\}@mysql:3306\/\$\{MYSQL_DATABASE[^}]*\}$/,
  DATABASE_PASSWORD: /^\$\{MYSQL_PASSWORD[:?-]/,
  HOST: /^0\.0\.0\.0$/,
};
/** Not passed: the password comes from MYSQL_PASSWORD, and a path on the host means nothing inside. */
const NOT_PASSED = ['DATABASE_PASSWORD_FILE'];

describe('docker-compose.yml and .env.example', () => {
  it('pass every other setting of .env.example to the app, as set', () => {
    expect(exampleSettings.length).toBeGreaterThan(10);
    for (const name of exampleSettings) {
      if (name.startsWith('MYSQL_')) {
        expect(mysql.get(name), `mysql service: ${name}`).toMatch(new RegExp(`^\\$\\{${name}[:}]`));
      } else if (name in SET_BY_COMPOSE) {
        expect(app.get(name), `app: ${name}`).toMatch(SET_BY_COMPOSE[name] ?? /^$/);
      } else if (NOT_PASSED.includes(name)) {
        expect(app.has(name), `app: ${name}`).toBe(false);
      } else {
        expect(app.get(name), `app: ${name} must be '\${${name}:-...}'`).toMatch(
          new RegExp(`^\\$\\{${name}(:-[^}]*|:\\?[^}]*)\\}$`),
        );
      }
    }
  });

  it('pass the app nothing that is not a setting', () => {
    for (const name of app.keys()) expect(exampleSettings, name).toContain(name);
  });

  it('list in .env.example every variable src/config.ts reads', () => {
    const config = read('src/config.ts');
    const readByConfig = [
      ...config.matchAll(/env\['([A-Z][A-Z0-9_]*)'\]/g),
      ...config.matchAll(/\(env, '([A-Z][A-Z0-9_]*)'\)/g),
    ].map((m) => m[1] ?? '');
    expect(readByConfig.length).toBeGreaterThan(10);
    for (const name of new Set(readByConfig)) expect(exampleSettings, name).toContain(name);
  });
});
