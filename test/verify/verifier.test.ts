/**
 * `createVerifier` against tokens and proofs minted with plain jose
 * (mint.ts): a good request verifies; every other is AUTH_FAILED, answered
 * 401 with a `WWW-Authenticate: DPoP` challenge; a proof id is burned only
 * after every other check passed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, base64url } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { isZeroVaultError } from '../../src/errors.js';
import { createVerifier, memoryReplayStore, type ReplayStore, type Verifier } from '../../src/verify/index.js';
import { API, AUDIENCE, ISSUER, athOf, dpopRequest, makeDpopKey, makeIssuer, mintProof, mintToken, now, type DpopKey, type Issuer } from './mint.js';

let issuer: Issuer;
let dpop: DpopKey;

beforeAll(async () => {
  issuer = await makeIssuer();
  dpop = await makeDpopKey();
});

/** A replay store that counts burns, to show failures never reach it. */
function countingStore(): ReplayStore & { burns: number } {
  const inner = memoryReplayStore();
  const store = {
    burns: 0,
    burn: (jti: string, expiresAt: number) => {
      store.burns += 1;
      return inner.burn(jti, expiresAt);
    },
  };
  return store;
}

function verifierWith(replayStore: ReplayStore = memoryReplayStore()): Verifier {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, replayStore });
}

async function authFailed(promise: Promise<unknown>): Promise<void> {
  const caught = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isZeroVaultError(caught) && caught.code, 'expected AUTH_FAILED').toBe('AUTH_FAILED');
  expect((caught as Error).message).toBe('request authentication failed');
}

describe('a good request', () => {
  test('verifies: userId and sessionId from sub and sid, amr and expiresAt from the token', async () => {
    const token = await mintToken(issuer, dpop, { sub: 'bob@example.com', sid: 'sess-42' });
    const verified = await verifierWith().verify(dpopRequest(API, token, await mintProof(dpop, token)));
    expect(verified.userId).toBe('bob@example.com');
    expect(verified.sessionId).toBe('sess-42');
    expect(verified.amr).toEqual(['pwd']);
    expect(verified.expiresAt).toBeGreaterThan(Date.now());
    expect(verified.expiresAt).toBeLessThanOrEqual(Date.now() + 301_000);
  });

  test('deviceId comes from did when the session belongs to a device, and is absent otherwise', async () => {
    const verifier = verifierWith();
    const plain = await mintToken(issuer, dpop);
    const verified = await verifier.verify(dpopRequest(API, plain, await mintProof(dpop, plain)));
    expect('deviceId' in verified).toBe(false);
    const resumed = await mintToken(issuer, dpop, { amr: ['swk'], did: 'AAECAwQFBgcICQoLDA0ODw' });
    const fromDevice = await verifier.verify(dpopRequest(API, resumed, await mintProof(dpop, resumed)));
    expect(fromDevice).toMatchObject({ amr: ['swk'], deviceId: 'AAECAwQFBgcICQoLDA0ODw' });
  });

  test('a did that is not a non-empty string fails', async () => {
    for (const did of ['', 42, ['x'], { id: 'x' }, null]) {
      const token = await mintToken(issuer, dpop, { did });
      await authFailed(verifierWith().verify(dpopRequest(API, token, await mintProof(dpop, token))));
    }
  });

  test('a query string and a fragment on the request do not matter (htu has neither)', async () => {
    const verifier = verifierWith();
    const token = await mintToken(issuer, dpop);
    await expect(verifier.verify(dpopRequest(`${API}?page=2&q=x`, token, await mintProof(dpop, token)))).resolves.toMatchObject({ userId: 'alice@example.com' });
    await expect(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token, { htu: `${API}?page=2#top` })))).resolves.toMatchObject({ userId: 'alice@example.com' });
  });

  test('the method is compared as sent (POST)', async () => {
    const token = await mintToken(issuer, dpop);
    await expect(verifierWith().verify(dpopRequest(API, token, await mintProof(dpop, token, { htm: 'POST' }), 'POST'))).resolves.toBeDefined();
  });

  test('the fetch form runs the handler with the verified user', async () => {
    const token = await mintToken(issuer, dpop, { sid: 'sess-7' });
    const handler = verifierWith().fetch((_request, verified) => Response.json({ user: verified.userId, session: verified.sessionId }));
    const response = await handler(dpopRequest(API, token, await mintProof(dpop, token)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: 'alice@example.com', session: 'sess-7' });
  });
});

/** A refused request: built fresh per call, so the verify and fetch forms each get their own proof. */
type Case = [string, () => Promise<Request>];

const cases: Case[] = [
  ['no proof', async () => dpopRequest(API, await mintToken(issuer, dpop), null)],
  ['no Authorization header', async () => dpopRequest(API, null, await mintProof(dpop, await mintToken(issuer, dpop)))],
  [
    'the Bearer scheme instead of DPoP',
    async () => {
      const token = await mintToken(issuer, dpop);
      return new Request(API, { headers: { authorization: `Bearer ${token}`, dpop: await mintProof(dpop, token) } });
    },
  ],
  ['a stale proof iat (2 minutes old)', async () => proofFor({ iat: now() - 120 })],
  ['a future proof iat (2 minutes ahead)', async () => proofFor({ iat: now() + 120 })],
  ['a wrong htm', async () => proofFor({ htm: 'POST' })],
  ['a wrong htu (another path)', async () => proofFor({ htu: 'https://api.example.test/api/admin' })],
  ['a wrong htu (another origin)', async () => proofFor({ htu: 'https://evil.example.test/api/todos' })],
  ['a wrong ath', async () => proofFor({ ath: await athOf('another token') })],
  ['a short jti', async () => proofFor({ jti: 'abc' })],
  ['a proof of another typ', async () => proofFor({ typ: 'JWT' })],
  [
    'a proof signed by another key than cnf.jkt (a stolen token)',
    async () => {
      const thief = await makeDpopKey();
      const token = await mintToken(issuer, dpop);
      return dpopRequest(API, token, await mintProof(dpop, token, { signer: thief }));
    },
  ],
  ['an expired token', async () => tokenFor({ iat: now() - 400, exp: now() - 100 })],
  ['a token issued in the future', async () => tokenFor({ iat: now() + 600, exp: now() + 900 })],
  ['a token living longer than 300 s', async () => tokenFor({ exp: now() + 3600 })],
  ['a wrong iss', async () => tokenFor({ iss: 'https://other.example.test' })],
  ['a wrong aud', async () => tokenFor({ aud: 'https://other-api.example.test' })],
  ['a token of another typ', async () => tokenFor({ typ: 'JWT' })],
  ['a token signed by another key (under the real kid)', async () => tokenFor({ key: (await makeIssuer()).privateKey })],
  ['a token signed by another key (under its own kid)', async () => {
    const other = await makeIssuer();
    return tokenFor({ key: other.privateKey, kid: other.kid });
  }],
  [
    'an unsigned token (alg none)',
    async () => {
      const token = new UnsecuredJWT({ sid: 's', cnf: { jkt: dpop.jkt }, amr: ['pwd'] })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('alice@example.com')
        .setIssuedAt()
        .setExpirationTime(now() + 300)
        .setJti('j'.repeat(22))
        .encode();
      return dpopRequest(API, token, await mintProof(dpop, token));
    },
  ],
  [
    'an HS256 token keyed with the public key (algorithm confusion)',
    async () => {
      const secret = base64url.decode(issuer.jwks.keys[0]?.x as string);
      const token = await new SignJWT({ sid: 's', cnf: { jkt: dpop.jkt }, amr: ['pwd'] })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('alice@example.com')
        .setIssuedAt()
        .setExpirationTime(now() + 300)
        .setJti('j'.repeat(22))
        .sign(secret);
      return dpopRequest(API, token, await mintProof(dpop, token));
    },
  ],
];

async function proofFor(options: Parameters<typeof mintProof>[2]): Promise<Request> {
  const token = await mintToken(issuer, dpop);
  return dpopRequest(API, token, await mintProof(dpop, token, options));
}

async function tokenFor(options: Parameters<typeof mintToken>[2]): Promise<Request> {
  const token = await mintToken(issuer, dpop, options);
  return dpopRequest(API, token, await mintProof(dpop, token));
}

describe('refused requests', () => {
  test.each(cases)('%s: AUTH_FAILED, 401 with a DPoP challenge, and no jti burned', async (_name, make) => {
    const store = countingStore();
    const verifier = verifierWith(store);
    await authFailed(verifier.verify(await make()));
    let ran = false;
    const response = await verifier.fetch(() => {
      ran = true;
      return new Response('secret');
    })(await make());
    expect(ran).toBe(false);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP (error="invalid_(token|dpop_proof)", )?algs="ES256"$/);
    expect(await response.text()).not.toContain('secret');
    expect(store.burns, 'a refused request must not burn its proof id').toBe(0);
  });

  test('the challenge names the failure: no credentials, a bad token, a bad proof', async () => {
    const reject = (request: Request): Promise<string | null> =>
      verifierWith()
        .fetch(() => new Response())(request)
        .then((r) => r.headers.get('www-authenticate'));
    expect(await reject(new Request(API))).toBe('DPoP algs="ES256"');
    expect(await reject(await tokenFor({ aud: 'x' }))).toBe('DPoP error="invalid_token", algs="ES256"');
    expect(await reject(await proofFor({ htm: 'PUT' }))).toBe('DPoP error="invalid_dpop_proof", algs="ES256"');
  });

  test('a replayed proof (same jti) is refused, also with a query string added', async () => {
    const verifier = verifierWith();
    const token = await mintToken(issuer, dpop);
    const proof = await mintProof(dpop, token);
    await expect(verifier.verify(dpopRequest(API, token, proof))).resolves.toBeDefined();
    await authFailed(verifier.verify(dpopRequest(API, token, proof)));
    await authFailed(verifier.verify(dpopRequest(`${API}?again`, token, proof)));
  });

  test('a new proof with a used jti is refused', async () => {
    const verifier = verifierWith();
    const token = await mintToken(issuer, dpop);
    const jti = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
    await expect(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token, { jti })))).resolves.toBeDefined();
    await authFailed(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token, { jti, iat: now() - 1 }))));
  });

  test('the jti is not burned when another check fails: the same proof still passes on the right request', async () => {
    const verifier = verifierWith();
    const token = await mintToken(issuer, dpop);
    const proof = await mintProof(dpop, token, { htm: 'GET', htu: API });
    await authFailed(verifier.verify(dpopRequest(API, token, proof, 'DELETE')));
    await authFailed(verifier.verify(dpopRequest('https://api.example.test/api/other', token, proof)));
    await expect(verifier.verify(dpopRequest(API, token, proof))).resolves.toMatchObject({ userId: 'alice@example.com' });
    await authFailed(verifier.verify(dpopRequest(API, token, proof)));
  });

  test('two DPoP headers are refused', async () => {
    const token = await mintToken(issuer, dpop);
    const headers = new Headers({ authorization: `DPoP ${token}` });
    headers.append('dpop', await mintProof(dpop, token));
    headers.append('dpop', await mintProof(dpop, token));
    await authFailed(verifierWith().verify(new Request(API, { headers })));
  });
});

describe('a token verified once', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('is refused once it expires, though its first success is remembered', async () => {
    const verifier = verifierWith();
    const token = await mintToken(issuer, dpop, { exp: now() + 30 });
    await expect(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token)))).resolves.toBeDefined();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 40_000);
    await authFailed(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token))));
  });

  test('a remembered token still needs a proof by its key, for this request', async () => {
    const verifier = verifierWith();
    const token = await mintToken(issuer, dpop);
    await expect(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token)))).resolves.toBeDefined();
    await authFailed(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token, { signer: await makeDpopKey() }))));
    await authFailed(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token, { ath: await athOf('x') }))));
    await authFailed(verifier.verify(dpopRequest(API, token, null)));
  });
});

describe('replay store failures', () => {
  test('surface as STORAGE (503), never as a pass', async () => {
    const verifier = verifierWith({ burn: () => Promise.reject(new Error('disk gone')) });
    const token = await mintToken(issuer, dpop);
    const caught = await verifier.verify(dpopRequest(API, token, await mintProof(dpop, token))).catch((err: unknown) => err);
    expect(isZeroVaultError(caught) && caught.code).toBe('STORAGE');
    expect((caught as Error).message).not.toContain('disk');
    const response = await verifier.fetch(() => new Response('ok'))(dpopRequest(API, token, await mintProof(dpop, token)));
    expect(response.status).toBe(503);
  });
});

describe('options', () => {
  test('exactly one of jwks and jwksUrl, and a non-empty issuer and audience', () => {
    const code = (f: () => unknown): unknown => {
      try {
        f();
      } catch (err) {
        return isZeroVaultError(err) ? err.code : err;
      }
      return undefined;
    };
    expect(code(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE }))).toBe('INVALID_INPUT');
    expect(code(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, jwksUrl: 'https://x.test/jwks' }))).toBe('INVALID_INPUT');
    expect(code(() => createVerifier({ issuer: '', audience: AUDIENCE, jwks: issuer.jwks }))).toBe('INVALID_INPUT');
    expect(code(() => createVerifier({ issuer: ISSUER, audience: '', jwks: issuer.jwks }))).toBe('INVALID_INPUT');
    expect(code(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'not a url' }))).toBe('INVALID_INPUT');
  });

  test('proofMaxAgeSeconds narrows the window', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, proofMaxAgeSeconds: 10 });
    await authFailed(verifier.verify(await proofFor({ iat: now() - 30 })));
    await expect(verifier.verify(await proofFor({ iat: now() - 5 }))).resolves.toBeDefined();
  });
});

describe('jwksUrl', () => {
  let server: Server;
  let url: string;
  let served = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      served += 1;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }).end(JSON.stringify(issuer.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('fetches the issuer keys from a real HTTP server and verifies', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: url });
    const token = await mintToken(issuer, dpop);
    await expect(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token)))).resolves.toMatchObject({ userId: 'alice@example.com' });
    await expect(verifier.verify(dpopRequest(API, token, await mintProof(dpop, token)))).resolves.toBeDefined();
    expect(served).toBe(1); // cached
    await authFailed(verifier.verify(await tokenFor({ key: (await makeIssuer()).privateKey })));
  });

  test('an unreachable JWKS is AUTH_FAILED (fail closed)', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: url.replace('/.well-known/jwks.json', '/missing') });
    await authFailed(verifier.verify(await tokenFor({})));
  });
});
