/**
 * The `zerovault` CLI as a user runs it: keygen, pubkey, seal, open, with
 * files and pipes; failures exit non-zero and leave no partial output.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sandbox, type CliSandbox } from './run.js';

let box: CliSandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(() => box.dispose());
const f = (name: string): string => box.f(name);
const cli = (args: string[], input?: Buffer) => box.cli(args, input);
const dir = (): string => dirname(f('x'));

describe('zerovault CLI', () => {
  test('keygen, pubkey, seal and open a file round-trip; output files are atomic', async () => {
    expect((await cli(['keygen', '-o', f('alice.key')])).code).toBe(0);
    const keyText = readFileSync(f('alice.key'), 'utf8');
    const pub = (await cli(['pubkey', f('alice.key')])).stdout.toString().trim();
    expect(pub).toMatch(/^zvpk1/);
    expect(keyText).toContain(`# public key: ${pub}`);
    const data = randomBytes(300_000);
    writeFileSync(f('plain.bin'), data);
    const sealed = await cli(['seal', '-r', pub, '-o', f('blob.zv'), '--progress', f('plain.bin')]);
    expect(sealed.code).toBe(0);
    expect(sealed.stderr).toContain('MiB');
    const opened = await cli(['open', '-i', f('alice.key'), '-o', f('back.bin'), f('blob.zv')]);
    expect(opened.code).toBe(0);
    expect(readFileSync(f('back.bin')).equals(data)).toBe(true);
    expect(readdirSync(dir()).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  test('pipes work: seal from stdin to stdout and back', async () => {
    const key = (await cli(['keygen'])).stdout;
    writeFileSync(f('pipe.key'), key);
    const pub = (await cli(['pubkey', f('pipe.key')])).stdout.toString().trim();
    const sealed = await cli(['seal', '-r', pub], Buffer.from('hello over a pipe'));
    expect(sealed.code).toBe(0);
    const opened = await cli(['open', '-i', f('pipe.key')], sealed.stdout);
    expect(opened.stdout.toString()).toBe('hello over a pipe');
  });

  test('wrong key or a truncated blob fails with a code and leaves no output file', async () => {
    await cli(['keygen', '-o', f('bob.key')]);
    await cli(['keygen', '-o', f('eve.key')]);
    const bob = (await cli(['pubkey', f('bob.key')])).stdout.toString().trim();
    writeFileSync(f('secret.txt'), randomBytes(200_000));
    await cli(['seal', '-r', bob, '-o', f('for-bob.zv'), f('secret.txt')]);
    const wrong = await cli(['open', '-i', f('eve.key'), '-o', f('stolen.txt'), f('for-bob.zv')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/DECRYPT_FAILED/);
    expect(existsSync(f('stolen.txt'))).toBe(false);
    const blob = readFileSync(f('for-bob.zv'));
    writeFileSync(f('cut.zv'), blob.subarray(0, blob.length - 100_000));
    const cut = await cli(['open', '-i', f('bob.key'), '-o', f('partial.txt'), f('cut.zv')]);
    expect(cut.code).toBe(1);
    expect(existsSync(f('partial.txt'))).toBe(false);
    expect(readdirSync(dir()).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  test('a sender-authenticated blob opens only with the sender named by --sender-public-key; --from is gone', async () => {
    for (const name of ['sender', 'reader', 'mallory']) expect((await cli(['keygen', '-o', f(`${name}.key`)])).code).toBe(0);
    const pub = async (name: string): Promise<string> => (await cli(['pubkey', f(`${name}.key`)])).stdout.toString().trim();
    const [sender, reader, mallory] = [await pub('sender'), await pub('reader'), await pub('mallory')];
    const sealed = await cli(['seal', '-r', reader, '--sender-secret-key', f('sender.key')], Buffer.from('from the sender'));
    expect(sealed.code).toBe(0);
    const opened = await cli(['open', '-i', f('reader.key'), '--sender-public-key', sender], sealed.stdout);
    expect(opened.code).toBe(0);
    expect(opened.stdout.toString()).toBe('from the sender');
    const impostor = await cli(['open', '-i', f('reader.key'), '--sender-public-key', mallory], sealed.stdout);
    expect(impostor.code).toBe(1);
    expect(impostor.stderr).toMatch(/DECRYPT_FAILED/);
    const unnamed = await cli(['open', '-i', f('reader.key')], sealed.stdout);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toMatch(/INVALID_INPUT/);
    // One flag used to mean a secret key file when sealing and a public key when opening.
    expect((await cli(['seal', '-r', reader, '--from', f('sender.key')], Buffer.from('x'))).code).toBe(2);
    expect((await cli(['open', '-i', f('reader.key'), '--from', sender], sealed.stdout)).code).toBe(2);
  });

  test('usage errors exit 2; a mistyped public key is rejected', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['seal'])).code).toBe(2);
    const typo = await cli(['seal', '-r', 'zvpk1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq'], Buffer.from('x'));
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/INVALID_INPUT/);
  });
});
