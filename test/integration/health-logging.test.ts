import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { LogLevel } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';

// Docker's HEALTHCHECK (and any load balancer) asks for /health every few seconds: at info, those
// requests would bury the log lines that matter, so requests, health checks first, log at debug.
describe('logging of health checks', () => {
  let db: Db | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await db?.destroy();
    app = undefined;
    db = undefined;
  });

  interface LogEntry {
    msg?: string;
    req?: { url?: string };
  }

  async function start(level: LogLevel): Promise<{ app: FastifyInstance; lines: LogEntry[] }> {
    const lines: LogEntry[] = [];
    db = createDb({ dialect: 'sqlite', path: ':memory:' });
    await migrateToLatest(db.db);
    app = await buildApp({
      config: { apiToken: undefined, adminToken: undefined, host: '127.0.0.1' },
      db,
      logger: createLogger(level, {
        write: (line: string) => lines.push(JSON.parse(line) as LogEntry),
      }),
    });
    return { app, lines };
  }

  async function requestUrlsLogged(level: LogLevel): Promise<string[]> {
    const { app, lines } = await start(level);
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api' })).statusCode).toBe(200);
    return lines.flatMap((entry) => (entry.req?.url ? [entry.req.url] : []));
  }

  it('logs requests, health checks included, at debug only', async () => {
    expect(await requestUrlsLogged('info')).toEqual([]);
  });

  it.each(['debug', 'trace'] as const)(
    'shows health requests when the level is %s',
    async (level) => {
      expect(await requestUrlsLogged(level)).toEqual(['/api/v1/health', '/api']);
    },
  );

  it('still logs a failing health check at info', async () => {
    const { app, lines } = await start('info');
    await db?.destroy();
    db = undefined;
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(503);
    expect(lines.map((entry) => entry.msg)).toContain('health check: database unreachable');
  });

  it('stays silent when the level is silent', async () => {
    expect(await requestUrlsLogged('silent')).toEqual([]);
  });
});
