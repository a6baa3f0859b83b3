/**
 * Every failure of the CLI, run as a subprocess: the exit status, a message
 * a person can act on (never the runtime's), nothing on stdout before the
 * header is known to be good, no binary on a terminal, and no output file
 * (or temporary file) left behind.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SEALED_CHUNK_SIZE, headerLength } from '../../src/seal/format.js';
import { sandbox, type CliSandbox } from './run.js';

let box: CliSandbox;
let bob: string;
let eve: string;
let blob: Buffer;
const data = randomBytes(3 * 65536 + 1000);

beforeAll(async () => {
  box = await sandbox();
  for (const name of ['bob', 'eve']) expect((await box.cli(['keygen', '-o', box.f(`${name}.key`)])).code).toBe(0);
  bob = (await box.cli(['pubkey', box.f('bob.key')])).stdout.toString().trim();
  eve = (await box.cli(['pubkey', box.f('eve.key')])).stdout.toString().trim();
  writeFileSync(box.f('data.bin'), data);
  expect((await box.cli(['seal', '-r', bob, '-o', box.f('blob.zv'), box.f('data.bin')])).code).toBe(0);
  blob = readFileSync(box.f('blob.zv'));
});
afterAll(() => box.dispose());

/** No output file and no temporary file in the sandbox. */
function expectNoOutput(name: string): void {
  expect(existsSync(box.f(name))).toBe(false);
  expect(readdirSync(dirname(box.f(name))).filter((n) => n.endsWith('.partial'))).toEqual([]);
}

/** Runs the CLI with its stdout on a pseudo-terminal (`script`), stdin from `input` (a file path). */
function onTerminal(args: readonly string[], input: string): Promise<{ code: number; output: string }> {
  const quoted = [process.execPath, box.bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((done) => {
    execFile('script', ['-qec', `${quoted} < '${input}'`, '/dev/null'], { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout.toString('latin1') });
    });
  });
}

describe('usage', () => {
  test('bare zerovault exits 2 with the usage, as an unknown command does', async () => {
    for (const args of [[], ['frobnicate']]) {
      const run = await box.cli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('usage:');
      expect(run.stdout.length).toBe(0);
    }
    const help = await box.cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toContain('usage:');
  });

  test('-p with -r, and X25519 with X-Wing recipients, are usage errors', async () => {
    expect((await box.cli(['seal', '-p', '-r', bob], 'x')).code).toBe(2);
    expect((await box.cli(['keygen', '--pq', '-o', box.f('pq-usage.key')])).code).toBe(0);
    const pq = (await box.cli(['pubkey', box.f('pq-usage.key')])).stdout.toString().trim();
    const mixed = await box.cli(['seal', '-r', bob, '-r', pq], 'x');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/cannot share a file/);
  });
});

describe('opening fails with a message a person can act on', () => {
  test('a key the file is not sealed to: no identity matched', async () => {
    const run = await box.cli(['open', '-i', box.f('eve.key'), '-o', box.f('stolen.bin'), box.f('blob.zv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no identity matched any of the recipients/);
    expect(run.stderr).toMatch(/DECRYPT_FAILED/);
    expectNoOutput('stolen.bin');
  });

  test('a file cut at a chunk boundary, inside a chunk, inside the header: truncated', async () => {
    const header = headerLength(1);
    const cuts = {
      boundary: blob.subarray(0, header + 2 * SEALED_CHUNK_SIZE),
      chunk: blob.subarray(0, blob.length - 500),
      header: blob.subarray(0, header - 5),
      prelude: blob.subarray(0, 6),
    };
    for (const [name, bytes] of Object.entries(cuts)) {
      writeFileSync(box.f(`cut-${name}.zv`), bytes);
      const run = await box.cli(['open', '-i', box.f('bob.key'), '-o', box.f(`cut-${name}.out`), box.f(`cut-${name}.zv`)]);
      expect(run.code, name).toBe(1);
      expect(run.stderr, name).toMatch(name === 'chunk' ? /corrupted or cut short/ : /truncated/);
      expectNoOutput(`cut-${name}.out`);
    }
  });

  test('a changed byte in the header or the payload', async () => {
    const header = Buffer.from(blob);
    header[20] = (header[20] as number) ^ 1;
    writeFileSync(box.f('flip-header.zv'), header);
    const h = await box.cli(['open', '-i', box.f('bob.key'), box.f('flip-header.zv')]);
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/no identity matched/);
    const mac = Buffer.from(blob);
    mac[headerLength(1) - 1] = (mac[headerLength(1) - 1] as number) ^ 1;
    writeFileSync(box.f('flip-mac.zv'), mac);
    const m = await box.cli(['open', '-i', box.f('bob.key'), box.f('flip-mac.zv')]);
    expect(m.stderr).toMatch(/header does not authenticate/);
    const payload = Buffer.from(blob);
    payload[blob.length - 3] = (payload[blob.length - 3] as number) ^ 1;
    writeFileSync(box.f('flip-payload.zv'), payload);
    const p = await box.cli(['open', '-i', box.f('bob.key'), '-o', box.f('flip.out'), box.f('flip-payload.zv')]);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/corrupted/);
    expectNoOutput('flip.out');
  });

  test('--aad other than at sealing: the header does not authenticate', async () => {
    const run = await box.cli(['open', '-i', box.f('bob.key'), '--aad', 'other', box.f('blob.zv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--aad differs/);
  });

  test('not a sealed file; a newer suite', async () => {
    writeFileSync(box.f('text.txt'), 'just some text, not a blob at all\n');
    const run = await box.cli(['open', '-i', box.f('bob.key'), box.f('text.txt')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not a zerovault sealed file/);
    const newer = Buffer.from(blob);
    newer[6] = 9;
    writeFileSync(box.f('newer.zv'), newer);
    expect((await box.cli(['open', '-i', box.f('bob.key'), box.f('newer.zv')])).stderr).toMatch(/newer release/);
  });

  test('unreadable or wrong key files', async () => {
    const missing = await box.cli(['open', '-i', box.f('nope.key'), box.f('blob.zv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read key file .*nope\.key: no such file/);
    mkdirSync(box.f('dir.key'), { recursive: true });
    expect((await box.cli(['open', '-i', box.f('dir.key'), box.f('blob.zv')])).stderr).toMatch(/cannot read key file .*: it is a directory/);
    writeFileSync(box.f('empty.key'), '# only a comment\n');
    expect((await box.cli(['open', '-i', box.f('empty.key'), box.f('blob.zv')])).stderr).toMatch(/holds no secret key/);
    writeFileSync(box.f('public.key'), `${bob}\n`);
    expect((await box.cli(['open', '-i', box.f('public.key'), box.f('blob.zv')])).stderr).toMatch(/not a secret key/);
    const text = readFileSync(box.f('bob.key'), 'utf8');
    const damaged = text.replace(/(zvsk1\S{10})(\S)/, (_m, a: string, c: string) => a + (c === 'q' ? 'p' : 'q'));
    writeFileSync(box.f('damaged.key'), damaged);
    const run = await box.cli(['open', '-i', box.f('damaged.key'), box.f('blob.zv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/mistyped or damaged/);
    expect(run.stderr).not.toContain(damaged.trim().split('\n').pop() as string);
  });

  test('a file sealed to keys, opened without -i; a passphrase file opened with -i', async () => {
    expect((await box.cli(['open', box.f('blob.zv')])).code).toBe(2);
    writeFileSync(box.f('pass.txt'), 'correct horse battery staple\n');
    expect((await box.cli(['seal', '--passphrase-file', box.f('pass.txt'), '-o', box.f('pass.zv')], 'secret')).code).toBe(0);
    const run = await box.cli(['open', '-i', box.f('bob.key'), box.f('pass.zv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sealed with a passphrase/);
    writeFileSync(box.f('wrong.txt'), 'wrong horse\n');
    const wrong = await box.cli(['open', '--passphrase-file', box.f('wrong.txt'), '-o', box.f('pass.out'), box.f('pass.zv')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/incorrect passphrase/);
    expectNoOutput('pass.out');
  });

  test('an X-Wing file opened with an X25519 key, and the other way round', async () => {
    expect((await box.cli(['keygen', '--pq', '-o', box.f('pq.key')])).code).toBe(0);
    const pq = (await box.cli(['pubkey', box.f('pq.key')])).stdout.toString().trim();
    expect((await box.cli(['seal', '-r', pq, '-o', box.f('pq.zv')], 'post-quantum')).code).toBe(0);
    const run = await box.cli(['open', '-i', box.f('bob.key'), box.f('pq.zv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no identity matched .*X-Wing/);
    expect((await box.cli(['open', '-i', box.f('pq.key'), box.f('blob.zv')])).stderr).toMatch(/no identity matched .*X25519/);
  });
});

describe('armor errors', () => {
  test('every kind of damaged armor is named, with its line', async () => {
    expect((await box.cli(['seal', '-a', '-r', bob, '-o', box.f('blob.txt'), box.f('data.bin')])).code).toBe(0);
    const armored = readFileSync(box.f('blob.txt'), 'utf8');
    const lines = armored.split('\n');
    const cases: Record<string, string> = {
      'no end line': lines.slice(0, -2).join('\n') + '\n',
      'long line': armored.replace(/\n([A-Za-z0-9+/]{64})\n/, '\n$1A\n'),
      'short line in the middle': armored.replace(/\n([A-Za-z0-9+/]{64})\n/, '\n$1\nAAAA\n'),
      'bad character': armored.replace(/\n([A-Za-z0-9+/]{10})[A-Za-z0-9+/]/, '\n$1*'),
      'data after the end': `${armored}more\n`,
      'bad begin line': armored.replace('BEGIN ZEROVAULT', 'BEGIN ZEROVAULD'),
    };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(box.f('bad.txt'), text);
      const run = await box.cli(['open', '-i', box.f('bob.key'), '-o', box.f('bad.out'), box.f('bad.txt')]);
      expect(run.code, name).toBe(1);
      expect(run.stderr, name).toMatch(/invalid armor: .* \(line \d+\)|not a zerovault sealed file/);
      expectNoOutput('bad.out');
    }
  });
});

describe('sealing failures write nothing', () => {
  test('a missing input: empty stdout, no header', async () => {
    const run = await box.cli(['seal', '-r', bob, box.f('missing.bin')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read .*missing\.bin: no such file/);
    expect(run.stdout.length).toBe(0);
    const toFile = await box.cli(['seal', '-r', bob, '-o', box.f('never.zv'), box.f('missing.bin')]);
    expect(toFile.code).toBe(1);
    expectNoOutput('never.zv');
  });

  test('an unwritable output folder', async () => {
    const run = await box.cli(['seal', '-r', bob, '-o', box.f('no/such/dir/out.zv'), box.f('data.bin')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot write .*out\.zv: no such file/);
  });

  test('a mistyped recipient names the argument, not the text', async () => {
    const typo = `${bob.slice(0, -1)}${bob.endsWith('q') ? 'p' : 'q'}`;
    const run = await box.cli(['seal', '-r', eve, '-r', typo], 'x');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/recipient 2 \(-r\) is not a valid public key/);
    expect(run.stderr).not.toContain(typo);
  });
});

describe('terminals', () => {
  test('seal refuses to write binary to a terminal, writes nothing, and says why; armor and -o - are allowed', async () => {
    const refused = await onTerminal(['seal', '-r', bob], box.f('data.bin'));
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/refusing to write binary data to a terminal/);
    expect(refused.output).not.toContain('ZVSB');
    const armored = await onTerminal(['seal', '-a', '-r', bob], box.f('data.bin'));
    expect(armored.code).toBe(0);
    expect(armored.output).toContain('-----BEGIN ZEROVAULT SEALED BLOB-----');
    const forced = await onTerminal(['seal', '-r', bob, '-o', '-'], box.f('data.bin'));
    expect(forced.code).toBe(0);
    expect(forced.output).toContain('ZVSB');
  });

  test('open refuses binary plaintext on a terminal but prints text', async () => {
    const binary = await onTerminal(['open', '-i', box.f('bob.key')], box.f('blob.zv'));
    expect(binary.code).toBe(1);
    expect(binary.output).toMatch(/refusing to write binary plaintext to a terminal/);
    writeFileSync(box.f('hello.txt'), 'hello, terminal\n');
    expect((await box.cli(['seal', '-r', bob, '-o', box.f('hello.zv'), box.f('hello.txt')])).code).toBe(0);
    const text = await onTerminal(['open', '-i', box.f('bob.key')], box.f('hello.zv'));
    expect(text.code).toBe(0);
    expect(text.output).toContain('hello, terminal');
  });
});
