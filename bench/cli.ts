/**
 * `BENCH_ONLY=cli npm run bench`: the `zerovault` CLI against Go `age` on
 * the same files, as a user runs them (issue 19): wall time and peak RSS of
 * the whole process, seal and open, to a file (`-o`) and to stdout
 * (redirected to a file). `-o` makes zerovault fsync its output before the
 * rename, so age's `-o` runs are followed by a `sync` of age's output file:
 * both sides pay for durability.
 *
 * - `BENCH_CLI_GIB`: file size in GiB (default 1); `BENCH_CLI_4GIB=1` adds a
 *   4 GiB run (minutes, so not by default);
 * - `BENCH_CLI_ROUNDS`: rounds, zerovault and age taking turns (default 5: this VM's page allocation adds seconds of system time to a random run);
 *   medians over rounds.
 *
 * Targets: zerovault ≥ 0.7× age's speed (age time / zerovault time) for each
 * case; zerovault's peak RSS at most 64 MiB above the same command on 1 KiB.
 * age comes from `apt-get install age` when it is missing; without it the
 * section says so loudly and measures zerovault alone.
 *
 * The CLI runs as the package's `bin` does: bundled (esbuild, Node
 * conditions), plain `node`, no TypeScript loader.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCli } from '../scripts/bundle-cli.js';
import { fixed, type Table } from './measure.js';
import type { RunSettings } from './options.js';

const GIB = 1024 ** 3;
const SPEED_TARGET = 0.7;
const RSS_LIMIT_MIB = 64;
const TIME = '/usr/bin/time';

interface Sample {
  readonly seconds: number;
  readonly rssMiB: number;
}

/**
 * Runs `sh -c command`, stdout to `/dev/null`, returning wall time and peak
 * RSS (GNU time). A `sync` first, untimed: the previous run's dirty pages
 * are on disk before this one starts, so no run pays for another's
 * writeback (without it, one case's time varied 3× between runs).
 */
function run(command: string, cwd: string): Promise<Sample> {
  execFileSync('sync');
  return new Promise((done, fail) => {
    const child = spawn(TIME, ['-f', '%e %M', 'sh', '-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (err += t));
    child.on('error', fail);
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      const [seconds, kib] = last.split(' ').map(Number);
      if (code !== 0 || seconds === undefined || kib === undefined || Number.isNaN(seconds)) {
        fail(new Error(`"${command}" failed (${String(code)}): ${err.trim()}`));
        return;
      }
      done({ seconds, rssMiB: kib / 1024 });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `age` on PATH, installing it with apt-get when missing; undefined when it cannot be had. */
function ensureAge(): string | undefined {
  const which = (name: string): string | undefined => {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  if (which('age') !== undefined && which('age-keygen') !== undefined) return which('age');
  try {
    execFileSync('sh', ['-c', 'apt-get install -y age >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y age >/dev/null 2>&1)'], { stdio: 'ignore' });
  } catch {
    // Reported below.
  }
  return which('age');
}

function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const buffer = Buffer.allocUnsafe(16 << 20);
  try {
    for (let written = 0; written < bytes; ) {
      const n = Math.min(buffer.length, bytes - written);
      randomFillSync(buffer, 0, n);
      written += writeSync(fd, buffer, 0, n);
    }
  } finally {
    closeSync(fd);
  }
}

interface Case {
  readonly op: string;
  readonly zv: string;
  readonly age: string | undefined;
  /** The files each side writes: removed (untimed) before each run. */
  readonly outputs: { readonly zv: string; readonly age: string };
}

function cases(bin: string, input: string, withAge: boolean): Case[] {
  const zv = `node ${bin}`;
  return [
    { op: 'seal -o', zv: `${zv} seal -r "$(cat zv.pub)" -o out.zv ${input}`, age: withAge ? `age -r "$(cat age.pub)" -o out.age ${input} && sync out.age` : undefined, outputs: { zv: 'out.zv', age: 'out.age' } },
    { op: 'seal > file', zv: `${zv} seal -r "$(cat zv.pub)" ${input} > out2.zv`, age: withAge ? `age -r "$(cat age.pub)" ${input} > out2.age` : undefined, outputs: { zv: 'out2.zv', age: 'out2.age' } },
    { op: 'open -o', zv: `${zv} open -i zv.key -o back.bin out.zv`, age: withAge ? 'age -d -i age.key -o back.age out.age && sync back.age' : undefined, outputs: { zv: 'back.bin', age: 'back.age' } },
    { op: 'open > file', zv: `${zv} open -i zv.key out.zv > back2.bin`, age: withAge ? 'age -d -i age.key out.age > back2.age' : undefined, outputs: { zv: 'back2.bin', age: 'back2.age' } },
  ];
}

/** Measures every case at `bytes`; rows of the table. */
async function sizeRows(dir: string, bin: string, bytes: number, rounds: number, withAge: boolean, baseline: ReadonlyMap<string, number>): Promise<string[][]> {
  const input = `in-${bytes}.bin`;
  writeRandomFile(join(dir, input), bytes);
  const rows: string[][] = [];
  try {
    for (const c of cases(bin, input, withAge)) {
      const zv: Sample[] = [];
      const age: Sample[] = [];
      for (let r = 0; r < rounds; r++) {
        // Turns alternate who goes first: page cache and load favor neither.
        const order = r % 2 === 0 ? (['zv', 'age'] as const) : (['age', 'zv'] as const);
        for (const who of order) {
          // Each run writes a new file: replacing the last round's 1 GiB output made whoever
          // replaced it pay for freeing it (2.8 s of system time in some zerovault -o runs on
          // this VM, where -o keeps the old file until the rename and age truncates it first).
          rmSync(join(dir, c.outputs[who]), { force: true });
          if (who === 'zv') zv.push(await run(c.zv, dir));
          else if (c.age !== undefined) age.push(await run(c.age, dir));
        }
      }
      const zvTime = median(zv.map((x) => x.seconds));
      const zvRss = Math.max(...zv.map((x) => x.rssMiB));
      const above = zvRss - (baseline.get(c.op) ?? 0);
      const ageTime = age.length > 0 ? median(age.map((x) => x.seconds)) : Number.NaN;
      const speed = ageTime / zvTime;
      rows.push([
        c.op,
        `${fixed(bytes / GIB, 0)} GiB`,
        fixed(zvTime, 2),
        fixed(zvRss, 0),
        `${fixed(above, 0)} (${above <= RSS_LIMIT_MIB ? 'ok' : 'MISS'})`,
        Number.isNaN(ageTime) ? '—' : fixed(ageTime, 2),
        age.length > 0 ? fixed(Math.max(...age.map((x) => x.rssMiB)), 0) : '—',
        Number.isNaN(speed) ? '—' : `${fixed(speed, 2)}× (${speed >= SPEED_TARGET ? 'ok' : 'MISS'})`,
      ]);
    }
  } finally {
    for (const name of [input, 'out.zv', 'out2.zv', 'out.age', 'out2.age', 'back.bin', 'back2.bin', 'back.age', 'back2.age']) rmSync(join(dir, name), { force: true });
  }
  return rows;
}

/** Runs the cli section and returns its table. */
export async function cliSection(_s: RunSettings): Promise<Table> {
  const gib = Number(process.env.BENCH_CLI_GIB ?? '1');
  const rounds = Number(process.env.BENCH_CLI_ROUNDS ?? '5');
  if (!(gib > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error('BENCH_CLI_GIB must be > 0 and BENCH_CLI_ROUNDS an integer ≥ 1');
  const notes: string[] = [''];
  if (!existsSync(TIME)) {
    return { title: 'CLI vs age (issue 19)', header: ['note'], rows: [['SKIPPED: GNU time (/usr/bin/time) is needed for peak RSS']], numeric: [] };
  }
  const agePath = ensureAge();
  if (agePath === undefined) {
    notes.push('!!! age is not installed and `apt-get install age` failed: zerovault measured ALONE, no comparison !!!');
    console.warn('\n!!! bench cli: age unavailable (apt-get install age failed); measuring zerovault alone\n');
  }
  const dir = mkdtempSync(join(tmpdir(), 'zv-bench-cli-'));
  try {
    const bin = join(dir, 'zerovault.mjs');
    await bundleCli(bin);
    execFileSync('sh', ['-c', `node ${bin} keygen -o zv.key 2>/dev/null && node ${bin} pubkey zv.key > zv.pub`], { cwd: dir });
    if (agePath !== undefined) execFileSync('sh', ['-c', 'age-keygen -o age.key 2>/dev/null && age-keygen -y age.key > age.pub'], { cwd: dir });
    // The 1 KiB baseline of each command: the memory target is "at most 64 MiB above it".
    const baseline = new Map<string, number>();
    writeRandomFile(join(dir, 'in-small.bin'), 1024);
    for (const c of cases(bin, 'in-small.bin', false)) {
      const samples = [];
      for (let r = 0; r < rounds; r++) samples.push((await run(c.zv, dir)).rssMiB);
      baseline.set(c.op, Math.max(...samples));
    }
    const rows: string[][] = [];
    const sizes = [gib * GIB, ...(process.env.BENCH_CLI_4GIB === '1' && gib !== 4 ? [4 * GIB] : [])];
    for (const bytes of sizes) rows.push(...(await sizeRows(dir, bin, bytes, rounds, agePath !== undefined, baseline)));
    notes.push(
      `Medians over ${rounds} rounds (zerovault and age alternate); RSS: the highest peak over rounds. 1 KiB baselines (MiB): ` +
        [...baseline.entries()].map(([op, mib]) => `${op} ${fixed(mib, 0)}`).join(', ') + '.',
      `Targets: zerovault ≥ ${SPEED_TARGET}× age's speed (age s / zerovault s); peak RSS ≤ ${RSS_LIMIT_MIB} MiB above the 1 KiB run.`,
      'age -o rows include `sync` of the output file (zerovault -o fsyncs before its rename).',
      `4 GiB: BENCH_CLI_4GIB=1 (or BENCH_CLI_GIB=4). Input: random bytes in ${tmpdir()}; the page cache holds it after the first round.`,
    );
    return {
      title: 'CLI vs age (issue 19): seal/open a file, wall time and peak RSS of the process',
      header: ['case', 'size', 'zerovault s', 'zv peak MiB', 'zv MiB above 1 KiB', 'age s', 'age peak MiB', 'zv speed / age (≥ 0.7)'],
      rows,
      numeric: [2, 3, 5, 6],
      groupBy: [1],
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
