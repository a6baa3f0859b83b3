/**
 * Issue 14 part 1 end to end over loopback HTTP: the SDK's `session.fetch`
 * calls an app service on another port that never imports zerovault. The
 * service checks every request with plain `jose` only: the access token
 * against the zerovault server's published JWKS (`createRemoteJWKSet`), and
 * the DPoP proof (RFC 9449) against the method, URL, token hash and the
 * token's `cnf.jkt`.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, createRemoteJWKSet, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client } from '../../src/client/index.js';
import { createVerifier, memoryReplayStore } from '../../src/verify/index.js';
import { TEST_KSF, sdk, startServer, type Running } from './helpers.js';

let running: Running;
let app: Server;
let appUrl: string;
let verified: Server;
let verifiedUrl: string;
const seen = new Set<string>();

/** What a plain-jose app route concludes about one request. */
async function check(req: IncomingMessage, origin: string, jwksUrl: URL): Promise<{ status: number; body: unknown }> {
  const auth = req.headers.authorization ?? '';
  const proof = req.headers.dpop;
  if (!auth.startsWith('DPoP ') || typeof proof !== 'string') return { status: 401, body: { error: 'missing' } };
  const token = auth.slice(5);
  try {
    const { payload } = await jwtVerify(token, createRemoteJWKSet(jwksUrl), { issuer: 'zerovault', audience: 'zerovault', typ: 'at+jwt', algorithms: ['EdDSA'] });
    const { payload: p, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK);
    const url = new URL(req.url ?? '/', origin);
    const ath = createHash('sha256').update(token).digest('base64url');
    const fresh = typeof p.iat === 'number' && Math.abs(Date.now() / 1000 - p.iat) <= 60;
    const ok =
      (payload.cnf as { jkt?: string } | undefined)?.jkt === jkt &&
      p.htm === req.method &&
      p.htu === `${url.origin}${url.pathname}` &&
      p.ath === ath &&
      fresh &&
      typeof p.jti === 'string' &&
      !seen.has(p.jti);
    if (!ok) return { status: 401, body: { error: 'proof' } };
    seen.add(p.jti as string);
    return { status: 200, body: { sub: payload.sub, sid: payload.sid, method: req.method } };
  } catch {
    return { status: 401, body: { error: 'invalid' } };
  }
}

beforeAll(async () => {
  running = await startServer();
  const jwksUrl = new URL(`${running.base}/.well-known/jwks.json`);
  app = createHttpServer((req, res) => {
    void check(req, appUrl, jwksUrl).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  // The same app with zerovault/verify as its middleware (it never imports the zerovault server).
  const verifier = createVerifier({ issuer: 'zerovault', audience: 'zerovault', jwksUrl, replayStore: memoryReplayStore() });
  const middleware = verifier.node();
  verified = createHttpServer((req, res) => {
    middleware(req, res, () => {
      const who = (req as IncomingMessage & { zerovault?: { userId: string; sessionId: string } }).zerovault;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sub: who?.userId, sid: who?.sessionId, method: req.method }));
    });
  });
  await new Promise<void>((resolve) => verified.listen(0, '127.0.0.1', resolve));
  verifiedUrl = `http://127.0.0.1:${(verified.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const server of [app, verified]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await running.close();
});

describe("the app's own routes", () => {
  test('session.fetch reaches a service that verifies with plain jose; a copied request is refused; after logout CLOSED', async () => {
    const recorded: Request[] = [];
    const alice = await sdk(running).register({ userId: 'alice', password: 'pw-alice' });
    // Another origin than the server's: it must be listed. Without it, nothing is sent.
    await expect(alice.fetch(`${appUrl}/api/todos`)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const listing = new Client({
      url: running.base,
      ksf: TEST_KSF,
      tokenOrigins: [appUrl],
      fetch: (request) => {
        if (request.url.startsWith(appUrl)) recorded.push(request.clone());
        return fetch(request);
      },
    });
    const bob = await listing.register({ userId: 'bob', password: 'pw-bob' });
    for (const method of ['GET', 'POST'] as const) {
      const response = await bob.fetch(`${appUrl}/api/todos?page=2`, { method, ...(method === 'POST' ? { body: '{"title":"milk"}' } : {}) });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ sub: 'bob', method });
    }
    // A copy of a request (token and proof) replayed by someone who saw it: refused.
    const copy = recorded[0] as Request;
    expect((await fetch(copy)).status).toBe(401);
    // The token alone with a proof from another key (a stolen token) is refused too.
    const headers = new Headers(copy.headers);
    headers.delete('dpop');
    expect((await fetch(copy.url, { headers })).status).toBe(401);
    await bob.logout();
    await expect(bob.fetch(`${appUrl}/api/todos`)).rejects.toMatchObject({ code: 'CLOSED' });
    await alice.logout();
  });

  test('zerovault/verify as the middleware of a separate service, through jwksUrl: the user and session, and replays refused', async () => {
    const recorded: Request[] = [];
    const client = new Client({
      url: running.base,
      ksf: TEST_KSF,
      tokenOrigins: [verifiedUrl],
      fetch: (request) => {
        if (request.url.startsWith(verifiedUrl)) recorded.push(request.clone());
        return fetch(request);
      },
    });
    const carol = await client.register({ userId: 'Carol@Example.com', password: 'pw-carol' });
    const response = await carol.fetch(new Request(`${verifiedUrl}/api/todos`, { method: 'PUT', body: '{}' }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { sub: string; sid: string; method: string };
    expect(body).toMatchObject({ sub: 'carol@example.com', method: 'PUT' });
    expect(body.sid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    const replay = await fetch(recorded[0] as Request);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP /);
    await carol.logout();
  });
});
