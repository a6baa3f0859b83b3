/**
 * The complete program in docs/guide.md, "Second factors (TOTP)", runs as
 * written (snippets.test.ts only type-checks the blocks): its `zerovault`
 * imports are pointed at `src/`, and what it logs is checked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('the Node program of "Second factors (TOTP)" enrols, is refused without a code, and logs in with a recovery code', async () => {
  const code = blockAfter('docs/guide.md', '## Second factors (TOTP)')
    .replace(/from 'zerovault'/g, `from '${path.join(ROOT, 'src/index.ts')}'`)
    .replace(/from 'zerovault\/server'/g, `from '${path.join(ROOT, 'src/server/index-node.ts')}'`);
  expect(code).toContain('enrollTotp()');
  // The program runs in the repository: `otpauth` resolves from its node_modules.
  const dir = mkdtempSync(path.join(ROOT, 'test', 'docs', '.mfa-snippet-'));
  const file = path.join(dir, 'mfa-snippet.ts');
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
  expect(lines).toEqual([
    [['pwd', 'otp'], 10],
    ['MFA_REQUIRED'],
    [['pwd', 'otp'], { totp: true, strict: false, recoveryCodesLeft: 9, passkeys: 0 }],
  ]);
}, 60_000);
