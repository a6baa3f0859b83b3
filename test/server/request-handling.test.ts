/**
 * How the fetch handler treats every request the same way, from the route
 * table: 404 / 405 + Allow before anything is read, the body read only once
 * the session is known (and small without one), every 429 with Retry-After,
 * every 5xx an `error` event, no error message echoing the request, and a
 * body consumed by someone else answered at once.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { toBase64url } from '../../src/crypto/bytes.js';
import { ZeroVaultError } from '../../src/errors.js';
import { createServerSetup as createOpaqueSetup } from '../../src/opaque/index.js';
import { createServer, memoryServerStore, type CreateServerOptions, type ServerEvent, type ServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import { BASE, login, post, register, signed } from './harness.js';

const setup = createOpaqueSetup();
const MiB = 1024 * 1024;

let events: ServerEvent[];

function make(options: Partial<CreateServerOptions> = {}): ZeroVaultServer {
  const server = createServer({ setup, store: memoryServerStore(), basePath: '/zv', ...options });
  server.on('*', (e) => events.push(e));
  return server;
}

beforeEach(() => {
  events = [];
});

/** A request body produced on demand, counting the bytes the server pulled. */
function countingBody(total: number, chunk = 16 * 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x41));
      },
    },
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
  return { stream, pulled: () => pulled };
}

function streamed(method: string, path: string, stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  const init: RequestInit & { duplex: 'half' } = { method, headers, body: stream, duplex: 'half' };
  return new Request(`${BASE}${path}`, init);
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

const FAKE_AUTH = `ZV1 session=${'A'.repeat(22)}, ts=${Date.now()}, nonce=${toBase64url(new Uint8Array(16))}, mac=${toBase64url(new Uint8Array(32))}`;

describe('the body is read only once the session is known', () => {
  test('a blob write naming no live session is 401 before any body byte is read', async () => {
    const server = make({ maxBodyBytes: 8 * MiB });
    for (const authorization of [FAKE_AUTH, 'ZV1 nonsense']) {
      const body = countingBody(9 * MiB);
      const response = await server.fetch(streamed('PUT', '/blobs/v/r', body.stream, { authorization }));
      expect(response.status).toBe(401);
      expect(body.pulled()).toBe(0);
    }
    const unsigned = countingBody(9 * MiB);
    expect((await server.fetch(streamed('PUT', '/blobs/v/r', unsigned.stream))).status).toBe(401);
    expect(unsigned.pulled()).toBe(0);
  });

  test('an unknown path containing /blobs/ is 404 and reads nothing', async () => {
    const server = make({ maxBodyBytes: 8 * MiB });
    for (const path of ['/nope/blobs/x', '/register/start/blobs/x', '/blobs/v/r/extra']) {
      const body = countingBody(9 * MiB);
      const response = await server.fetch(streamed('POST', path, body.stream));
      expect(response.status, path).toBe(404);
      expect(body.pulled(), path).toBe(0);
    }
  });

  test('an anonymous route reads at most anonymousBodyBytes (default 64 KiB), then 413', async () => {
    const server = make({ maxBodyBytes: 8 * MiB });
    const body = countingBody(9 * MiB);
    const response = await server.fetch(streamed('POST', '/login/start', body.stream));
    expect(response.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);

    const small = make({ anonymousBodyBytes: 1024 });
    expect((await small.fetch(new Request(`${BASE}/register/start`, { method: 'POST', body: 'x'.repeat(2048) }))).status).toBe(413);
    // The same size within a session's route is read (and then refused as malformed, not as too large).
    await register(small, 'ann', 'pw');
    const session = await login(small, 'ann', 'pw');
    const put = await small.fetch(signed(session, 'PUT', '/blobs/v/r', { body: { data: toBase64url(new Uint8Array(1500)) } }));
    expect(put.status).toBe(200);
  });

  test('a live session gets the route limit: a blob write over maxBodyBytes is 413, under it is stored', async () => {
    const server = make({ maxBodyBytes: 4096 });
    await register(server, 'bob', 'pw');
    const session = await login(server, 'bob', 'pw');
    expect((await server.fetch(signed(session, 'PUT', '/blobs/v/r', { body: { data: 'A'.repeat(5000) } }))).status).toBe(413);
    expect((await server.fetch(signed(session, 'PUT', '/blobs/v/r', { body: { data: toBase64url(new Uint8Array(2000)) } }))).status).toBe(200);
    // DELETE takes no body; a signed route without a session is 401 whatever its body.
    expect((await server.fetch(signed(session, 'DELETE', '/blobs/v/r', { body: {} }))).status).toBe(413);
    const unsigned = new Request(`${BASE}/logout`, { method: 'POST', body: 'x'.repeat(65 * 1024) });
    expect((await server.fetch(unsigned)).status).toBe(401);
  });

  test('anonymousBodyBytes is validated', () => {
    expect(() => make({ anonymousBodyBytes: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('one route table: 404, 405 + Allow', () => {
  test('a known path with another method is 405 with Allow; an unknown path is 404', async () => {
    const server = make();
    const cases: [string, string, string][] = [
      ['GET', '/register/start', 'POST'],
      ['PUT', '/login/finish', 'POST'],
      ['GET', '/logout', 'POST'],
      ['POST', '/blobs/v', 'GET'],
      ['PATCH', '/blobs/v/r', 'GET, PUT, DELETE'],
      ['HEAD', '/blobs/v/r', 'GET, PUT, DELETE'],
      ['POST', '/shared/x/blobs/v/r', 'GET, PUT, DELETE'],
      ['POST', '/grants/v/x', 'PUT, DELETE'],
      ['DELETE', '/keys', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await server.fetch(new Request(`${BASE}${path}`, { method }));
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    for (const path of ['/', '/nope', '/blobs', '/blobs/v/r/x', '/users/x', '/shared/x', '/keys/x']) {
      expect((await server.fetch(new Request(`${BASE}${path}`))).status, path).toBe(404);
    }
  });

  test('a store without the sharing methods has no sharing routes (404)', async () => {
    const { appendKeyEvent: _a, getKeyEvents: _g, ...rest } = memoryServerStore();
    const server = make({ store: rest });
    expect((await server.fetch(new Request(`${BASE}/shared`))).status).toBe(404);
    expect((await server.fetch(new Request(`${BASE}/blobs/v`))).status).toBe(401);
  });
});

describe('429 and 5xx', () => {
  test('every 429 carries Retry-After in seconds, also from a store that rate-limits', async () => {
    const base = memoryServerStore();
    const limiting: ServerStore = {
      ...base,
      blobs: (userId) => ({
        ...base.blobs(userId),
        put: async () => {
          throw new ZeroVaultError('RATE_LIMITED', 'slow down', { retryAfterMs: 4500 });
        },
        list: async () => {
          throw new ZeroVaultError('RATE_LIMITED', 'slow down');
        },
      }),
    };
    const server = make({ store: limiting });
    await register(server, 'cy', 'pw');
    const session = await login(server, 'cy', 'pw');
    const put = await server.fetch(signed(session, 'PUT', '/blobs/v/r', { body: { data: 'AA' } }));
    expect(put.status).toBe(429);
    expect(put.headers.get('retry-after')).toBe('5');
    const list = await server.fetch(signed(session, 'GET', '/blobs/v'));
    expect(list.status).toBe(429);
    expect(list.headers.get('retry-after')).toBe('1');
  });

  test('every 5xx is an error event, whatever the error', async () => {
    const base = memoryServerStore();
    for (const thrown of [new ZeroVaultError('NETWORK', 'db unreachable'), new ZeroVaultError('WORKER', 'x'), new TypeError('boom')]) {
      events = [];
      const server = make({
        store: {
          ...base,
          getUserRecord: async () => {
            throw thrown;
          },
        },
      });
      const response = await post(server, '/login/start', { userId: 'x', request: toBase64url(new Uint8Array(32)) });
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(events.filter((e) => e.type === 'error'), String(thrown)).toHaveLength(1);
    }
  });
});

describe('error messages never echo the request', () => {
  test('an unknown JSON field, path segment, query or header value does not appear in any response', async () => {
    const server = make();
    await register(server, 'di', 'pw');
    const session = await login(server, 'di', 'pw');
    const marker = 'MARKERxyz';
    const responses = [
      await post(server, '/register/start', { userId: 'di', request: 'AA', [marker]: 1 }),
      await post(server, '/login/start', { userId: `${marker} x`, request: 'AA' }),
      await post(server, '/login/finish', { loginId: marker, finalization: 'AA' }),
      await server.fetch(signed(session, 'PUT', `/blobs/${marker}%20/r`, { body: { data: 'AA' } })),
      await server.fetch(signed(session, 'GET', `/blobs/v?${marker}=1`)),
      await server.fetch(signed(session, 'GET', `/blobs/v?limit=${marker}`)),
      await server.fetch(signed(session, 'PUT', '/blobs/v/r', { body: { data: 'AA' }, headers: { 'if-match': marker } })),
      await server.fetch(signed(session, 'GET', `/users/${marker}%ZZ/keys`)),
      await server.fetch(signed(session, 'PUT', '/blobs/v/r', { body: { data: 'AA', [marker]: 'x' } })),
      await server.fetch(new Request(`${BASE}/blobs/v`, { headers: { authorization: `ZV1 ${marker}` } })),
    ];
    for (const response of responses) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(await response.text()).not.toContain(marker);
    }
  });
});

describe('a body consumed before zerovault', () => {
  test('is a 500 at once that names the cause, and an error event', async () => {
    const server = make();
    const request = new Request(`${BASE}/login/start`, { method: 'POST', body: JSON.stringify({ userId: 'x', request: 'AA' }) });
    await request.text(); // what a body parser mounted first does
    const response = await server.fetch(request);
    expect(response.status).toBe(500);
    expect((await errorOf(response)).message).toMatch(/mount zerovault before any body parser/);
    expect(events).toEqual([expect.objectContaining({ type: 'error', reason: 'body-consumed-before-zerovault' })]);
  });
});

describe('setup', () => {
  test('the server keeps its own copy of the setup', async () => {
    const mine = Uint8Array.from(setup);
    const server = make({ setup: mine });
    mine.fill(0);
    expect((await register(server, 'ed', 'pw')).status).toBe(201);
    await login(server, 'ed', 'pw');
  });
});
