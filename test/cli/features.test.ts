/**
 * What the CLI does when it works, as a subprocess: armor round trips
 * (file and pipe), passphrases, X-Wing keys, progress that counts bytes
 * written, and stdin of any size.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ARMOR_BEGIN, ARMOR_END, ARMOR_LINE } from '../../src/cli/armor.js';
import { sandbox, type CliSandbox } from './run.js';

let box: CliSandbox;
let bob: string;
const data = randomBytes(3 * 1048576 + 7);

beforeAll(async () => {
  box = await sandbox();
  expect((await box.cli(['keygen', '-o', box.f('bob.key')])).code).toBe(0);
  bob = (await box.cli(['pubkey', box.f('bob.key')])).stdout.toString().trim();
  writeFileSync(box.f('data.bin'), data);
});
afterAll(() => box.dispose());

describe('armor', () => {
  test('seal -a writes the specified armor; open reads it from a file and a pipe', async () => {
    expect((await box.cli(['seal', '-a', '-r', bob, '-o', box.f('a.txt'), box.f('data.bin')])).code).toBe(0);
    const text = readFileSync(box.f('a.txt'), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe(ARMOR_BEGIN);
    expect(lines.at(-2)).toBe(ARMOR_END);
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -2);
    for (const line of body.slice(0, -1)) expect(line.length).toBe(ARMOR_LINE);
    expect((body.at(-1) as string).length).toBeGreaterThan(0);
    expect((body.at(-1) as string).length).toBeLessThanOrEqual(ARMOR_LINE);
    // The armor is exactly base64 of the binary blob: both open the same.
    const blob = Buffer.from(body.join(''), 'base64');
    expect(blob.subarray(0, 4).toString()).toBe('ZVSB');
    const opened = await box.cli(['open', '-i', box.f('bob.key'), '-o', box.f('a.out'), box.f('a.txt')]);
    expect(opened.code).toBe(0);
    expect(readFileSync(box.f('a.out')).equals(data)).toBe(true);
    const piped = await box.cli(['open', '-i', box.f('bob.key')], readFileSync(box.f('a.txt')));
    expect(piped.stdout.equals(data)).toBe(true);
    // CRLF line ends are read too.
    const crlf = await box.cli(['open', '-i', box.f('bob.key')], text.replaceAll('\n', '\r\n'));
    expect(crlf.code).toBe(0);
    expect(crlf.stdout.equals(data)).toBe(true);
  });

  test('small inputs: the last line is short or full, never empty', async () => {
    for (const size of [0, 1, 47, 48, 49, 1000]) {
      const input = randomBytes(size);
      const sealed = await box.cli(['seal', '-a', '-r', bob], input);
      expect(sealed.code, String(size)).toBe(0);
      expect(sealed.stdout.toString()).not.toMatch(/\n\n/);
      const opened = await box.cli(['open', '-i', box.f('bob.key')], sealed.stdout);
      expect(opened.stdout.equals(input), String(size)).toBe(true);
    }
  });
});

describe('passphrase', () => {
  test('seal -p / open with the passphrase, armored too; the stanza holds the pinned Argon2id parameters', async () => {
    writeFileSync(box.f('pass.txt'), 'correct horse battery staple\n');
    const sealed = await box.cli(['seal', '--passphrase-file', box.f('pass.txt'), '-o', box.f('p.zv')], 'a passphrase-sealed note');
    expect(sealed.code).toBe(0);
    const blob = readFileSync(box.f('p.zv'));
    expect(blob.readUInt16BE(5)).toBe(0x0003);
    // t = 3, p = 4, m = 256 MiB, after the 16-byte salt.
    expect([blob[26], blob[27], blob.readUInt32BE(28)]).toEqual([3, 4, 262144]);
    const opened = await box.cli(['open', '--passphrase-file', box.f('pass.txt'), box.f('p.zv')]);
    expect(opened.code).toBe(0);
    expect(opened.stdout.toString()).toBe('a passphrase-sealed note');
  });
});

describe('X-Wing', () => {
  test('keygen --pq: zvxsk1 secret, zvxpk1 public key; seal to several, each opens; armored too', async () => {
    const key = await box.cli(['keygen', '--pq']);
    expect(key.code).toBe(0);
    writeFileSync(box.f('pq1.key'), key.stdout);
    expect(key.stdout.toString()).toMatch(/^# created: .*\n# public key: zvxpk1[a-z0-9]{1952}\nzvxsk1[a-z0-9]{58}\n$/);
    expect((await box.cli(['keygen', '--pq', '-o', box.f('pq2.key')])).code).toBe(0);
    const pub1 = (await box.cli(['pubkey', box.f('pq1.key')])).stdout.toString().trim();
    const pub2 = (await box.cli(['pubkey'], readFileSync(box.f('pq2.key')))).stdout.toString().trim();
    expect(key.stdout.toString()).toContain(`# public key: ${pub1}\n`);
    const sealed = await box.cli(['seal', '-a', '-r', pub1, '-r', pub2, '-o', box.f('pq.txt'), box.f('data.bin')]);
    expect(sealed.code).toBe(0);
    for (const name of ['pq1', 'pq2']) {
      const opened = await box.cli(['open', '-i', box.f(`${name}.key`), '-o', box.f(`${name}.out`), box.f('pq.txt')]);
      expect(opened.code).toBe(0);
      expect(readFileSync(box.f(`${name}.out`)).equals(data)).toBe(true);
    }
  });
});

describe('progress', () => {
  test('counts bytes written, not read: armored output is 4/3 of the input', async () => {
    const run = await box.cli(['seal', '-a', '--progress', '-r', bob, '-o', box.f('prog.txt'), box.f('data.bin')]);
    expect(run.code).toBe(0);
    const written = readFileSync(box.f('prog.txt')).length;
    const last = run.stderr.trim().split('\r').pop() as string;
    expect(last).toBe(`sealed ${(written / 1048576).toFixed(1)} MiB written`);
    expect((written / 1048576).toFixed(1)).not.toBe((data.length / 1048576).toFixed(1));
    const opened = await box.cli(['open', '--progress', '-i', box.f('bob.key'), '-o', box.f('prog.out'), box.f('prog.txt')]);
    expect(opened.stderr.trim().split('\r').pop()).toBe(`opened ${(data.length / 1048576).toFixed(1)} MiB written`);
  });
});
