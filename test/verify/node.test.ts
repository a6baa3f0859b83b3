/**
 * The `node()` middleware in a real node:http server: it sets
 * `req.zerovault` and calls `next()` for a verified request, and answers 401
 * with a `WWW-Authenticate: DPoP` challenge itself otherwise (next is never
 * called).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createVerifier, type NodeMiddleware, type VerifiedRequest } from '../../src/verify/index.js';
import { AUDIENCE, ISSUER, makeDpopKey, makeIssuer, mintProof, mintToken, type DpopKey, type Issuer } from './mint.js';

let issuer: Issuer;
let dpop: DpopKey;
let server: Server;
let base: string;
let nextCalls = 0;

/** Routes: `/api/*` behind the plain middleware; `/mounted/*` as Express mounts it (url rewritten, originalUrl kept); `/proxied/*` behind a proxy origin. */
function app(plain: NodeMiddleware, proxied: NodeMiddleware) {
  return (req: IncomingMessage & { zerovault?: VerifiedRequest; originalUrl?: string }, res: ServerResponse) => {
    const next = (err?: unknown): void => {
      nextCalls += 1;
      if (err !== undefined) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, zerovault: req.zerovault }));
    };
    if (req.url?.startsWith('/mounted/') === true) {
      req.originalUrl = req.url;
      req.url = req.url.slice('/mounted'.length);
      plain(req, res, next);
    } else if (req.url?.startsWith('/proxied/') === true) proxied(req, res, next);
    else plain(req, res, next);
  };
}

beforeAll(async () => {
  issuer = await makeIssuer();
  dpop = await makeDpopKey();
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
  server = createServer(app(verifier.node(), verifier.node({ origin: 'https://app.example.test' })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(path: string, htu: string, method = 'GET', withProof = true): Promise<Response> {
  const token = await mintToken(issuer, dpop, { sid: 'sess-node' });
  const headers: Record<string, string> = { authorization: `DPoP ${token}` };
  if (withProof) headers.dpop = await mintProof(dpop, token, { htm: method, htu });
  return fetch(`${base}${path}`, { method, headers });
}

test('a verified request: req.zerovault is set and next() runs', async () => {
  const before = nextCalls;
  const response = await call('/api/todos?done=1', `${base}/api/todos`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { zerovault: VerifiedRequest };
  expect(body.zerovault).toMatchObject({ userId: 'alice@example.com', sessionId: 'sess-node', amr: ['pwd'] });
  expect(nextCalls).toBe(before + 1);
});

test('POST with the matching htm passes', async () => {
  expect((await call('/api/todos', `${base}/api/todos`, 'POST')).status).toBe(200);
});

test('a refused request: 401 with a DPoP challenge, next() never runs', async () => {
  const before = nextCalls;
  for (const response of [
    await call('/api/todos', `${base}/api/todos`, 'GET', false),
    await call('/api/todos', `${base}/api/other`),
    await fetch(`${base}/api/todos`),
  ]) {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect(await response.json()).toEqual({ error: 'AUTH_FAILED' });
  }
  expect(nextCalls).toBe(before);
});

test('under an Express-style mount, the URL the client called (originalUrl) is what the proof names', async () => {
  const response = await call('/mounted/todos', `${base}/mounted/todos`);
  expect(response.status).toBe(200);
  expect(((await response.json()) as { url: string }).url).toBe('/todos');
  expect((await call('/mounted/todos', `${base}/todos`)).status).toBe(401);
});

test('behind a proxy, the public origin option is what the proof names', async () => {
  expect((await call('/proxied/todos', 'https://app.example.test/proxied/todos')).status).toBe(200);
  expect((await call('/proxied/todos', `${base}/proxied/todos`)).status).toBe(401);
});

test('an invalid origin option is INVALID_INPUT at setup', () => {
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks });
  expect(() => verifier.node({ origin: 'not a url' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
});
