/**
 * `POST /token` and `GET /.well-known/jwks.json`, checked with plain `jose`
 * (an independent JOSE implementation, not our code): the token verifies
 * against the published JWKS, `kid` and `cnf.jkt` are RFC 7638 thumbprints,
 * and every bad DPoP proof (RFC 9449) is refused.
 */
import { SignJWT, calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { toBase64url } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { createServer, createServerSetup, memoryServerStore, type ServerEvent, type ZeroVaultServer } from '../../src/server/index.js';
import { BASE, login, register, signed, type TestSession } from './harness.js';
import { addDevice, deviceLogin, newDevice } from './device-harness.js';
import { createVerifier } from '../../src/verify/index.js';
import { sha256 } from '../../src/formats/signature.js';

const setup = createServerSetup();
const TOKEN_URL = `${BASE}/token`;
const ISSUER = 'https://app.example';
const AUDIENCE = 'https://api.app.example';

interface ProofKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function proofKey(): Promise<ProofKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK;
  return { privateKey: pair.privateKey, jwk: { kty, crv, x, y } as JWK };
}

/** A DPoP proof built with jose, as the contract describes the client's. */
async function proof(key: ProofKey, claims: { htm?: string; htu?: string; iat?: number; jti?: string } = {}): Promise<string> {
  return new SignJWT({
    htm: claims.htm ?? 'POST',
    htu: claims.htu ?? TOKEN_URL,
    jti: claims.jti ?? toBase64url(randomBytes(16)),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

function tokenRequest(session: TestSession, dpop: string | null): Request {
  return signed(session, 'POST', '/token', { body: {}, headers: dpop === null ? {} : { dpop } });
}

async function jwksOf(server: ZeroVaultServer): Promise<JSONWebKeySet> {
  const res = await server.fetch(new Request(`${BASE}/.well-known/jwks.json`));
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('public, max-age=300');
  return (await res.json()) as JSONWebKeySet;
}

function makeServer(tokens?: { issuer?: string; audience?: string; ttlSeconds?: number }): ZeroVaultServer {
  return createServer({ setup, store: memoryServerStore(), basePath: '/zv', ...(tokens === undefined ? {} : { tokens }) });
}

describe('tokens for the app\'s own routes', () => {
  let server: ZeroVaultServer;
  let session: TestSession;
  let events: ServerEvent[];
  let key: ProofKey;

  beforeAll(async () => {
    key = await proofKey();
  });

  beforeEach(async () => {
    server = makeServer({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 120 });
    events = [];
    server.on('*', (e) => events.push(e));
    expect((await register(server, 'Alice@Example.com', 'pw')).status).toBe(201);
    session = await login(server, 'Alice@Example.com', 'pw');
  });

  test('a token verifies with plain jose against the published JWKS, bound to the proof key', async () => {
    const res = await server.fetch(tokenRequest(session, await proof(key)), { address: '192.0.2.7' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe('DPoP');
    expect(body.expires_in).toBe(120);
    const jwks = await jwksOf(server);
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0]?.kid });
    expect(payload.sub).toBe('alice@example.com');
    expect(payload.sid).toBe(session.sessionId);
    expect(payload.amr).toEqual(['pwd']);
    expect(payload.exp).toBe((payload.iat as number) + 120);
    expect(typeof payload.jti).toBe('string');
    expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.jwk, 'sha256') });
    expect(events.filter((e) => e.type === 'token_issued')).toEqual([expect.objectContaining({ type: 'token_issued', userId: 'alice@example.com', address: '192.0.2.7' })]);
  });

  test('a device-login session gets amr ["swk"] and a did claim, which zerovault/verify returns as deviceId', async () => {
    const device = newDevice();
    expect((await addDevice(server, session, device)).status).toBe(201);
    const jwks = await jwksOf(server);
    const claimsOf = async (s: TestSession) => {
      const res = await server.fetch(tokenRequest(s, await proof(key)));
      expect(res.status).toBe(200);
      const { access_token } = (await res.json()) as { access_token: string };
      return { token: access_token, payload: (await jwtVerify(access_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE })).payload };
    };
    // The registering password session is bound to the device now: pwd, with did.
    expect((await claimsOf(session)).payload).toMatchObject({ amr: ['pwd'], did: device.id });
    const resumed = await deviceLogin(server, 'alice@example.com', device);
    const { token, payload } = await claimsOf(resumed);
    expect(payload).toMatchObject({ amr: ['swk'], did: device.id, sid: resumed.sessionId });
    // A session without a device carries no did.
    expect((await claimsOf(await login(server, 'alice@example.com', 'pw'))).payload).not.toHaveProperty('did');
    // zerovault/verify hands the app the device id.
    const api = 'https://api.app.example/todos';
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks });
    const apiProof = await new SignJWT({ htm: 'GET', htu: api, jti: toBase64url(randomBytes(16)), ath: toBase64url(sha256(new TextEncoder().encode(token))) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
      .setIssuedAt()
      .sign(key.privateKey);
    const verified = await verifier.verify(new Request(api, { headers: { authorization: `DPoP ${token}`, dpop: apiProof } }));
    expect(verified).toMatchObject({ userId: 'alice@example.com', sessionId: resumed.sessionId, amr: ['swk'], deviceId: device.id });
  });

  test('the JWKS holds one public Ed25519 key whose kid is its RFC 7638 thumbprint', async () => {
    const jwks = await jwksOf(server);
    expect(jwks.keys).toHaveLength(1);
    const jwk = jwks.keys[0] as JWK;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    expect(jwk).not.toHaveProperty('d');
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });

  test('two servers from the same setup publish the same key, and verify each other\'s tokens', async () => {
    const other = makeServer({ issuer: ISSUER, audience: AUDIENCE });
    const otherJwks = await jwksOf(other);
    expect(otherJwks).toEqual(await jwksOf(server));
    const res = await server.fetch(tokenRequest(session, await proof(key)));
    const { access_token } = (await res.json()) as { access_token: string };
    await expect(jwtVerify(access_token, createLocalJWKSet(otherJwks), { issuer: ISSUER, audience: AUDIENCE })).resolves.toBeDefined();
    // A different setup is a different key: the token does not verify there.
    const stranger = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv' });
    await expect(jwtVerify(access_token, createLocalJWKSet(await jwksOf(stranger)))).rejects.toThrow();
  });

  test('defaults: issuer and audience "zerovault", 300 s', async () => {
    const plain = makeServer();
    expect((await register(plain, 'bob', 'pw')).status).toBe(201);
    const bob = await login(plain, 'bob', 'pw');
    const res = await plain.fetch(tokenRequest(bob, await proof(key)));
    const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(300);
    const { payload } = await jwtVerify(access_token, createLocalJWKSet(await jwksOf(plain)), { issuer: 'zerovault', audience: 'zerovault' });
    expect(payload.exp).toBe((payload.iat as number) + 300);
  });

  const AUTH_FAILED = { error: { code: 'AUTH_FAILED', message: 'authentication failed' } };

  /** 401 AUTH_FAILED with the DPoP challenge, for `reason` (the event says which check refused it). */
  async function expectRefused(dpop: string | null, reason: string): Promise<void> {
    events = [];
    const res = await server.fetch(tokenRequest(session, dpop));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('DPoP error="invalid_dpop_proof", algs="ES256"');
    expect(await res.json()).toEqual(AUTH_FAILED);
    expect(events.map((e) => [e.type, e.reason])).toEqual([['auth_failed', reason]]);
  }

  test('a missing proof is refused', async () => {
    await expectRefused(null, 'dpop-proof-missing');
  });

  test('a garbled proof is refused', async () => {
    const good = await proof(key);
    await expectRefused('not.a.jwt', 'dpop-proof-malformed');
    await expectRefused(`${good.slice(0, -4)}AAAA`, 'dpop-proof-invalid'); // signature bytes changed
    await expectRefused(`${good}, ${good}`, 'dpop-proof-invalid'); // two DPoP headers, joined
  });

  test('a proof signed by another key than its header jwk is refused', async () => {
    const other = await proofKey();
    await expectRefused(await proof({ privateKey: other.privateKey, jwk: key.jwk }), 'dpop-proof-invalid');
  });

  test('a proof with the wrong typ or alg is refused', async () => {
    const jti = toBase64url(randomBytes(16));
    const claims = { htm: 'POST', htu: TOKEN_URL, jti };
    const wrongTyp = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: key.jwk }).setIssuedAt().sign(key.privateKey);
    await expectRefused(wrongTyp, 'dpop-proof-invalid');
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt' }).setIssuedAt().sign(randomBytes(32));
    await expectRefused(hmac, 'dpop-proof-malformed');
  });

  test('an expired or future proof is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await proof(key, { iat: now - 61 }), 'dpop-proof-stale');
    await expectRefused(await proof(key, { iat: now + 61 }), 'dpop-proof-stale');
  });

  test('a proof for another method or URL is refused; the query is ignored', async () => {
    await expectRefused(await proof(key, { htm: 'GET' }), 'dpop-proof-htm');
    await expectRefused(await proof(key, { htu: 'http://zv.test/zv/other' }), 'dpop-proof-htu');
    await expectRefused(await proof(key, { htu: 'https://zv.test/zv/token' }), 'dpop-proof-htu');
    await expectRefused(await proof(key, { htu: 'http://evil.test/zv/token' }), 'dpop-proof-htu');
    const withQuery = await server.fetch(tokenRequest(session, await proof(key, { htu: `${TOKEN_URL}?a=1#f` })));
    expect(withQuery.status).toBe(200);
  });

  test('a short jti is refused', async () => {
    await expectRefused(await proof(key, { jti: 'short' }), 'dpop-proof-jti');
  });

  test('a replayed proof is refused, across servers sharing one store', async () => {
    const store = memoryServerStore();
    const a = createServer({ setup, store, basePath: '/zv' });
    const b = createServer({ setup, store, basePath: '/zv' });
    const seen: ServerEvent[] = [];
    b.on('replay', (e) => seen.push(e));
    expect((await register(a, 'carol', 'pw')).status).toBe(201);
    const carol = await login(a, 'carol', 'pw');
    const once = await proof(key);
    expect((await a.fetch(tokenRequest(carol, once))).status).toBe(200);
    const again = await b.fetch(tokenRequest(carol, once));
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual(AUTH_FAILED);
    expect(seen).toEqual([expect.objectContaining({ type: 'replay', reason: 'dpop-proof-replayed', userId: 'carol' })]);
  });

  test('a proof with a private key in its header is refused', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const { kty, crv, x, y, d } = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK;
    await expectRefused(await proof({ privateKey: pair.privateKey, jwk: { kty, crv, x, y, d } as JWK }), 'dpop-proof-key');
  });

  test('POST /token without a session is 401, and its body is not read', async () => {
    const res = await server.fetch(new Request(TOKEN_URL, { method: 'POST', body: '{}', headers: { dpop: await proof(key) } }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_FAILED');
  });

  test('POST /token takes {} or nothing, not other fields', async () => {
    const empty = signed(session, 'POST', '/token', { headers: { dpop: await proof(key) } });
    expect((await server.fetch(empty)).status).toBe(200);
    const extra = signed(session, 'POST', '/token', { body: { scope: 'x' }, headers: { dpop: await proof(key) } });
    expect((await server.fetch(extra)).status).toBe(400);
  });

  test('a token never outlives its session', async () => {
    let clock = Date.now();
    const short = createServer({ setup, store: memoryServerStore(), basePath: '/zv', sessionTtlMs: 100_000, now: () => clock });
    expect((await register(short, 'dave', 'pw')).status).toBe(201);
    const dave = await login(short, 'dave', 'pw');
    clock += 40_000;
    const res = await short.fetch(signed(dave, 'POST', '/token', { body: {}, headers: { dpop: await proof(key, { iat: Math.floor(clock / 1000) }) }, timestamp: clock }));
    expect(res.status).toBe(200);
    const { expires_in } = (await res.json()) as { expires_in: number };
    expect(expires_in).toBeLessThanOrEqual(60);
    expect(expires_in).toBeGreaterThanOrEqual(59);
  });

  test('tokens options are validated at createServer', () => {
    const code = (tokens: object): string | undefined => {
      try {
        createServer({ setup, store: memoryServerStore(), tokens });
        return undefined;
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    expect(code({ ttlSeconds: 301 })).toBe('INVALID_INPUT');
    expect(code({ ttlSeconds: 29 })).toBe('INVALID_INPUT');
    expect(code({ ttlSeconds: 60.5 })).toBe('INVALID_INPUT');
    expect(code({ issuer: '' })).toBe('INVALID_INPUT');
    expect(code({ audience: 7 })).toBe('INVALID_INPUT');
    expect(code({ ttlSeconds: 300, issuer: 'i', audience: 'a' })).toBeUndefined();
  });
});
