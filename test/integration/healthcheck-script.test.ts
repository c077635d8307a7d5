import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// docker/healthcheck.js is the image's HEALTHCHECK: it must follow PORT (and HOST) as the server
// does, instead of a port fixed in the Dockerfile. It imports dist/config.js: `npm run build` first.
const SCRIPT = fileURLToPath(new URL('../../docker/healthcheck.js', import.meta.url));

function runCheck(env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT],
      { env: { PATH: process.env['PATH'] ?? '', ...env } },
      (error) => resolve(error ? Number(error.code ?? 1) : 0),
    );
  });
}

describe('the image health check script', () => {
  let status = 200;
  const server = http.createServer((req, res) => {
    res.statusCode = req.url === '/api/v1/health' ? status : 404;
    res.end('{}');
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes when the server on PORT answers 200, with HOST a wildcard or loopback', async () => {
    status = 200;
    expect(await runCheck({ PORT: String(port), HOST: '0.0.0.0' })).toBe(0);
    expect(await runCheck({ PORT: String(port), HOST: '127.0.0.1' })).toBe(0);
  });

  it('fails when the server answers 503, when nothing listens on PORT, or on bad config', async () => {
    status = 503;
    expect(await runCheck({ PORT: String(port), HOST: '0.0.0.0' })).toBe(1);
    status = 200;
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await runCheck({ PORT: String(closedPort), HOST: '0.0.0.0' })).toBe(1);
    expect(await runCheck({ PORT: 'eighty', HOST: '0.0.0.0' })).toBe(1);
  });
});
