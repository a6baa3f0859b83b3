/**
 * `zv.node()`'s fast path (issue 18): a request reaches the server straight
 * from node:http, without a WHATWG `Request` and its body stream, and a JSON
 * answer is written as its text. Everything the slow path promises holds:
 * the MAC covers the exact bytes, the route's body limit applies, a client
 * that goes away mid-body is not waited for, and answers are byte-identical
 * to the fetch path's.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { bodyHash, computeRequestMac, formatAuthorization } from '../../src/crypto/request-mac.js';
import { createServer, createServerSetup, memoryServerStore, type ServerEvent, type ZeroVaultServer } from '../../src/server/index.js';
import { BASE, login, register, signed, type TestSession } from './harness.js';

let zv: ZeroVaultServer;
let http: Server;
let port: number;
let session: TestSession;
const events: ServerEvent[] = [];

beforeAll(async () => {
  zv = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv', maxBodyBytes: 4096 });
  zv.on('*', (e) => events.push(e));
  http = createHttpServer(zv.node());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  port = (http.address() as AddressInfo).port;
  expect((await register(zv, 'fast', 'pw')).status).toBe(201);
  session = await login(zv, 'fast', 'pw');
});
afterAll(async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

/** A signed request over loopback HTTP: status, headers, body text. */
function send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const bytes = body === undefined ? new Uint8Array(0) : utf8(body);
  const timestamp = Date.now();
  const nonce = randomBytes(16);
  const mac = computeRequestMac(session.macKey, { method, pathAndQuery: path, bodyHash: bodyHash(bytes), timestamp, nonce, sessionId: session.sessionId, ifMatch: null, ifNoneMatch: null });
  const all = { 'content-type': 'application/json', ...headers, authorization: formatAuthorization({ sessionId: session.sessionId, timestamp, nonce, mac }) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: `/zv${path}`, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : Buffer.from(bytes));
  });
}

describe('zv.node() fast path', () => {
  test('a verified PUT and GET build no WHATWG Request', async () => {
    const built = vi.fn();
    const Original = globalThis.Request;
    globalThis.Request = new Proxy(Original, {
      construct(target, args: ConstructorParameters<typeof Request>) {
        built();
        return new target(...args);
      },
    });
    try {
      const data = toBase64url(randomBytes(1024));
      const put = await send('PUT', '/blobs/v/r1', JSON.stringify({ data }));
      expect(put.status).toBe(200);
      const get = await send('GET', '/blobs/v/r1');
      expect(get.status).toBe(200);
      expect(JSON.parse(get.text)).toEqual({ data, version: 1 });
    } finally {
      globalThis.Request = Original;
    }
    expect(built).not.toHaveBeenCalled();
  });

  test('answers match the fetch path: status, body and headers', async () => {
    const data = toBase64url(utf8('same'));
    expect((await send('PUT', '/blobs/v/same', JSON.stringify({ data }))).status).toBe(200);
    const viaNode = await send('GET', '/blobs/v/same');
    const viaFetch = await zv.fetch(signed(session, 'GET', '/blobs/v/same'));
    expect(viaNode.status).toBe(viaFetch.status);
    expect(viaNode.text).toBe(await viaFetch.text());
    for (const name of ['content-type', 'cache-control', 'x-content-type-options', 'etag']) expect(viaNode.headers[name]).toBe(viaFetch.headers.get(name));
    expect(Number(viaNode.headers['zv-session-expires'])).toBeGreaterThan(Date.now());
  });

  test('answers are framed by Content-Length, never chunked: a route answer, refusals, a bodiless 204', async () => {
    const data = toBase64url(utf8('framed €'));
    expect((await send('PUT', '/blobs/v/framed', JSON.stringify({ data }))).status).toBe(200);
    const read = await send('GET', '/blobs/v/framed');
    const unsigned = (method: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path: '/zv/blobs/v/framed' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end();
      });
    // The server's refusal, and one the adapter writes itself (TRACE is no route's).
    const refused = await unsigned('GET');
    const unsupported = await unsigned('TRACE');
    const deleted = await send('DELETE', '/blobs/v/framed');
    expect([read.status, refused.status, unsupported.status, deleted.status]).toEqual([200, 401, 501, 204]);
    for (const answer of [read, refused, unsupported]) {
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.text));
    }
    expect(deleted.headers['transfer-encoding']).toBeUndefined();
    expect(deleted.text).toBe('');
  });

  test('a body over the route limit is 413, and a tampered body fails the MAC', async () => {
    expect((await send('PUT', '/blobs/v/big', JSON.stringify({ data: 'A'.repeat(5000) }))).status).toBe(413);
    const ok = JSON.stringify({ data: toBase64url(utf8('x')) });
    const forged = await new Promise<number>((resolve, reject) => {
      const timestamp = Date.now();
      const nonce = randomBytes(16);
      const mac = computeRequestMac(session.macKey, { method: 'PUT', pathAndQuery: '/blobs/v/t', bodyHash: bodyHash(utf8(ok)), timestamp, nonce, sessionId: session.sessionId, ifMatch: null, ifNoneMatch: null });
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'PUT', path: '/zv/blobs/v/t', headers: { 'content-type': 'application/json', authorization: formatAuthorization({ sessionId: session.sessionId, timestamp, nonce, mac }) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(ok.replace('eA', 'eQ'));
    });
    expect(forged).toBe(401);
  });

  test('a client that goes away mid-body is not waited for, and the server keeps serving', async () => {
    const before = events.length;
    const timestamp = Date.now();
    const nonce = randomBytes(16);
    const mac = computeRequestMac(session.macKey, { method: 'PUT', pathAndQuery: '/blobs/v/cut', bodyHash: bodyHash(utf8('{}')), timestamp, nonce, sessionId: session.sessionId, ifMatch: null, ifNoneMatch: null });
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `PUT /zv/blobs/v/cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAuthorization: ${formatAuthorization({ sessionId: session.sessionId, timestamp, nonce, mac })}\r\n\r\n{"data":"`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await send('GET', '/blobs/v')).status).toBe(200);
    // A client going away is not a server fault: no `error` event.
    expect(events.slice(before).filter((e) => e.type === 'error')).toEqual([]);
    expect(BASE).toContain('/zv');
  });
});
