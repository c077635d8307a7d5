import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

// There is no Docker engine here: the files are checked as text. `npm run lint` also runs dclint,
// which validates the compose files against the Compose schema and its best practices.
const read = (file: string) => fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('the Docker files', () => {
  const dockerfile = read('docker/Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('build in stages and run as a non-root user with a health check', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1) ?? '';
    expect(runtime).toMatch(/^node:20[\w.-]* AS runtime/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/api\/v1\/health/);
    expect(runtime).toContain('fonts-dejavu-core');
    expect(runtime).not.toMatch(/COPY[^\n]*\.env/);
  });

  it('keep .env and local data out of images', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.env.*', 'data', 'node_modules']));
  });

  it('take every credential from the environment, none baked in', () => {
    for (const file of ['docker/docker-compose.yml', 'docker/docker-compose.test.yml']) {
      const text = read(file);
      for (const line of text.split('\n').filter((l) => /(PASSWORD|TOKEN|SECRET)\w*:/.test(l))) {
        expect(line, `${file}: ${line.trim()}`).toMatch(/\$\{/);
      }
    }
    const compose = read('docker/docker-compose.yml');
    // Named volumes, declared at the top level.
    const declared = compose.split(/^volumes:$/m)[1] ?? '';
    expect(declared).toMatch(/^\s+mysql-data:$/m);
    expect(declared).toMatch(/^\s+metabase-data:$/m);
  });
});
