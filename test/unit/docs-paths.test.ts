import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
// Backticked repository paths: `src/...`, `docs/...`, and the like.
const PATH = /`((?:src|docs|test|bench|scripts|docker|\.ci)\/[\w./-]+)`/g;

describe('the documentation', () => {
  it.each(['README.md', 'docs/architecture.md', 'docs/docker.md', 'SECURITY.md', 'DEVELOPERS.md'])(
    'names only paths that exist: %s',
    (file) => {
      const text = fs.readFileSync(new URL(file, ROOT), 'utf8');
      const paths = [...text.matchAll(PATH)].map((m) => m[1] ?? '');
      const missing = paths.filter((p) => !fs.existsSync(new URL(p, ROOT)));
      expect(missing).toEqual([]);
    },
  );
});
