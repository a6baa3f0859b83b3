/**
 * `npm run bench`: AES-256-GCM seal/open at five sizes through our `aead`
 * against the raw routes, then HKDF-SHA-256. Prints one table with ops/s and
 * MB/s (from the median call, best of several rounds: see options.ts) and,
 * for our rows, the ratio to the fastest raw route and whether it
 * meets the target (≥ 0.9× from 64 KiB up, ≥ 0.8× at 1 KiB; none at 64 B,
 * where a promise and a random nonce are a visible share of the work).
 *
 * A benchmark, not a test: it fails only when the routes disagree on bytes.
 */
import { gcmCases } from './aes-gcm.js';
import { hkdfRoutes } from './hkdf.js';
import { measure, type Measured } from './measure.js';
import { settings } from './options.js';

const SIZES = [64, 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];

function label(size: number): string {
  if (size >= 1024 * 1024) return `${size / (1024 * 1024)} MiB`;
  if (size >= 1024) return `${size / 1024} KiB`;
  return `${size} B`;
}

function target(size: number): number | undefined {
  if (size >= 64 * 1024) return 0.9;
  if (size >= 1024) return 0.8;
  return undefined;
}

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

type Row = readonly [string, string, string, string, string, string, string];

function rows(op: string, size: number | undefined, measured: readonly Measured[]): Row[] {
  const fastestRaw = Math.max(...measured.filter((m) => !m.ours && !m.reference).map((m) => m.opsPerSecond));
  const goal = size === undefined ? undefined : target(size);
  return measured.map((m) => {
    const ratio = m.opsPerSecond / fastestRaw;
    const verdict = !m.ours ? '' : goal === undefined ? `${fixed(ratio, 2)}×` : `${fixed(ratio, 2)}× ${ratio >= goal ? 'ok' : `MISS (<${goal})`}`;
    const mbps = size === undefined ? '' : fixed((m.opsPerSecond * size) / 1e6, 1);
    return [op, size === undefined ? '32 B out' : label(size), m.name, fixed(m.opsPerSecond, 0), mbps, fixed(m.meanMs * 1000, 1), verdict];
  });
}

function print(table: readonly Row[]): void {
  const header: Row = ['op', 'size', 'route', 'ops/s', 'MB/s', 'median µs', 'ours / fastest raw'];
  const all = [header, ...table];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] as string).length)));
  const right = new Set([3, 4, 5]);
  const line = (r: Row): string =>
    r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let previous = '';
  for (const r of table) {
    const group = `${r[0]} ${r[1]}`;
    if (previous !== '' && group !== previous) console.log('');
    previous = group;
    console.log(line(r));
  }
}

async function main(): Promise<void> {
  const s = settings();
  const started = performance.now();
  console.log(
    `zerovault bench: node ${process.version}, ${process.platform}/${process.arch}; ` +
      `best of ${s.rounds} rounds (BENCH_ROUNDS) of ${s.timeMs} ms per case (BENCH_TIME_MS), ` +
      `at least ${s.minIterations} samples each (BENCH_MIN_ITERATIONS)\n`,
  );
  const table: Row[] = [];
  for (const size of SIZES) {
    for (const c of await gcmCases(size)) {
      table.push(...rows(`AES-256-GCM ${c.op}`, size, await measure(c.routes, s)));
    }
  }
  table.push(...rows('HKDF-SHA-256', undefined, await measure(await hkdfRoutes(), s)));
  print(table);
  console.log(`\ndone in ${fixed((performance.now() - started) / 1000, 1)} s`);
}

await main();
