/**
 * Passkey login latency in Chromium (issue 15): a page with the SDK against
 * a zerovault server in this process (memory store), the DevTools-protocol
 * virtual authenticator (CTAP2, resident key, user verification, PRF) for
 * the passkey. Each round times, in alternating order, three logins, each
 * from the call to a session whose vault opened (the root key unwrapped,
 * the keyring opened, one record read), then logs out:
 *
 * - `password`: OPAQUE with Argon2id at the default profile (t=3, 64 MiB, p=4);
 * - `passkey`: `loginWithPasskey` with PRF: an assertion, an X25519 login,
 *   the passkey slot (HPKE) — no Argon2id;
 * - `password + passkey factor`: an account whose passkey is its second
 *   factor: OPAQUE, then an assertion at `/mfa`.
 *
 * The virtual authenticator answers at once, so the numbers leave out the
 * user's touch and a hardware authenticator's own time (tens to hundreds of
 * ms): they are what the SDK and server add. Run:
 * `node --import tsx bench/passkey-browser.ts` (`BENCH_ROUNDS`, default 7).
 * Debian's Chromium (`/usr/bin/chromium`, or `ZEROVAULT_CHROMIUM`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { createServer as createZeroVault, createServerSetup, memoryServerStore } from '../src/server/index-node.js';
import { fixed, median, printTable, type Table } from './measure.js';
import type { LoginKind, PasskeyBench } from './passkey-page.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.ZEROVAULT_CHROMIUM ?? '/usr/bin/chromium';
const KINDS: readonly LoginKind[] = ['password', 'passkey', 'password + passkey factor'];

async function pageBundle(): Promise<string> {
  const result = await build({ entryPoints: [resolve(ROOT, 'bench/passkey-page.ts')], absWorkingDir: ROOT, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output');
  return file.text;
}

/** Runs the section and returns its table. */
export async function passkeyBrowserSection(rounds: number): Promise<Table> {
  const title = 'Passkey login in Chromium (issue 15): to an open vault, default KSF profile';
  const header = ['login', 'median ms', 'best ms', 'vs password'];
  if (!existsSync(CHROMIUM)) return { title, header, rows: [], numeric: [], notes: [`${CHROMIUM} not found: nothing measured.`] };
  const code = await pageBundle();
  const api: { handler?: ReturnType<ReturnType<typeof createZeroVault>['node']> } = {};
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/zv/') && api.handler !== undefined) return api.handler(req, res);
    if (req.url === '/page.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  // WebAuthn takes a domain as RP id: the page runs on localhost.
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  api.handler = createZeroVault({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv', passkeys: { rpId: 'localhost', origins: [origin] } }).node();
  const profileDir = mkdtempSync(join(tmpdir(), 'zerovault-bench-passkey-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const times = new Map<LoginKind, number[]>(KINDS.map((k) => [k, []]));
  let version = '';
  try {
    version = context.browser()?.version() ?? '';
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true, automaticPresenceSimulation: true },
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => 'zerovaultPasskeyBench' in globalThis);
    const call = <K extends keyof PasskeyBench>(name: K, ...args: Parameters<PasskeyBench[K]>): ReturnType<PasskeyBench[K]> =>
      page.evaluate(({ n, a }) => {
        const bench = (globalThis as unknown as { zerovaultPasskeyBench: Record<string, (...x: unknown[]) => Promise<unknown>> }).zerovaultPasskeyBench;
        return (bench[n] as (...x: unknown[]) => Promise<unknown>)(...a);
      }, { n: name, a: args as unknown[] }) as ReturnType<PasskeyBench[K]>;
    const password = 'bench password, long enough';
    const users: Record<LoginKind, string> = { password: 'plain@bench.test', passkey: 'passkey@bench.test', 'password + passkey factor': 'passkey@bench.test' };
    await call('prepare', users.password, password, false);
    await call('prepare', users.passkey, password, true);
    for (const kind of KINDS) await call('time', kind, users[kind], password); // warm-up: chunks, WASM
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? KINDS : [...KINDS].reverse();
      for (const kind of order) times.get(kind)?.push(await call('time', kind, users[kind], password));
    }
  } finally {
    await context.close().catch(() => {});
    rmSync(profileDir, { recursive: true, force: true });
    server.closeAllConnections();
    server.close();
  }
  const base = median(times.get('password') ?? []);
  const rows = KINDS.map((kind) => {
    const t = times.get(kind) ?? [];
    return [kind, fixed(median(t), 1), fixed(Math.min(...t), 1), kind === 'password' ? '' : `${fixed(median(t) / base, 2)}×`];
  });
  return {
    title,
    header,
    rows,
    numeric: [1, 2],
    notes: ['', `Chromium ${version}, headless, virtual authenticator (no touch); ${rounds} rounds, alternating order; server in the same process (memory store); load ${fixed(loadavg()[0] ?? 0, 1)} on ${availableParallelism()} cores.`],
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  printTable(await passkeyBrowserSection(Number.isSafeInteger(rounds) && rounds > 0 ? rounds : 7));
}
