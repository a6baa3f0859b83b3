/**
 * Issue 14, part 1, client side: `session.fetch` attaches an access token
 * bound to a non-extractable DPoP key and a fresh proof to every request
 * (RFC 9449), to allowed origins only.
 *
 * The server's `POST /token` route is not on this branch: a fake one in the
 * fetch wrapper checks the proof with plain `jose` and mints an EdDSA token
 * with the contract's claims. The app routes in the same wrapper check every
 * request as a verifier would, again with plain `jose` only.
 */
import { EmbeddedJWK, SignJWT, base64url, calculateJwkThumbprint, generateKeyPair, jwtVerify, type CryptoKey as JoseKey, type JWK } from 'jose';
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { Client } from '../../../src/client/index.js';
import { parseAuthorization } from '../../../src/crypto/request-mac.js';
import { TEST_KSF } from '../../server/harness.js';
import { newServer } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';
const ISSUER = 'zerovault';
const AUDIENCE = 'zerovault';
const API = 'https://api.example.com';
const TOKEN_URL = 'http://localhost/zv/token';

let signingKey: { publicKey: JoseKey; privateKey: JoseKey };
beforeAll(async () => {
  signingKey = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

interface Seen {
  method: string;
  url: string;
  token: string;
  jti: string;
  iat: number;
  jkt: string;
  nonce: unknown;
  body: string;
  app: string | null;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The in-process server, a fake `/zv/token` and app routes under `/api/` on both allowed origins. */
function harness(options: { expiresIn?: number; nonce?: 'once' | 'always'; tokenReply?: () => Response; rejectTokens?: number } = {}) {
  const server = newServer();
  const requests: string[] = [];
  const tokens: string[] = [];
  const seen: Seen[] = [];
  const jtis = new Set<string>();
  let nonceCount = 0;

  async function issueToken(request: Request): Promise<Response> {
    if (options.tokenReply !== undefined) return options.tokenReply();
    // The route is session-MAC'd (the real server checks the MAC); the fake reads the session id.
    const auth = parseAuthorization(request.headers.get('authorization'));
    const proof = request.headers.get('dpop');
    if (proof === null) return json(400, { error: 'invalid_dpop_proof' });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(Object.keys(protectedHeader.jwk ?? {}).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(payload).toMatchObject({ htm: 'POST', htu: TOKEN_URL });
    expect(payload.ath).toBeUndefined();
    expect(Math.abs(nowSeconds() - (payload.iat ?? 0))).toBeLessThanOrEqual(60);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await request.json()).toEqual({});
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK);
    const expiresIn = options.expiresIn ?? 300;
    const token = await new SignJWT({ sid: auth.sessionId, cnf: { jkt }, amr: ['pwd'] })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'test' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime(nowSeconds() + expiresIn)
      .setJti(crypto.randomUUID())
      .sign(signingKey.privateKey);
    tokens.push(token);
    return json(200, { access_token: token, token_type: 'DPoP', expires_in: expiresIn });
  }

  /** An app route: checks the request like `zerovault/verify` would, with plain jose. */
  async function appRoute(request: Request): Promise<Response> {
    const authorization = request.headers.get('authorization') ?? '';
    const proof = request.headers.get('dpop');
    if (!authorization.startsWith('DPoP ') || proof === null) return json(401, { error: 'no token' }, { 'www-authenticate': 'DPoP algs="ES256"' });
    const token = authorization.slice('DPoP '.length);
    const { payload: claims } = await jwtVerify(token, signingKey.publicKey, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['EdDSA'] });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK);
    expect((claims.cnf as { jkt: string }).jkt).toBe(jkt);
    const url = new URL(request.url);
    expect(payload.htm).toBe(request.method);
    expect(payload.htu).toBe(`${url.origin}${url.pathname}`);
    expect(payload.ath).toBe(base64url.encode(createHash('sha256').update(token, 'ascii').digest()));
    expect(Math.abs(nowSeconds() - (payload.iat ?? 0))).toBeLessThanOrEqual(60);
    expect(typeof payload.jti).toBe('string');
    expect(jtis.has(payload.jti as string)).toBe(false);
    jtis.add(payload.jti as string);
    const body = await request.text();
    seen.push({ method: request.method, url: request.url, token, jti: payload.jti as string, iat: payload.iat ?? 0, jkt, nonce: payload['nonce'], body, app: request.headers.get('x-app') });
    if (options.rejectTokens !== undefined && seen.length <= options.rejectTokens) {
      return json(401, { error: 'invalid_token' }, { 'www-authenticate': 'DPoP error="invalid_token", algs="ES256"' });
    }
    if (options.nonce !== undefined && (options.nonce === 'always' || payload['nonce'] !== 'n-1')) {
      nonceCount++;
      return json(401, { error: 'use_dpop_nonce' }, { 'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"', 'dpop-nonce': 'n-1' });
    }
    return json(200, { user: claims.sub, method: request.method, body, query: url.search });
  }

  const redirects: RequestRedirect[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    requests.push(`${request.method} ${request.url}`);
    const url = new URL(request.url);
    if (request.method === 'POST' && request.url === TOKEN_URL) return issueToken(request);
    if (url.pathname.startsWith('/api/')) {
      redirects.push(request.redirect);
      return appRoute(request);
    }
    return server.fetch(request);
  };
  const client = new Client({ url: 'http://localhost/zv', fetch, ksf: TEST_KSF, tokenOrigins: [API] });
  return { client, requests, tokens, seen, redirects, nonceCount: () => nonceCount };
}

describe('session.fetch', () => {
  test('every request carries a token bound to the session key and a fresh proof (htm, htu without query, ath, iat, jti)', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    const first = await session.fetch(`${API}/api/items?page=2#top`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ user: 'alice', method: 'GET', body: '', query: '?page=2' });
    const second = await session.fetch(new URL('http://localhost/api/items'), { method: 'POST', body: 'x', headers: { 'x-app': 'yes' } });
    expect(second.status).toBe(200);
    const third = await session.fetch(`${API}/api/items`, { method: 'DELETE' });
    expect(third.status).toBe(200);

    expect(h.seen.map((s) => [s.method, s.url])).toEqual([
      ['GET', `${API}/api/items?page=2#top`],
      ['POST', 'http://localhost/api/items'],
      ['DELETE', `${API}/api/items`],
    ]);
    expect(h.seen[1]).toMatchObject({ body: 'x', app: 'yes' });
    // One token, reused; one key; a new jti per request.
    expect(h.tokens).toHaveLength(1);
    expect(new Set(h.seen.map((s) => s.token))).toEqual(new Set(h.tokens));
    expect(new Set(h.seen.map((s) => s.jkt)).size).toBe(1);
    expect(new Set(h.seen.map((s) => s.jti)).size).toBe(3);
  });

  test('the DPoP private key is a non-extractable P-256 key', async () => {
    const generate = vi.spyOn(crypto.subtle, 'generateKey');
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await session.fetch(`${API}/api/items`);
    const dpopCalls = generate.mock.calls.filter(([algorithm]) => (algorithm as EcKeyGenParams).name === 'ECDSA');
    expect(dpopCalls).toHaveLength(1);
    expect(dpopCalls[0]?.[0]).toEqual({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(dpopCalls[0]?.[1]).toBe(false);
    const index = generate.mock.calls.indexOf(dpopCalls[0] as (typeof generate.mock.calls)[number]);
    const pair = (await generate.mock.results[index]?.value) as CryptoKeyPair;
    expect(pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('pkcs8', pair.privateKey)).rejects.toThrow();
  });

  test('a token is reused until 30 s before it expires, then renewed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const h = harness({ expiresIn: 300 });
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await session.fetch(`${API}/api/a`);
    vi.setSystemTime(Date.now() + 260_000);
    await session.fetch(`${API}/api/a`);
    expect(h.tokens).toHaveLength(1);
    vi.setSystemTime(Date.now() + 15_000);
    await session.fetch(`${API}/api/a`);
    await session.fetch(`${API}/api/a`);
    expect(h.tokens).toHaveLength(2);
    expect(h.seen.map((s) => s.token)).toEqual([h.tokens[0], h.tokens[0], h.tokens[1], h.tokens[1]]);
  });

  test('concurrent first requests share one token request', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    const responses = await Promise.all([1, 2, 3, 4].map((n) => session.fetch(`${API}/api/${n}`)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(h.tokens).toHaveLength(1);
  });

  test('a use_dpop_nonce 401 is retried once with the nonce, body and headers kept; the nonce is used from then on', async () => {
    const h = harness({ nonce: 'once' });
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    const request = new Request(`${API}/api/items`, { method: 'PUT', body: 'hello', headers: { 'x-app': 'kept', 'content-type': 'text/plain' } });
    const response = await session.fetch(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'PUT', body: 'hello' });
    expect(h.seen.map((s) => [s.method, s.nonce, s.body, s.app])).toEqual([
      ['PUT', undefined, 'hello', 'kept'],
      ['PUT', 'n-1', 'hello', 'kept'],
    ]);
    expect(h.seen[0]?.jti).not.toBe(h.seen[1]?.jti);
    // The server's nonce goes into the next proof without a second challenge.
    expect((await session.fetch(`${API}/api/other`)).status).toBe(200);
    expect(h.nonceCount()).toBe(1);
    expect(h.seen[2]?.nonce).toBe('n-1');
  });

  test('a second use_dpop_nonce is not retried: the 401 is the answer', async () => {
    const h = harness({ nonce: 'always' });
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    const response = await session.fetch(`${API}/api/items`, { method: 'POST', body: 'b' });
    expect(response.status).toBe(401);
    expect(h.nonceCount()).toBe(2);
    expect(h.seen).toHaveLength(2);
  });

  test('a token the API rejects (invalid_token) is not reused: the next request fetches a new one, no automatic retry', async () => {
    const h = harness({ rejectTokens: 1 });
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    expect((await session.fetch(`${API}/api/a`)).status).toBe(401);
    expect(h.seen).toHaveLength(1);
    expect((await session.fetch(`${API}/api/a`)).status).toBe(200);
    expect(h.tokens).toHaveLength(2);
    expect(h.seen.map((s) => s.token)).toEqual(h.tokens);
  });

  test('an aborted signal rejects as fetch does, with nothing sent to the API', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    const controller = new AbortController();
    controller.abort();
    await expect(session.fetch(`${API}/api/a`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const late = new AbortController();
    const pending = session.fetch(`${API}/api/a`, { signal: late.signal });
    late.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(h.seen).toEqual([]);
    expect((await session.fetch(`${API}/api/a`)).status).toBe(200);
  });

  test('redirects are never followed (a redirect would carry the token and the proof elsewhere)', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await session.fetch(`${API}/api/items`, { redirect: 'follow' });
    await session.fetch(new Request(`${API}/api/items`, { redirect: 'follow' }));
    expect(h.redirects).toEqual(['manual', 'manual']);
  });

  test('a Request object with a body keeps its method, body and headers', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    const response = await session.fetch(new Request('http://localhost/api/echo', { method: 'PATCH', body: JSON.stringify({ a: 1 }), headers: { 'x-app': 'r' } }));
    expect(await response.json()).toMatchObject({ method: 'PATCH', body: '{"a":1}' });
    expect(h.seen[0]).toMatchObject({ method: 'PATCH', app: 'r', body: '{"a":1}' });
  });

  test('any other origin is INVALID_INPUT before anything is sent (no token, no proof)', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    h.requests.length = 0;
    for (const url of ['https://evil.example/api/items', 'http://api.example.com/api/items', 'https://api.example.com:8443/api/items', 'http://localhost:8080/api/x', 'data:text/plain,hi']) {
      await expect(session.fetch(url)).rejects.toMatchObject({ name: 'ZeroVaultError', code: 'INVALID_INPUT' });
    }
    await expect(session.fetch(new Request('https://evil.example/api/items', { method: 'POST', body: 'secret' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(h.requests).toEqual([]);
    // Also after a token exists.
    await session.fetch(`${API}/api/items`);
    h.requests.length = 0;
    await expect(session.fetch('https://evil.example/api/items')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(h.requests).toEqual([]);
  });

  test('after logout it is CLOSED with nothing sent', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await session.fetch(`${API}/api/items`);
    await session.logout();
    h.requests.length = 0;
    await expect(session.fetch(`${API}/api/items`)).rejects.toMatchObject({ name: 'ZeroVaultError', code: 'CLOSED' });
    await expect(session.fetch('https://evil.example/')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(h.requests).toEqual([]);
  });

  test('after logout before any fetch it is CLOSED too', async () => {
    const h = harness();
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await session.logout();
    h.requests.length = 0;
    await expect(session.fetch(`${API}/api/items`)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(h.requests).toEqual([]);
  });
});

describe('POST /token failures', () => {
  test('a server that no longer has the session closes it: CLOSED, and the app route is never called', async () => {
    const h = harness({ tokenReply: () => json(401, { error: { code: 'CLOSED' } }) });
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await expect(session.fetch(`${API}/api/items`)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(session.isOpen).toBe(false);
    expect(h.seen).toEqual([]);
  });

  test.each([
    ['no token', { token_type: 'DPoP', expires_in: 300 }],
    ['a bearer token', { access_token: 'a.b.c', token_type: 'Bearer', expires_in: 300 }],
    ['no lifetime', { access_token: 'a.b.c', token_type: 'DPoP' }],
    ['a negative lifetime', { access_token: 'a.b.c', token_type: 'DPoP', expires_in: -1 }],
  ])('a reply with %s is NETWORK and nothing reaches the app route', async (_, body) => {
    const h = harness({ tokenReply: () => json(200, body) });
    const session = await h.client.register({ userId: 'alice', password: PASSWORD });
    await expect(session.fetch(`${API}/api/items`)).rejects.toMatchObject({ code: 'NETWORK' });
    expect(h.seen).toEqual([]);
    expect(session.isOpen).toBe(true);
  });
});

describe('tokenOrigins', () => {
  const base = { url: 'http://localhost/zv', ksf: TEST_KSF };

  test('absolute http(s) origins are accepted (a trailing slash too)', () => {
    expect(() => new Client({ ...base, tokenOrigins: ['https://api.example.com', 'http://127.0.0.1:8080/', new URL('https://x.example')] })).not.toThrow();
    expect(() => new Client({ ...base, tokenOrigins: [] })).not.toThrow();
  });

  test.each([
    ['a path', ['https://api.example.com/api']],
    ['a query', ['https://api.example.com/?a=1']],
    ['a fragment', ['https://api.example.com/#x']],
    ['credentials', ['https://user:pw@api.example.com']],
    ['another scheme', ['ftp://api.example.com']],
    ['a relative URL', ['/api']],
    ['not a URL', ['not a url']],
    ['a number', [42]],
    ['not an array', 'https://api.example.com'],
  ])('%s is INVALID_INPUT at construction', (_, tokenOrigins) => {
    expect(() => new Client({ ...base, tokenOrigins: tokenOrigins as string[] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
