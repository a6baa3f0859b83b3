/**
 * The complete program in docs/guide.md, "Devices that stay signed in",
 * runs as written (snippets.test.ts only type-checks the blocks): its
 * `zerovault` imports are pointed at `src/`, and what it logs is checked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test, vi } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The first ```ts block after `heading`. */
function blockAfter(doc: string, heading: string): string {
  const text = readFileSync(path.join(ROOT, doc), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${doc}: no heading ${heading}`);
  const open = text.indexOf('```ts\n', start);
  const close = text.indexOf('\n```', open + 6);
  return text.slice(open + 6, close);
}

test('the Node program of "Devices that stay signed in" runs and resumes without the password', async () => {
  const code = blockAfter('docs/guide.md', '## Devices that stay signed in')
    .replace(/from 'zerovault'/g, `from '${path.join(ROOT, 'src/index.ts')}'`)
    .replace(/from 'zerovault\/server'/g, `from '${path.join(ROOT, 'src/server/index-node.ts')}'`);
  expect(code).toContain('rememberDevice: true');
  const dir = mkdtempSync(path.join(tmpdir(), 'zerovault-doc-'));
  const file = path.join(dir, 'devices-snippet.ts');
  writeFileSync(file, `${code}\nexport {};\n`);
  const lines: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args);
  });
  try {
    await import(pathToFileURL(file).href);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(lines[0]?.[0]).toBe('alice@example.com');
  expect(lines[0]?.[1]).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(lines[0]?.[2]).toMatchObject({ value: ['milk'] });
  expect(lines[1]?.slice(0, 3)).toEqual(['Build server', true, true]);
  expect(lines.at(-1)).toEqual([null]);
}, 60_000);
