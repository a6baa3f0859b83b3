/**
 * Every binary format starts with its own two-byte magic ("Z" and a letter):
 * a blob read as the wrong format must fail at its first bytes, and a reader
 * of docs/client-format.md must be able to tell formats apart by them. The
 * test reads the layout line each format module documents (`"ZX" (0x5a 0x..) | …`
 * or `"ZX" | …`) and checks that no two modules claim one magic. (The
 * passkey slot once shipped with the keyring encoding's "ZK".)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = resolve(fileURLToPath(import.meta.url), '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('no two format modules share a magic', () => {
  const owners = new Map<string, Set<string>>();
  for (const file of sources(join(root, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^ \*\s+"(Z[A-Z])" (?:\(0x5a 0x[0-9a-f]{2}\) )?\|/gm)) {
      const magic = match[1] as string;
      owners.set(magic, (owners.get(magic) ?? new Set()).add(relative(root, file)));
    }
  }
  expect(owners.size).toBeGreaterThanOrEqual(10); // the scan finds the layouts it looks for
  const shared = [...owners].filter(([, files]) => files.size > 1).map(([magic, files]) => `${magic}: ${[...files].join(', ')}`);
  expect(shared).toEqual([]);
});
