/**
 * The package is ESM only, and `require('zerovault')` still works: Node
 * >= 20.19 loads an ES module graph synchronously when it has no top-level
 * await. A `.cjs` file run by plain `node` requires every entry by name and
 * must see what `import()` sees.
 *
 * Reads `dist/` (run `npm run build` first; see dist.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { FIXTURES, PKG, consumerDir, describeDist, entries, resolveEntry, specifierOf } from './dist.js';

describeDist('require(esm)', () => {
  test('a CommonJS file requires every entry and sees the ES module exports', () => {
    const project = consumerDir({ 'require-all.cjs': readFileSync(join(FIXTURES, 'require/require-all.cjs'), 'utf8') });
    try {
      const specifiers = entries().map(specifierOf);
      const required = spawnSync(process.execPath, ['require-all.cjs', ...specifiers], { cwd: project.dir, encoding: 'utf8' });
      expect(required.stderr.replace(/^.*ExperimentalWarning.*$|^\(Use `node --trace-warnings.*$/gm, '').trim()).toBe('');
      expect(required.status).toBe(0);
      const paths = entries().map((subpath) => resolveEntry(subpath, 'node', 'js'));
      const imported = spawnSync(process.execPath, [join(FIXTURES, 'runtime/keys.mjs'), ...paths], { encoding: 'utf8' });
      expect(imported.status).toBe(0);
      const importKeys = JSON.parse(imported.stdout) as Record<string, string[]>;
      const requireKeys = JSON.parse(required.stdout) as Record<string, string[]>;
      for (const subpath of entries()) {
        expect(requireKeys[specifierOf(subpath)], specifierOf(subpath)).toEqual(importKeys[resolveEntry(subpath, 'node', 'js')]);
      }
    } finally {
      project.remove();
    }
  }, 60_000);
});

test('ESM only: every entry is { types, default }, under node/default conditions at most, and names no CommonJS file', () => {
  const exports: Record<string, unknown> = PKG.exports;
  const leaves: string[] = [];
  const check = (target: unknown, where: string): void => {
    if (typeof target === 'string') {
      expect(target, where).not.toMatch(/\.c[jt]s$/);
      return;
    }
    const keys = Object.keys(target as object);
    if (keys.includes('types')) {
      expect(keys, where).toEqual(['types', 'default']);
      leaves.push(where);
    } else {
      expect(keys, where).toEqual(['node', 'default']);
    }
    for (const [key, next] of Object.entries(target as object)) check(next, `${where} > ${key}`);
  };
  for (const subpath of entries()) check(exports[subpath], subpath);
  expect(leaves.length).toBeGreaterThanOrEqual(entries().length);
});
