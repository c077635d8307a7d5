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
    expect(runtime).toMatch(/^node:24[\w.-]* AS runtime/);
    expect(runtime).toMatch(/^USER node$/m);
    // The health check asks /api/v1/health on the port the server reads from PORT, never a fixed one.
    expect(runtime).toMatch(
      /^HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "docker\/healthcheck\.js"\]$/m,
    );
    expect(runtime).toMatch(/^COPY docker\/healthcheck\.js \.\/docker\/healthcheck\.js$/m);
    const healthcheck = read('docker/healthcheck.js');
    expect(healthcheck).toContain('/api/v1/health');
    expect(healthcheck).toMatch(/parseConfig\(process\.env\)/);
    expect(`${runtime.split('HEALTHCHECK')[1]}${healthcheck}`).not.toMatch(/5000/);
    // The PNG charts' font ships in fonts/ and must reach the image (no system font is used).
    expect(runtime).toMatch(/^COPY fonts \.\/fonts$/m);
    expect(runtime).not.toMatch(/COPY[^\n]*\.env/);
  });

  it('copy into the build stage every project file `npm run build` names', () => {
    // The dashboard's own tsconfig was once left out: the image stopped building.
    const build = stages.find((stage) => / AS build$/m.test(stage.split('\n')[0] ?? '')) ?? '';
    const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts['build'];
    const named = [...(script ?? '').matchAll(/-p (\S+)/g)].map((m) => m[1] ?? '');
    expect(named.length).toBeGreaterThan(0);
    const copied = [...build.matchAll(/^COPY ([^\n]+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? '').split(/\s+/),
    );
    for (const file of ['tsconfig.json', ...named])
      expect(copied, `the build stage copies ${file}`).toContain(file);
  });

  it('have a test stage with every file the suites read', () => {
    const test = stages.find((stage) => stage.startsWith('build AS test')) ?? '';
    for (const copied of ['test', 'docker', 'fonts', 'scripts', 'bench', 'docs', '.ci']) {
      expect(test, copied).toMatch(new RegExp(`^COPY ${copied} \\./${copied}$`, 'm'));
    }
    expect(test).toMatch(/^COPY [^\n]*vitest\.config\.ts[^\n]*\.dockerignore[^\n]*\.env\.example/m);
    // docs-paths.test.ts reads these and the paths they name.
    expect(test).toMatch(/^COPY README\.md SECURITY\.md DEVELOPERS\.md \.\/$/m);
    expect(read('docker/docker-compose.test.yml')).toMatch(/^\s+target: test$/m);
  });

  it('keep .env and local data out of images', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    // `**/` so that a pattern matches in every folder, not only at the root of the context.
    expect(ignored).toEqual(
      expect.arrayContaining([
        '**/.env',
        '**/.env.*',
        '**/data',
        '**/*.db',
        '**/*.db-wal',
        '**/node_modules',
        '**/bench/out',
      ]),
    );
    const patterns = ignored.filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const pattern of patterns.filter((p) => !['.git', 'docs/*.png'].includes(p))) {
      expect(pattern, `.dockerignore: ${pattern}`).toMatch(/^\*\*\//);
    }
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
