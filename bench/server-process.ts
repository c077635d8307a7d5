// A `pd-analytics serve` process of its own over a bench database, so that its peak memory is
// measured alone and the dashboard is served as users get it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DatabaseTarget } from '../src/db/database-url.js';

const CLI = fileURLToPath(new URL('../bin/pd-analytics.js', import.meta.url));

export interface ServerProcess {
  /** http://127.0.0.1:port */
  base: string;
  process: ChildProcess;
  /** Peak resident memory so far, in MB (Linux). */
  peakRssMb(): number;
  stop(): void;
}

export function databaseUrl(target: DatabaseTarget): string {
  return target.dialect === 'sqlite' ? `sqlite:${target.path}` : target.url;
}

export async function startServerProcess(
  target: DatabaseTarget,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl(target), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Dashboard:\s+(http:\/\/[^/\s]+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
  });
  return {
    base,
    process: child,
    peakRssMb: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    },
    stop: () => child.kill(),
  };
}
