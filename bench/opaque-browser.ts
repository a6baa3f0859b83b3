/**
 * OPAQUE in Chromium (issue 20): a page with our build and
 * `@serenity-kit/opaque`'s browser build side by side (browser-page.ts),
 * both profiles, paired per round: each round gives each route a turn (one
 * call at the default profile, three at the floor, their median), in
 * alternating order, each turn starting on a collected heap as in the Node
 * section; the ratio is the median of the rounds' ratios. Then our Argon2id
 * alone against hash-wasm's and against our other WebAssembly build (the one
 * `argon2id()` does not pick for that profile), the same way.
 *
 * The page is served from 127.0.0.1 under the CSP docs/browser.md
 * recommends (`script-src 'self' 'wasm-unsafe-eval'`, no `unsafe-eval`),
 * with what the Argon2id lane threads need: cross-origin isolation (COOP
 * and COEP) and `worker-src 'self' blob:`. Our login is also timed with its
 * lanes on one thread, as a page without those headers runs it. Debian's Chromium
 * (`/usr/bin/chromium`, or `ZEROVAULT_CHROMIUM`); without it the section
 * says so and measures nothing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { BrowserBench, BrowserRoute } from './browser-page.js';
import { fixed, median, type Table } from './measure.js';
import { PROFILES } from './opaque-flows.js';
import type { RunSettings } from './options.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.ZEROVAULT_CHROMIUM ?? '/usr/bin/chromium';
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'";
/** Cross-origin isolation: what gives the page SharedArrayBuffer, and so the Argon2id lanes their threads. */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } as const;
const PAIRS: readonly (readonly [BrowserRoute, BrowserRoute])[] = [
  ['ours login', 'serenity login'],
  ['ours login, lanes on one thread', 'serenity login'],
  ['ours Argon2id', 'hash-wasm Argon2id'],
  ['ours Argon2id', 'ours Argon2id, one thread'],
  ['ours Argon2id', 'ours Argon2id, other build'],
];

/** How each compared route is shown. */
const OTHER: Partial<Record<BrowserRoute, string>> = {
  'serenity login': '@serenity-kit/opaque',
  'ours Argon2id, one thread': 'zerovault wasm (SIMD, one thread)',
  'hash-wasm Argon2id': 'hash-wasm 4.13.0 (before)',
};

async function pageBundle(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(ROOT, 'bench/browser-page.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output');
  return file.text;
}

/** Runs the Chromium section and returns its table. */
export async function opaqueBrowserSection(s: RunSettings): Promise<Table> {
  const header = ['op', 'KSF', 'implementation', 'median ms', 'best ms', 'ours / theirs (time)', 'target'];
  const title = 'OPAQUE in Chromium (issue 20): client + server in one page, ristretto255-SHA512';
  if (!existsSync(CHROMIUM)) return { title, header, rows: [], numeric: [], notes: [`${CHROMIUM} not found: nothing measured.`] };
  const code = await pageBundle();
  const server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': CSP, ...ISOLATION }).end('<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profileDir = mkdtempSync(join(tmpdir(), 'zerovault-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--js-flags=--expose-gc'],
  });
  const rows: string[][] = [];
  let version = '';
  let implementation = '';
  try {
    version = context.browser()?.version() ?? '';
    const page = await context.newPage();
    await page.goto(origin);
    await page.waitForFunction(() => 'zerovaultBench' in globalThis);
    implementation = await page.evaluate(() => (globalThis as unknown as { zerovaultBench: BrowserBench }).zerovaultBench.implementation());
    for (let i = 0; i < PROFILES.length; i++) {
      if (PROFILES[i]?.ours === undefined) continue;
      const label = await page.evaluate((n) => (globalThis as unknown as { zerovaultBench: BrowserBench }).zerovaultBench.prepare(n), i);
      // The floor profile is fast: three calls per route and round, their median; the default one call.
      const calls = i === 0 ? 1 : 3;
      for (const pair of PAIRS) {
        // With one lane, "one thread" is what the default route runs anyway.
        if (PROFILES[i]?.ours?.parallelism === 1 && (pair[0].includes('one thread') || pair[1].includes('one thread'))) continue;
        const times: [number[], number[]] = [[], []];
        const timeOnce = (route: BrowserRoute, collect: boolean): Promise<number> =>
          page.evaluate(([n, r, c]) => (globalThis as unknown as { zerovaultBench: BrowserBench }).zerovaultBench.time(n, r, c), [i, route, collect] as const);
        for (const route of pair) await timeOnce(route, true); // warm-up: compiles the WASM, grows the memory
        for (let round = 0; round < s.rounds; round++) {
          // Each route's turn: a collected heap, then `calls` calls; the turn's median counts.
          for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
            const turn: number[] = [];
            for (let c = 0; c < calls; c++) turn.push(await timeOnce(pair[k as 0 | 1], c === 0));
            times[k as 0 | 1].push(median(turn));
          }
        }
        const ratio = median(times[0].map((ms, r) => ms / (times[1][r] as number)));
        const goal = pair[0] === 'ours login' ? (i === 0 ? 1.0 : 1.2) : undefined;
        const op = pair[0].startsWith('ours login') ? 'login' : 'Argon2id alone';
        rows.push(
          [op, label, pair[0] === 'ours login, lanes on one thread' ? 'zerovault, lanes on one thread' : 'zerovault', fixed(median(times[0]), 1), fixed(Math.min(...times[0]), 1), `${fixed(ratio, 2)}×`, goal === undefined ? '' : `≤ ${fixed(goal, 1)}×: ${ratio <= goal ? 'ok' : 'MISS'}`],
          [op, label, pair[1] === 'ours Argon2id, other build' ? `zerovault wasm (${i === 0 ? 'scalar' : 'SIMD'} build, one thread)` : (OTHER[pair[1]] ?? pair[1]), fixed(median(times[1]), 1), fixed(Math.min(...times[1]), 1), '', ''],
        );
      }
    }
    // The protocol without the KSF (RFC 9807's identity stretch), ours only: what a login costs beyond Argon2id.
    const protocol: number[] = [];
    for (let round = 0; round < s.rounds * 3; round++) {
      protocol.push(await page.evaluate((first) => (globalThis as unknown as { zerovaultBench: BrowserBench }).zerovaultBench.time(1, 'ours protocol only', first), round % 3 === 0));
    }
    rows.push(['login', 'none (identity: protocol only)', 'zerovault', fixed(median(protocol), 1), fixed(Math.min(...protocol), 1), '', '']);
  } finally {
    await context.close().catch(() => {});
    rmSync(profileDir, { recursive: true, force: true });
    server.closeAllConnections();
    server.close();
  }
  return {
    title,
    header,
    rows,
    numeric: [3, 4, 5],
    groupBy: [1, 0],
    notes: [
      '',
      `Chromium ${version}, headless; our Argon2id ran as "${implementation}". ${s.rounds} rounds, alternating which route goes first;`,
      "default profile one call per route and round, floor profile the median of three. Each route's turn starts on a",
      'collected heap, as in the Node section. Times are taken in the page (performance.now). The page is cross-origin',
      'isolated, so our lanes run on threads at p > 1; the "lanes on one thread" row is what a page without isolation gets.',
    ],
  };
}
