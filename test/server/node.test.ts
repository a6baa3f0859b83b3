/**
 * The `node:http` adapter over raw sockets (node:net) against a real
 * `node:http` server on 127.0.0.1: requests the fetch API cannot express are
 * 400 / 501, never 500; the body is streamed, so the limit that applies is
 * the route's, decided after the session is known; a body consumed by a
 * parser mounted first is a 500 at once, not a 5-minute hang; every 5xx the
 * adapter answers itself is an `error` event.
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { toBase64url } from '../../src/crypto/bytes.js';
import { createServerSetup as createOpaqueSetup } from '../../src/opaque/index.js';
import { createServer, memoryServerStore, toNodeHandler, type ServerEvent, type ZeroVaultServer } from '../../src/server/index.js';

const setup = createOpaqueSetup();
let http: Server | undefined;
let events: ServerEvent[];

afterEach(async () => {
  const server = http;
  http = undefined;
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function listen(listener: (zv: ZeroVaultServer) => RequestListener = (zv) => zv.node()): Promise<number> {
  events = [];
  const zv = createServer({ setup, store: memoryServerStore(), basePath: '/zv' });
  zv.on('*', (e) => events.push(e));
  http = createHttpServer(listener(zv));
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
}

interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

function dechunk(raw: string): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/**
 * Sends `head` (and `body`, possibly only part of what Content-Length
 * announces) on a raw socket with `Connection: close`, and reads the response
 * until the server closes. Fails when no response arrives within `ms`.
 */
function raw(port: number, head: string, body: Uint8Array | string = '', ms = 3000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${ms} ms`));
    }, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // the server may close while we still write; the response is what counts
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const headers = text.slice(0, split);
      const rest = text.slice(split + 4);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), headers, body: /transfer-encoding: chunked/i.test(headers) ? dechunk(rest) : rest });
    });
    socket.write(`${head.replace(/\n/g, '\r\n')}\r\nConnection: close\r\n\r\n`);
    if (body.length > 0) socket.write(body);
  });
}

function codeOf(response: RawResponse): string {
  return (JSON.parse(response.body) as { error: { code: string } }).error.code;
}

describe('malformed requests are 400 / 501, never 500', () => {
  test('a Host that forms no URL is 400 INVALID_INPUT', async () => {
    const port = await listen();
    for (const host of ['a b', '[', ':', 'example.com:99999', 'user@host', 'a/b', 'h:1:2']) {
      const response = await raw(port, `GET /zv/blobs/v HTTP/1.1\nHost: ${host}`);
      expect(response.status, host).toBe(400);
      expect(codeOf(response), host).toBe('INVALID_INPUT');
      expect(response.body, host).not.toContain(host.length > 1 ? host : '\u0000');
    }
    expect((await raw(port, `GET /zv/blobs/v HTTP/1.1\nHost: a\nHost: b`)).status).toBe(400);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  test('request targets: absolute-form is accepted (RFC 9112 §3.2.2), asterisk-form and others are 400, OPTIONS * and TRACE 501', async () => {
    const port = await listen();
    const absolute = await raw(port, `GET http://127.0.0.1:${port}/zv/login/start HTTP/1.1\nHost: 127.0.0.1`);
    expect(absolute.status).toBe(405);
    expect(absolute.headers).toMatch(/\r\nallow: POST/i);
    expect((await raw(port, `GET http://[/zv/login/start HTTP/1.1\nHost: 127.0.0.1`)).status).toBe(400);
    expect((await raw(port, `GET * HTTP/1.1\nHost: 127.0.0.1`)).status).toBe(400);
    const options = await raw(port, `OPTIONS * HTTP/1.1\nHost: 127.0.0.1`);
    expect(options.status).toBe(501);
    expect(codeOf(options)).toBe('UNSUPPORTED');
    const trace = await raw(port, `TRACE /zv/login/start HTTP/1.1\nHost: 127.0.0.1`);
    expect(trace.status).toBe(501);
    expect(codeOf(trace)).toBe('UNSUPPORTED');
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  test('responses of the adapter carry the security headers', async () => {
    const port = await listen();
    const response = await raw(port, `GET /zv/blobs/v HTTP/1.1\nHost: a b`);
    expect(response.headers).toMatch(/\r\ncache-control: no-store/i);
    expect(response.headers).toMatch(/\r\nx-content-type-options: nosniff/i);
  });
});

describe('the body is streamed: the route decides the limit, after the session', () => {
  const BIG = 50 * 1024 * 1024;

  test('a signed route without a live session is answered without waiting for its body', async () => {
    const port = await listen();
    const auth = `ZV1 session=${'A'.repeat(22)}, ts=${Date.now()}, nonce=${toBase64url(new Uint8Array(16))}, mac=${toBase64url(new Uint8Array(32))}`;
    const response = await raw(port, `PUT /zv/blobs/v/r HTTP/1.1\nHost: 127.0.0.1\nAuthorization: ${auth}\nContent-Type: application/json\nContent-Length: ${BIG}`, 'x'.repeat(1024));
    expect(response.status).toBe(401);
    expect(events.map((e) => e.type)).toEqual(['auth_failed']);
  });

  test('an anonymous route refuses a large Content-Length at once, and a large chunked body after the small cap', async () => {
    const port = await listen();
    const declared = await raw(port, `POST /zv/login/start HTTP/1.1\nHost: 127.0.0.1\nContent-Length: ${BIG}`, 'x'.repeat(1024));
    expect(declared.status).toBe(413);
    const chunk = `${(16 * 1024).toString(16)}\r\n${'x'.repeat(16 * 1024)}\r\n`;
    const chunked = await raw(port, `POST /zv/login/start HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked`, chunk.repeat(6)); // 96 KiB, never ended
    expect(chunked.status).toBe(413);
  });

  test('an unknown path is 404 without waiting for its body', async () => {
    const port = await listen();
    expect((await raw(port, `POST /zv/nope/blobs/x HTTP/1.1\nHost: 127.0.0.1\nContent-Length: ${BIG}`, 'x')).status).toBe(404);
  });
});

describe('a body consumed by a parser mounted first', () => {
  /** What `express.json()` does before passing the request on. */
  const parsedFirst =
    (zv: ZeroVaultServer): RequestListener =>
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown });
        zv.node()(req, res);
      });
    };

  test('is a 500 at once that names the cause, and an error event', async () => {
    const port = await listen(parsedFirst);
    const body = JSON.stringify({ userId: 'x', request: 'AA' });
    const response = await raw(port, `POST /zv/login/start HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: ${body.length}`, body);
    expect(response.status).toBe(500);
    const error = (JSON.parse(response.body) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('STORAGE');
    expect(error.message).toMatch(/mount zerovault before any body parser/);
    expect(events).toEqual([expect.objectContaining({ type: 'error', reason: 'body-consumed-before-zerovault' })]);
  });

  test('a request without a body still works behind such a parser', async () => {
    const port = await listen(parsedFirst);
    const response = await raw(port, `GET /zv/blobs/v HTTP/1.1\nHost: 127.0.0.1`);
    expect(response.status).toBe(401);
  });
});

describe('5xx of the adapter itself', () => {
  test('a failing handler is a 500 and reported through onError', async () => {
    const reasons: string[] = [];
    const port = await listen(() =>
      toNodeHandler(
        {
          fetch: async () => {
            throw new Error('boom');
          },
        },
        { onError: (reason) => reasons.push(reason) },
      ),
    );
    const response = await raw(port, `GET /zv/blobs/v HTTP/1.1\nHost: 127.0.0.1`);
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'STORAGE', message: 'internal error' } });
    expect(reasons).toEqual(['adapter-failure']);
  });
});

describe('the request URL the server sees (a DPoP proof signs it)', () => {
  /** The URL the fetch handler receives for one request through the adapter. */
  async function seenUrl(headers: Record<string, string>, trustProxy: boolean): Promise<string> {
    let seen = '';
    const echo = { fetch: async (request: Request) => ((seen = request.url), new Response(null, { status: 204 })) };
    http = createHttpServer(toNodeHandler(echo, { trustProxy }));
    await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    await fetch(`http://127.0.0.1:${port}/zv/token?x=1`, { headers });
    return seen;
  }

  test('behind a trusted proxy, X-Forwarded-Proto and X-Forwarded-Host name the public URL', async () => {
    const url = await seenUrl({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' }, true);
    expect(url).toBe('https://app.example/zv/token?x=1');
  });

  test('the last entry is the trusted proxy\'s; a malformed one is ignored', async () => {
    expect(await seenUrl({ 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'evil.example, app.example' }, true)).toBe('https://app.example/zv/token?x=1');
  });

  test('without trustProxy the forwarded headers are ignored', async () => {
    const url = await seenUrl({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' }, false);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/zv\/token\?x=1$/);
  });

  test('a malformed forwarded value is ignored', async () => {
    const url = await seenUrl({ 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'a b' }, true);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/zv\/token\?x=1$/);
  });
});
