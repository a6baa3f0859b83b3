/**
 * End-to-end harness: a real `node:http` server on 127.0.0.1 (port 0)
 * running `createServer(...).node()` over the SQLite store in a temporary
 * folder, and the client side two ways: the SDK's `Client` over the global
 * `fetch`, and a low-level OPAQUE client (`src/opaque`) that signs requests
 * itself, so tests can send anything, including malformed requests.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Client } from '../../src/client/index.js';
import { fromBase64url, toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { bodyHash, computeRequestMac, formatAuthorization, preconditionsOf, requestMacKey } from '../../src/crypto/request-mac.js';
import { finishLogin, finishRegistration, startLogin, startRegistration } from '../../src/opaque/index.js';
import { createServer, createServerSetup, type CreateServerOptions, type ServerEvent, type ServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';

/** The KSF floor: real Argon2id, fast enough for tests. */
export const TEST_KSF = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

/** One server setup for the whole file (generating one is cheap, but keys are then stable). */
export const SETUP = createServerSetup();

/** A running loopback server. */
export interface Running {
  /** The zerovault base URL, e.g. `http://127.0.0.1:40123/zv`. */
  readonly base: string;
  readonly zv: ZeroVaultServer;
  /** The server store the server runs on (possibly a wrapper around `sqlite`). */
  readonly store: ServerStore;
  /** The SQLite store underneath. */
  readonly sqlite: ServerStore;
  readonly dbPath: string;
  readonly events: ServerEvent[];
  readonly http: Server;
  /** Stops the HTTP server and closes the database, keeping the files. Idempotent. */
  stop(): Promise<void>;
  /** Stops, then deletes the temporary folder. */
  close(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<CreateServerOptions, 'store' | 'setup'>> {
  /** Wraps the SQLite store (failure injection, spying). */
  wrap?: (store: ServerStore) => ServerStore;
}

/** Starts a zerovault server over SQLite (temporary folder) on 127.0.0.1, port 0. */
export async function startServer(options: StartOptions = {}): Promise<Running> {
  const { wrap, ...rest } = options;
  const dir = mkdtempSync(join(tmpdir(), 'zerovault-e2e-'));
  const dbPath = join(dir, 'zerovault.db');
  const sqlite = sqliteServerStore({ path: dbPath });
  const store = wrap === undefined ? sqlite : wrap(sqlite);
  const zv = createServer({ basePath: '/zv', ...rest, setup: SETUP, store });
  const events: ServerEvent[] = [];
  zv.on('*', (event) => events.push(event));
  const http = createHttpServer(zv.node());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await sqlite.close();
    })());
  return {
    base: `http://127.0.0.1:${port}/zv`,
    zv,
    store,
    sqlite,
    dbPath,
    events,
    http,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An SDK client of a running server, at the KSF floor. */
export function sdk(running: Pick<Running, 'base'>, fetchFn?: (request: Request) => Promise<Response>): Client {
  return new Client({ url: running.base, ksf: TEST_KSF, ...(fetchFn === undefined ? {} : { fetch: fetchFn }) });
}

/** POSTs a JSON value (or raw text / bytes) to a route, unauthenticated. */
export async function postRaw(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload as string | Uint8Array<ArrayBuffer>,
  });
}

/** Registers a user with the low-level OPAQUE client. */
export async function lowRegister(base: string, userId: string, password: string): Promise<Response> {
  const start = await startRegistration({ password });
  const r1 = await postRaw(base, '/register/start', { userId, request: toBase64url(start.request) });
  if (r1.status !== 200) return r1;
  const { response } = (await r1.json()) as { response: string };
  const { record } = await finishRegistration({ state: start.state, response: fromBase64url(response), password, ksf: TEST_KSF });
  return postRaw(base, '/register/finish', { userId, record: toBase64url(record) });
}

/** A session of the low-level client. */
export interface LowSession {
  readonly sessionId: string;
  readonly macKey: Uint8Array;
  readonly sessionKey: Uint8Array;
  readonly exportKey: Uint8Array;
}

/** Logs in with the low-level OPAQUE client; throws with the status on failure. */
export async function lowLogin(base: string, userId: string, password: string): Promise<LowSession> {
  const start = await startLogin({ password });
  const r1 = await postRaw(base, '/login/start', { userId, request: toBase64url(start.request) });
  if (r1.status !== 200) throw Object.assign(new Error(`login/start ${r1.status}`), { status: r1.status });
  const { loginId, response } = (await r1.json()) as { loginId: string; response: string };
  const finish = await finishLogin({ state: start.state, response: fromBase64url(response), password, ksf: TEST_KSF });
  const r2 = await postRaw(base, '/login/finish', { loginId, finalization: toBase64url(finish.finalization) });
  if (r2.status !== 200) throw Object.assign(new Error(`login/finish ${r2.status}`), { status: r2.status });
  const { sessionId } = (await r2.json()) as { sessionId: string };
  return { sessionId, sessionKey: finish.sessionKey, exportKey: finish.exportKey, macKey: requestMacKey(finish.sessionKey, sessionId) };
}

/** What a signed request is made of. */
export interface SignOptions {
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  timestamp?: number;
  nonce?: Uint8Array;
  /** Sign this path instead of the one sent (to forge). */
  signedPath?: string;
  /** Sign this method instead of the one sent. */
  signedMethod?: string;
}

/** Builds a request signed as the SDK signs it (docs/protocol.md). `path` is relative to the base path. */
export function signedRequest(base: string, session: Pick<LowSession, 'sessionId' | 'macKey'>, method: string, path: string, options: SignOptions = {}): Request {
  const body = typeof options.body === 'string' ? utf8(options.body) : (options.body ?? new Uint8Array(0));
  const timestamp = options.timestamp ?? Date.now();
  const nonce = options.nonce ?? randomBytes(16);
  const mac = computeRequestMac(session.macKey, {
    method: options.signedMethod ?? method,
    pathAndQuery: options.signedPath ?? path,
    bodyHash: bodyHash(body),
    timestamp,
    nonce,
    sessionId: session.sessionId,
    ...preconditionsOf(new Headers(options.headers ?? {})),
  });
  return new Request(`${base}${path}`, {
    method,
    headers: { ...(options.headers ?? {}), authorization: formatAuthorization({ sessionId: session.sessionId, timestamp, nonce, mac }) },
    ...(body.length > 0 ? { body: body as Uint8Array<ArrayBuffer> } : {}),
  });
}

/** Sends a signed request. */
export function signedFetch(base: string, session: Pick<LowSession, 'sessionId' | 'macKey'>, method: string, path: string, options: SignOptions = {}): Promise<Response> {
  return fetch(signedRequest(base, session, method, path, options));
}

const STACK_HINTS = [/\n\s*at /, /\bat [\w.<>]+ \(/, /\.ts:\d+/, /\.js:\d+/, /node_modules/, /node:internal/, /Error:/];

/**
 * Asserts an error response: the status, a JSON body `{ error: { code, message } }`
 * with exactly those keys, the security headers, and nothing that looks like a stack trace.
 */
export async function expectError(response: Response, status: number, code: string): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  for (const hint of STACK_HINTS) expect(text).not.toMatch(hint);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeLessThan(200);
  return body.error;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
