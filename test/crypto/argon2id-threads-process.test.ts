/**
 * The lane threads and a Node process's life: a script that awaits one
 * Argon2id call at p = 4 gets its answer (the threads are held while they
 * work, so the process does not exit halfway) and then exits by itself (idle
 * threads are released, so the pool never keeps a process alive).
 */
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('a script awaiting a threaded call gets its answer, then exits on its own', () => {
  const script = `
    const { argon2idUnchecked } = await import(${JSON.stringify(resolve(ROOT, 'src/crypto/ksf.ts'))});
    const { output, threads } = await argon2idUnchecked(new Uint8Array(64).fill(7), { iterations: 3, memoryKiB: 8192, parallelism: 4 }, { outputLength: 64 });
    console.log(threads, Buffer.from(output).toString('hex'));
  `;
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  const took = Date.now() - started;
  expect(run.status, run.stderr).toBe(0);
  const expected = toHex(nobleArgon2id(new Uint8Array(64).fill(7), new Uint8Array(16), { t: 3, m: 8192, p: 4, dkLen: 64, version: 0x13 }));
  expect(run.stdout.trim()).toBe(`2 ${expected}`);
  // Exits as soon as its work is done: well before the 10 s a thread would be given to start.
  expect(took).toBeLessThan(8000);
});
