/**
 * `npm run bench:server`: the zerovault server under load on loopback.
 *
 * The server runs in this thread: `createServer` over the SQLite store (WAL,
 * `synchronous = FULL`) in a temporary folder, mounted with `node:http` on
 * 127.0.0.1. A small load generator runs in a child process (its own event
 * loop and core), keeps N keep-alive connections busy and reports requests
 * per second and client-observed p50 / p99 latency for:
 *
 * - verified blob PUT and GET of 1 KiB records (every request carries the
 *   session MAC and is verified, nonce recorded, before the store is touched);
 * - full OPAQUE logins with the client's KSF at the floor
 *   (Argon2id t=2, m=19 MiB, p=1), and separately the protocol-only cost:
 *   the time the server spends handling `login/start` + `login/finish`.
 *
 * The same phases run against `memoryServerStore` for reference: the gap is
 * what durable storage costs (each verified request commits its nonce).
 *
 * Bounded: each phase stops at BENCH_SECONDS (default 3) or BENCH_MAX_REQUESTS
 * (default 20 000) requests; logins at BENCH_LOGINS (default 40) or
 * BENCH_LOGIN_SECONDS (default 8). Connection counts: BENCH_CONNECTIONS
 * (default "1,16"); stores: BENCH_STORES (default "sqlite,memory").
 * Loopback only.
 */
import { createServer as createHttpServer, Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromBase64url, toBase64url, utf8 } from '../src/crypto/bytes.js';
import { randomBytes } from '../src/crypto/random.js';
import { bodyHash, computeRequestMac, formatAuthorization, requestMacKey } from '../src/crypto/request-mac.js';
import { finishLogin, finishRegistration, startLogin, startRegistration } from '../src/opaque/index.js';
import { createServer, createServerSetup, memoryServerStore, toNodeHandler } from '../src/server/index.js';
import { sqliteServerStore } from '../src/server/sqlite.js';

const KSF_FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;
const USER = 'bench@example.com';
const PASSWORD = 'bench password, not a secret';
const RECORD_IDS = 256;
const LOAD_GENERATOR = '--load-generator';

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

type StoreKind = 'sqlite' | 'memory';

interface Settings {
  readonly seconds: number;
  readonly maxRequests: number;
  readonly logins: number;
  readonly loginSeconds: number;
  readonly connections: readonly number[];
  readonly stores: readonly StoreKind[];
}

function settings(): Settings {
  const connections = (process.env.BENCH_CONNECTIONS ?? '1,16').split(',').map((c) => Number(c.trim()));
  if (connections.some((c) => !Number.isSafeInteger(c) || c < 1 || c > 256)) throw new Error('BENCH_CONNECTIONS must be integers from 1 to 256');
  const stores = (process.env.BENCH_STORES ?? 'sqlite,memory').split(',').map((k) => k.trim());
  if (stores.some((k) => k !== 'sqlite' && k !== 'memory')) throw new Error('BENCH_STORES must list sqlite and/or memory');
  return {
    stores: stores as StoreKind[],
    seconds: envInt('BENCH_SECONDS', 3, 1, 60),
    maxRequests: envInt('BENCH_MAX_REQUESTS', 20_000, 10, 1_000_000),
    logins: envInt('BENCH_LOGINS', 40, 1, 10_000),
    loginSeconds: envInt('BENCH_LOGIN_SECONDS', 8, 1, 120),
    connections,
  };
}

/** What the load generator is asked to run. */
interface Job {
  readonly base: string;
  readonly sessionId: string;
  readonly macKey: Uint8Array;
  readonly settings: Settings;
}

/** One measured phase. */
interface Phase {
  readonly name: string;
  readonly connections: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

// ---------------------------------------------------------------- load generator (child process)

async function runWorker(job: Job): Promise<Phase[]> {
  const url = new URL(job.base);
  const basePath = url.pathname;
  const payload = JSON.stringify({ data: toBase64url(randomBytes(1024)) });

  const send = (agent: Agent, method: string, path: string, body: string | undefined, sign: boolean): Promise<{ status: number; text: string }> => {
    const bytes = body === undefined ? new Uint8Array(0) : utf8(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (body !== undefined) headers['content-length'] = String(bytes.length);
    if (sign) {
      const timestamp = Date.now();
      const nonce = randomBytes(16);
      const mac = computeRequestMac(job.macKey, { method, pathAndQuery: path, bodyHash: bodyHash(bytes), timestamp, nonce, sessionId: job.sessionId });
      headers.authorization = formatAuthorization({ sessionId: job.sessionId, timestamp, nonce, mac });
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: url.port, path: basePath + path, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : Buffer.from(bytes));
    });
  };

  /** N connections, each sending one request after another, until the count or the time runs out. */
  const phase = async (name: string, connections: number, limit: number, request: (agent: Agent, i: number) => Promise<boolean>, seconds = job.settings.seconds): Promise<Phase> => {
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const latenciesMs: number[] = [];
    let issued = 0;
    let errors = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (issued < limit && performance.now() < deadline) {
          const i = issued++;
          const t0 = performance.now();
          const ok = await request(agent, i).catch(() => false);
          latenciesMs.push(performance.now() - t0);
          if (!ok) errors++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    agent.destroy();
    return { name, connections, requests: latenciesMs.length, errors, seconds: elapsed, latenciesMs };
  };

  // Every record the GET phases read exists (not measured).
  const seeder = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < RECORD_IDS; i++) {
    const r = await send(seeder, 'PUT', `/blobs/bench/r${i}`, payload, true);
    if (r.status !== 200) throw new Error(`seeding failed: HTTP ${r.status}`);
  }
  seeder.destroy();

  const phases: Phase[] = [];
  for (const connections of job.settings.connections) {
    phases.push(
      await phase('verified PUT 1 KiB', connections, job.settings.maxRequests, async (agent, i) => {
        const r = await send(agent, 'PUT', `/blobs/bench/r${i % RECORD_IDS}`, payload, true);
        return r.status === 200;
      }),
    );
    phases.push(
      await phase('verified GET 1 KiB', connections, job.settings.maxRequests, async (agent, i) => {
        const r = await send(agent, 'GET', `/blobs/bench/r${i % RECORD_IDS}`, undefined, true);
        return r.status === 200;
      }),
    );
  }
  // Full logins: the client's Argon2id (at the floor) runs in this thread, so logins are serialized here.
  phases.push(
    await phase('login (client KSF at floor)', 1, job.settings.logins, async (agent) => {
      const start = await startLogin({ password: PASSWORD });
      const r1 = await send(agent, 'POST', '/login/start', JSON.stringify({ userId: USER, request: toBase64url(start.request) }), false);
      if (r1.status !== 200) return false;
      const { loginId, response } = JSON.parse(r1.text) as { loginId: string; response: string };
      const finish = await finishLogin({ state: start.state, response: fromBase64url(response), password: PASSWORD, ksf: KSF_FLOOR });
      const r2 = await send(agent, 'POST', '/login/finish', JSON.stringify({ loginId, finalization: toBase64url(finish.finalization) }), false);
      return r2.status === 200;
    }, job.settings.loginSeconds),
  );
  return phases;
}

// ---------------------------------------------------------------- server (this process)

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): void {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function lowLogin(base: string): Promise<{ sessionId: string; macKey: Uint8Array }> {
  const post = async (path: string, body: unknown): Promise<Record<string, string>> => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.status === 201 ? {} : ((await response.json()) as Record<string, string>);
  };
  const reg = await startRegistration({ password: PASSWORD });
  const { response } = await post('/register/start', { userId: USER, request: toBase64url(reg.request) });
  const { record } = await finishRegistration({ state: reg.state, response: fromBase64url(response as string), password: PASSWORD, ksf: KSF_FLOOR });
  await post('/register/finish', { userId: USER, record: toBase64url(record) });
  const start = await startLogin({ password: PASSWORD });
  const started = await post('/login/start', { userId: USER, request: toBase64url(start.request) });
  const finish = await finishLogin({ state: start.state, response: fromBase64url(started.response as string), password: PASSWORD, ksf: KSF_FLOOR });
  const { sessionId } = await post('/login/finish', { loginId: started.loginId, finalization: toBase64url(finish.finalization) });
  return { sessionId: sessionId as string, macKey: requestMacKey(finish.sessionKey, sessionId as string) };
}

interface StoreResult {
  readonly kind: StoreKind;
  readonly phases: Phase[];
  readonly loginStartMs: number[];
  readonly loginFinishMs: number[];
}

/** One server on one store kind, loaded by a fresh child process. */
async function runAgainst(kind: StoreKind, s: Settings): Promise<StoreResult> {
  const dir = mkdtempSync(join(tmpdir(), 'zerovault-bench-'));
  const store = kind === 'sqlite' ? sqliteServerStore({ path: join(dir, 'zerovault.db') }) : memoryServerStore();
  const zv = createServer({
    setup: createServerSetup(),
    store,
    basePath: '/zv',
    // The bench logs in many times from one address; the limiter is not what is measured.
    userLoginLimit: { capacity: 1_000_000, refillMs: 1 },
    addressLoginLimit: { capacity: 1_000_000, refillMs: 1 },
  });
  // Server-side handling time of the login routes (body read → response built).
  const handling = { start: [] as number[], finish: [] as number[] };
  let timing = false;
  const timed = {
    async fetch(request: Request, info?: { address?: string }): Promise<Response> {
      const t0 = performance.now();
      const response = await zv.fetch(request, info);
      const path = new URL(request.url).pathname;
      if (timing && path === '/zv/login/start') handling.start.push(performance.now() - t0);
      if (timing && path === '/zv/login/finish') handling.finish.push(performance.now() - t0);
      return response;
    },
  };
  const http = createHttpServer(toNodeHandler(timed));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/zv`;
  try {
    const { sessionId, macKey } = await lowLogin(base);
    timing = true;
    const job: Job = { base, sessionId, macKey, settings: s };
    // The load generator is a child process (this file, same loader flags): its own event loop and core.
    const child = fork(fileURLToPath(import.meta.url), [LOAD_GENERATOR], { serialization: 'advanced', stdio: 'inherit' });
    const phases = await new Promise<Phase[]>((resolve, reject) => {
      child.once('message', (value) => resolve(value as Phase[]));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load generator exited (${String(code)})`)));
      child.send(job);
    });
    return { kind, phases, loginStartMs: handling.start, loginFinishMs: handling.finish };
  } finally {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const STORE_LABEL: Record<StoreKind, string> = { sqlite: 'sqlite', memory: 'memory (ref.)' };

async function main(): Promise<void> {
  const s = settings();
  console.log(
    `zerovault server bench: node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs; ` +
      `server in this process, load generator in a child process, loopback HTTP/1.1 keep-alive; ` +
      `each phase ≤ ${s.seconds} s and ≤ ${s.maxRequests} requests (BENCH_SECONDS, BENCH_MAX_REQUESTS), ` +
      `logins ≤ ${s.logins} and ≤ ${s.loginSeconds} s (BENCH_LOGINS, BENCH_LOGIN_SECONDS); load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
      `SQLite: WAL, synchronous=FULL, temporary folder; memory: the in-process store, for reference (no durability)\n`,
  );
  const results: StoreResult[] = [];
  for (const kind of s.stores) results.push(await runAgainst(kind, s));

  printTable(
    ['store', 'phase', 'conns', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms'],
    results.flatMap((r) =>
      r.phases.map((p) => {
        const sorted = [...p.latenciesMs].sort((a, b) => a - b);
        return [STORE_LABEL[r.kind], p.name, String(p.connections), String(p.requests), String(p.errors), fixed(p.requests / p.seconds, 0), fixed(percentile(sorted, 50), 2), fixed(percentile(sorted, 99), 2)];
      }),
    ),
    new Set([2, 3, 4, 5, 6, 7]),
  );

  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log('\nProtocol-only login cost: server handling time of login/start + login/finish (client KSF excluded)\n');
  printTable(
    ['store', 'route', 'logins', 'mean ms', 'p50 ms', 'p99 ms', 'logins/s per core'],
    results.flatMap((r) => {
      const starts = [...r.loginStartMs].sort((a, b) => a - b);
      const finishes = [...r.loginFinishMs].sort((a, b) => a - b);
      const both = mean(starts) + mean(finishes);
      const row = (route: string, xs: number[]): string[] => [STORE_LABEL[r.kind], route, String(xs.length), fixed(mean(xs), 2), fixed(percentile(xs, 50), 2), fixed(percentile(xs, 99), 2), ''];
      return [row('login/start', starts), row('login/finish', finishes), [STORE_LABEL[r.kind], 'start + finish', '', fixed(both, 2), '', '', fixed(1000 / both, 0)]];
    }),
    new Set([2, 3, 4, 5, 6]),
  );
}

if (process.argv[2] === LOAD_GENERATOR) {
  process.once('message', (job: Job) => {
    void runWorker({ ...job, macKey: Uint8Array.from(job.macKey) }).then((phases) => {
      process.send?.(phases, () => process.exit(0));
    });
  });
} else {
  await main();
}
