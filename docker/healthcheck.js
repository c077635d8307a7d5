// Docker's HEALTHCHECK (docker/Dockerfile): asks the server for /api/v1/health on the host and port
// it listens on, read by the app's own parseConfig, so `docker run -e PORT=5390` stays healthy.
// A `serve --port` on the command line is invisible here: in a container, set PORT instead.
// Exit 0 when healthy, 1 otherwise (Docker's convention).
/* global fetch, AbortSignal */
import { parseConfig } from '../dist/config.js';

// Below the HEALTHCHECK's --timeout, so a hung server fails the check instead of Docker killing it.
const REQUEST_TIMEOUT_MS = 4000;

function healthUrl() {
  const { host, port } = parseConfig(process.env);
  // A wildcard address listens on loopback too; an IPv6 literal needs brackets in a URL.
  const target = ['0.0.0.0', '::', '[::]'].includes(host)
    ? '127.0.0.1'
    : host.includes(':') && !host.startsWith('[')
      ? `[${host}]`
      : host;
  return `http://${target}:${port}/api/v1/health`;
}

let healthy = false;
try {
  const res = await fetch(healthUrl(), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  healthy = res.ok;
} catch {
  // An invalid configuration, a refused connection or a timeout: unhealthy.
}
process.exit(healthy ? 0 : 1);
