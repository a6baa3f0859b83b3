/**
 * `npm run bench:mfa`: login latency with and without a second factor, the
 * SDK `Client` against the real server over loopback HTTP and SQLite.
 *
 * Cases: password only; password + TOTP code as text (the server leaves the
 * session pending, the client sends the code to `/mfa/verify`); password +
 * a TOTP function (asked after the password, same round trips); a strict
 * account (the code travels with `login/start`: no extra round trip);
 * password + recovery code; and `resume` on a remembered device (no
 * password, no Argon2id, never pending). Every case opens the session fully
 * (keyring, key directory) and logs out, outside the timing.
 *
 * A TOTP step is accepted once, so every TOTP login uses its own account.
 * Argon2id dominates a password login: `MFA_BENCH_KSF=floor` runs the KSF
 * floor (t=2, 19 MiB, p=1) instead of the default profile (t=3, 64 MiB, p=4).
 * `MFA_BENCH_RUNS` logins per case (default 7); the median and the range are printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { URI, type TOTP } from 'otpauth';
import { Client } from '../src/client/index.js';
import { ARGON2ID_DEFAULT } from '../src/crypto/ksf.js';
import { createServer, createServerSetup } from '../src/server/index.js';
import { sqliteServerStore } from '../src/server/sqlite.js';

const FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;
const ksf = process.env.MFA_BENCH_KSF === 'floor' ? FLOOR : ARGON2ID_DEFAULT;
const RUNS = Number(process.env.MFA_BENCH_RUNS ?? '7');
if (!Number.isSafeInteger(RUNS) || RUNS < 1 || RUNS > 50) throw new Error('MFA_BENCH_RUNS must be an integer from 1 to 50');
const PASSWORD = 'correct horse battery staple';

const dir = mkdtempSync(join(tmpdir(), 'zerovault-mfa-bench-'));
const store = sqliteServerStore({ path: join(dir, 'bench.db') });
const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
const http = createHttpServer(zv.node());
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/zv`;
const client = (deviceDir?: string): Client => new Client({ url, ksf, ...(deviceDir === undefined ? {} : { deviceDir }) });

let users = 0;

/** A new account with TOTP on; returns its authenticator and recovery codes. */
async function enrolled(strict = false): Promise<{ userId: string; app: TOTP; recoveryCodes: string[] }> {
  const userId = `bench-${++users}@example.com`;
  const session = await client().register({ userId, password: PASSWORD });
  const enrolment = await session.enrollTotp();
  const app = URI.parse(enrolment.uri) as TOTP;
  // The code that confirms is spent: the next one must come from a later step (±1 is accepted).
  const { recoveryCodes } = await enrolment.confirm(app.generate({ timestamp: Date.now() - 30_000 }));
  if (strict) await session.setStrictMfa({ enabled: true, code: recoveryCodes.pop() as string });
  await session.logout();
  return { userId, app, recoveryCodes };
}

interface Case {
  readonly name: string;
  /** Untimed set-up of one login (a fresh account for TOTP: a step is accepted once). */
  readonly prepare: () => Promise<unknown>;
  readonly login: (input: never) => Promise<{ logout(): Promise<void> } | null>;
}

function timed<T>(name: string, prepare: () => Promise<T>, login: (input: T) => Promise<{ logout(): Promise<void> } | null>): Case {
  return { name, prepare, login: login };
}

const plainUser = `bench-${++users}@example.com`;
await (await client().register({ userId: plainUser, password: PASSWORD })).logout();
const deviceDir = mkdtempSync(join(dir, 'device-'));
await (await client(deviceDir).login({ userId: plainUser, password: PASSWORD, rememberDevice: true })).logout();

const code = (app: TOTP): string => app.generate({ timestamp: Date.now() });
const none = async (): Promise<undefined> => undefined;
const cases: Case[] = [
  timed('password only', none, () => client().login({ userId: plainUser, password: PASSWORD })),
  timed('password + TOTP (text)', () => enrolled(), ({ userId, app }) => client().login({ userId, password: PASSWORD, totp: code(app) })),
  timed('password + TOTP (function)', () => enrolled(), ({ userId, app }) => client().login({ userId, password: PASSWORD, totp: () => Promise.resolve(code(app)) })),
  timed('strict: password + TOTP at login/start', () => enrolled(true), ({ userId, app }) => client().login({ userId, password: PASSWORD, totp: code(app) })),
  timed('password + recovery code', () => enrolled(), ({ userId, recoveryCodes }) => client().login({ userId, password: PASSWORD, recoveryCode: recoveryCodes[0] as string })),
  timed('resume (remembered device)', none, () => client(deviceDir).resume()),
];

// The machine is shared: cases take turns every run, so load drifts hit them all alike.
const times: number[][] = cases.map(() => []);
for (let run = 0; run < RUNS; run++) {
  for (const [i, c] of cases.entries()) {
    const input = (await c.prepare()) as never;
    const start = performance.now();
    const session = await c.login(input);
    times[i]?.push(performance.now() - start);
    await session?.logout();
  }
}
const results: [string, number[]][] = cases.map((c, i) => [c.name, (times[i] as number[]).sort((a, b) => a - b)]);

const ms = (value: number): string => `${value.toFixed(0)} ms`;
console.log(`Login latency, ${RUNS} runs per case, loopback HTTP + SQLite, Argon2id t=${ksf.iterations} m=${ksf.memoryKiB} KiB p=${ksf.parallelism}`);
console.log(`(${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}; Node ${process.version})\n`);
console.log('| case | median | min – max |');
console.log('| --- | ---: | ---: |');
for (const [name, times] of results) console.log(`| ${name} | ${ms(times[Math.floor(times.length / 2)] as number)} | ${ms(times[0] as number)} – ${ms(times.at(-1) as number)} |`);

http.closeAllConnections();
await new Promise<void>((resolve) => http.close(() => resolve()));
await store.close();
rmSync(dir, { recursive: true, force: true });
