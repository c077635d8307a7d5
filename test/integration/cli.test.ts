import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliProcess, startCliProcess } from '../helpers/run-cli.js';
import { LATEST_SCHEMA_VERSION, MIGRATION_NAMES } from '../../src/db/migrator.js';
import { PAY_QUERY_PROPERTIES } from '../../src/analytics/on-call-pay.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pda-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the pd-analytics CLI', () => {
  it('prints its version and help', async () => {
    const version = await runCliProcess(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCliProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('migrate');
    expect(help.stdout).toContain('serve');
  });

  it.each([[['frobnicate']], [['serve', '--no-such-option']], [['serve', '--port', 'abc']]])(
    'exits 2 with one line for bad usage: %j',
    async (args) => {
      const result = await runCliProcess(args, {
        DATABASE_URL: `sqlite:${path.join(dir, 'usage.db')}`,
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    },
  );

  it.each([
    [['--help']],
    [['report', 'on-call-pay']],
    [['report', 'on-call-compliance', '--format', 'table']],
  ])('ends quietly with exit 0 when its reader has gone (EPIPE): %j', async (args) => {
    const result = await runCliProcess(
      args,
      { DATABASE_URL: `sqlite:${path.join(dir, 'epipe.db')}` },
      20_000,
      { closedStdout: true },
    );
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toContain('    at ');
    expect(result.code).toBe(0);
  });

  it.each([['on-call-pay'], ['on-call-compliance']])(
    'report %s: exits 2 for a malformed id, naming the option as the API names the parameter, and for an unknown one',
    async (report) => {
      const env = { DATABASE_URL: `sqlite:${path.join(dir, 'ids.db')}` };
      for (const [args, line] of [
        [
          ['--user-id', 'b@d'],
          `--user-id: 'b@d' must match pattern "${PAY_QUERY_PROPERTIES.user_id.pattern}"`,
        ],
        [
          ['--team-id', 'PT1', '--team-id', 'a b'],
          `--team-id: 'a b' must match pattern "${PAY_QUERY_PROPERTIES.team_id.items.pattern}"`,
        ],
        [['--user-id', 'PNOSUCH'], 'user PNOSUCH not found'],
        [['--team-id', 'NOPE'], 'team NOPE not found'],
      ] as const) {
        const result = await runCliProcess(['report', report, ...args], env);
        expect(result.stderr).toBe(`pd-analytics: ${line}\n`);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
      }
    },
  );

  it('stops at start-up with one line naming DATABASE_URL when it is invalid', async () => {
    const result = await runCliProcess(['serve'], { DATABASE_URL: 'nonsense' });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
    expect(result.stderr).not.toContain('    at ');
  });

  it('does not print a secret it was given when the database is unreachable', async () => {
    const result = await runCliProcess(['migrate'], {
      DATABASE_URL: 'mysql://root:s3cretpw@127.0.0.1:1/x',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the database');
    expect(result.stderr).not.toContain('s3cretpw');
  });

  it('migrates a new SQLite file, creating its folder', async () => {
    const file = path.join(dir, 'nested', 'folder', 'pd.db');
    const first = await runCliProcess(['migrate'], { DATABASE_URL: `sqlite:${file}` });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${MIGRATION_NAMES.join(', ')} to `);
    expect(MIGRATION_NAMES.at(-1)).toBe(LATEST_SCHEMA_VERSION);
    const second = await runCliProcess(['migrate'], { DATABASE_URL: `sqlite:${file}` });
    expect(second.stdout).toContain('up to date');
  });

  it('serves health and docs, and stops cleanly on SIGTERM', async () => {
    const file = path.join(dir, 'serve.db');
    const server = await startCliProcess(
      ['serve', '--port', '0'],
      { DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'warn', PAGERDUTY_TOKEN: 'pdtoken-very-secret' },
      'Health:',
    );
    const url = /Health:\s+(\S+)/.exec(server.stdout())?.[1];
    expect(url).toBeDefined();
    const health = await fetch(String(url));
    expect(health.status).toBe(200);
    const docs = await fetch(String(url).replace('/api/v1/health', '/api/docs/'));
    expect(docs.status).toBe(200);
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'close');
    expect(code).toBe(0);
    expect(server.stdout() + server.stderr()).not.toContain('pdtoken-very-secret');
  });
});
