/**
 * Code loaded on demand: a chunk that cannot be fetched (offline, or a
 * deploy replaced it) reaches the caller as `NETWORK`, with the runtime's
 * error as `cause`, never as a bare `TypeError`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadOnDemand } from '../../src/crypto/lazy.js';
import { ZeroVaultError } from '../../src/errors.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('loadOnDemand', () => {
  test('a failed load is NETWORK with the cause; a ZeroVaultError passes as it is', async () => {
    const cause = new TypeError('Failed to fetch dynamically imported module');
    await expect(loadOnDemand(() => Promise.reject(cause))).rejects.toMatchObject({ code: 'NETWORK', cause });
    const typed = new ZeroVaultError('UNSUPPORTED', 'no');
    await expect(loadOnDemand(() => Promise.reject(typed))).rejects.toBe(typed);
    await expect(loadOnDemand(() => Promise.resolve(42))).resolves.toBe(42);
  });

  test('every import() in code a browser runs goes through it', () => {
    // The server's and the verifier's optional database drivers (better-sqlite3, pg) are Node-only
    // and report a missing package with their own UNSUPPORTED error.
    const serverSide = ['server/', 'cli/', 'verify/sqlite.ts', 'verify/postgres.ts'];
    const bare: string[] = [];
    for (const file of sources(src)) {
      const path = relative(src, file);
      if (serverSide.some((prefix) => path.startsWith(prefix))) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '');
          if (/(?<![\w.])import\(/.test(code) && !/loadOnDemand\(\(\) => import\(/.test(code) && !/typeof import\(/.test(code) && !/^\s*\*/.test(code)) {
            bare.push(`${path}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(bare).toEqual([]);
  });
});
