/**
 * Test harness: a real OPAQUE client (our `zerovault/opaque`) talking to a
 * server's `fetch` handler, and request signing as the client SDK does it.
 */
import { toBase64url, fromBase64url, utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { bodyHash, computeRequestMac, formatAuthorization, preconditionsOf, requestMacKey } from '../../src/crypto/request-mac.js';
import { finishLogin, finishRegistration, startLogin, startRegistration } from '../../src/opaque/index.js';
import type { ZeroVaultServer } from '../../src/server/index.js';

/** The KSF floor: real Argon2id, fast enough for tests. */
export const TEST_KSF = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

export const BASE = 'http://zv.test/zv';

export async function post(server: ZeroVaultServer, path: string, body: unknown, headers: Record<string, string> = {}, address = '192.0.2.1'): Promise<Response> {
  return server.fetch(new Request(`${BASE}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }), { address });
}

export async function register(server: ZeroVaultServer, userId: string, password: string): Promise<Response> {
  const start = await startRegistration({ password });
  const r1 = await post(server, '/register/start', { userId, request: toBase64url(start.request) });
  if (r1.status !== 200) return r1;
  const { response } = (await r1.json()) as { response: string };
  const { record } = await finishRegistration({ state: start.state, response: fromBase64url(response), password, ksf: TEST_KSF });
  return post(server, '/register/finish', { userId, record: toBase64url(record) });
}

export interface TestSession {
  sessionId: string;
  macKey: Uint8Array;
  sessionKey: Uint8Array;
}

/** Logs in; returns the session, or the failing response / error. */
export async function login(server: ZeroVaultServer, userId: string, password: string, address = '192.0.2.1'): Promise<TestSession> {
  const start = await startLogin({ password });
  const r1 = await post(server, '/login/start', { userId, request: toBase64url(start.request) }, {}, address);
  if (r1.status !== 200) throw Object.assign(new Error(`login/start ${r1.status}`), { status: r1.status });
  const { loginId, response } = (await r1.json()) as { loginId: string; response: string };
  const finish = await finishLogin({ state: start.state, response: fromBase64url(response), password, ksf: TEST_KSF });
  const r2 = await post(server, '/login/finish', { loginId, finalization: toBase64url(finish.finalization) }, {}, address);
  if (r2.status !== 200) throw Object.assign(new Error(`login/finish ${r2.status}`), { status: r2.status });
  const { sessionId } = (await r2.json()) as { sessionId: string };
  return { sessionId, sessionKey: finish.sessionKey, macKey: requestMacKey(finish.sessionKey, sessionId) };
}

/** Builds a signed request, as the client SDK does. */
export function signed(
  session: TestSession,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timestamp?: number; nonce?: Uint8Array } = {},
): Request {
  const body = options.body === undefined ? new Uint8Array(0) : utf8(JSON.stringify(options.body));
  const timestamp = options.timestamp ?? Date.now();
  const nonce = options.nonce ?? randomBytes(16);
  const mac = computeRequestMac(session.macKey, {
    method,
    pathAndQuery: path,
    bodyHash: bodyHash(body),
    timestamp,
    nonce,
    sessionId: session.sessionId,
    ...preconditionsOf(new Headers(options.headers ?? {})),
  });
  return new Request(`${BASE}${path}`, {
    method,
    headers: { ...(options.headers ?? {}), authorization: formatAuthorization({ sessionId: session.sessionId, timestamp, nonce, mac }) },
    ...(body.length > 0 ? { body: body as Uint8Array<ArrayBuffer> } : {}),
  });
}
