/**
 * `npm run bench`: every table, one section at a time (`BENCH_ONLY` picks
 * some; see options.ts for every setting):
 * - `aead`: AES-256-GCM seal/open at five sizes through our `aead` against
 *   the raw routes (targets ≥ 0.9× from 64 KiB up, ≥ 0.8× at 1 KiB; none at
 *   64 B, where a promise and a random nonce are a visible share of the
 *   work), then HKDF-SHA-256;
 * - `envelope`: sealed records vs one raw AES-GCM call (issue 3);
 * - `opaque`: registration and login vs `@serenity-kit/opaque` (issues 4
 *   and 20), and the Argon2id candidates alone;
 * - `opaque-browser`: login vs `@serenity-kit/opaque` in Chromium, one page
 *   with both builds (issue 20);
 * - `seal`: sealed blobs and streams vs raw AES-GCM and age, peak RSS
 *   while sealing 1 GiB (issue 7), and X25519 vs X-Wing recipients (issue 19);
 * - `cli`: the `zerovault` CLI vs Go `age`, time and peak RSS, 1 GiB (issue 19);
 * - `documents`: a 5-field document's encrypt, decrypt and index tokens vs
 *   one raw AES-GCM call (or HMAC) per field (issue 16).
 *
 * Numbers are medians over interleaved rounds (measure.ts). A benchmark, not
 * a test: it fails only when routes disagree on bytes.
 */
import { availableParallelism, loadavg } from 'node:os';
import { gcmCases } from './aes-gcm.js';
import { documentsSection } from './documents.js';
import { envelopeSection } from './envelope.js';
import { hkdfRoutes } from './hkdf.js';
import { fixed, measure, pairedRatio, printTable, rawRoutes, sizeLabel, verdict, type Table } from './measure.js';
import { opaqueBrowserSection } from './opaque-browser.js';
import { opaqueSection } from './opaque.js';
import { settings, type RunSettings, type Section } from './options.js';
import { sealSection } from './seal.js';
import { cliSection } from './cli.js';

const SIZES = [64, 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];

/** The 1-minute load average and the core count: on a shared machine, read every number against it. */
function load(): string {
  return `load ${fixed(loadavg()[0] ?? 0, 1)} on ${availableParallelism()} cores`;
}

function aeadTarget(size: number): number | undefined {
  if (size >= 64 * 1024) return 0.9;
  if (size >= 1024) return 0.8;
  return undefined;
}

async function aeadSection(s: RunSettings): Promise<Table> {
  const rows: string[][] = [];
  for (const size of SIZES) {
    for (const c of await gcmCases(size)) {
      const measured = await measure(c.routes, s);
      const raw = rawRoutes(measured);
      for (const m of measured) {
        rows.push([
          `AES-256-GCM ${c.op}`,
          sizeLabel(size),
          m.name,
          fixed(m.opsPerSecond, 0),
          fixed((m.opsPerSecond * size) / 1e6, 1),
          fixed(m.medianMs * 1000, 1),
          fixed(m.bestMs * 1000, 1),
          m.ours ? verdict(pairedRatio(m, raw), aeadTarget(size)) : '',
        ]);
      }
    }
  }
  const hkdf = await measure(await hkdfRoutes(), s);
  const hkdfRaw = rawRoutes(hkdf);
  for (const m of hkdf) {
    rows.push([
      'HKDF-SHA-256',
      '32 B out',
      m.name,
      fixed(m.opsPerSecond, 0),
      '',
      fixed(m.medianMs * 1000, 1),
      fixed(m.bestMs * 1000, 1),
      m.ours ? `${fixed(pairedRatio(m, hkdfRaw), 2)}×` : '',
    ]);
  }
  return {
    title: 'AEAD: AES-256-GCM through our aead vs the raw routes; HKDF-SHA-256',
    header: ['op', 'size', 'route', 'ops/s', 'MB/s', 'median µs', 'best µs', 'ours / fastest raw (target)'],
    rows,
    numeric: [3, 4, 5, 6],
    groupBy: [0, 1],
    notes: ['', 'Targets: ≥ 0.9× from 64 KiB up, ≥ 0.8× at 1 KiB, none at 64 B. @noble/ciphers is left out at 16 MiB (~0.5 s a call).'],
  };
}

const RUNNERS: Readonly<Record<Section, (s: RunSettings) => Promise<Table>>> = {
  aead: aeadSection,
  envelope: envelopeSection,
  documents: documentsSection,
  opaque: opaqueSection,
  'opaque-browser': opaqueBrowserSection,
  seal: sealSection,
  cli: cliSection,
};

async function main(): Promise<void> {
  const s = settings();
  const started = performance.now();
  console.log(
    `zerovault bench: node ${process.version}, ${process.platform}/${process.arch}; ` +
      `sections ${s.sections.join(', ')} (BENCH_ONLY); ${s.rounds} interleaved rounds (BENCH_ROUNDS) of ${s.timeMs} ms ` +
      `per case (BENCH_TIME_MS), at least ${s.minIterations} samples each (BENCH_MIN_ITERATIONS); medians over rounds; ${load()}`,
  );
  for (const section of s.sections) {
    const begun = performance.now();
    printTable(await RUNNERS[section](s));
    console.log(`(${section}: ${fixed((performance.now() - begun) / 1000, 1)} s; ${load()})`);
  }
  console.log(`\ndone in ${fixed((performance.now() - started) / 1000, 1)} s`);
}

await main();
