import { afterEach, describe, expect, test, vi } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { memoryStore } from '../../src/store/memory.js';
import { restStore, type RestStoreOptions } from '../../src/store/rest.js';
import { blobStoreConformance } from './conformance.js';
import { BASE, fakeBlobServer } from './fake-server.js';

blobStoreConformance('rest', async () => ({ store: restStore({ baseUrl: BASE, fetch: fakeBlobServer() }) }), { propertyRuns: 60 });

const b = (text: string): Uint8Array => utf8(text);
type Fetch = (request: Request) => Promise<Response>;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** Wraps a fetch, recording every request it sees. */
function recording(inner: Fetch): { fetch: Fetch; requests: Request[] } {
  const requests: Request[] = [];
  return {
    requests,
    fetch: async (request) => {
      requests.push(request.clone());
      return inner(request);
    },
  };
}

/** A fetch that plays `steps` in order (a status, a thrown error, or a handler), then defers to `rest`. */
function scripted(steps: (number | Error | Fetch)[], rest: Fetch = fakeBlobServer()): { fetch: Fetch; requests: Request[] } {
  let i = 0;
  return recording(async (request) => {
    const step = steps[i++];
    if (step === undefined) return rest(request);
    if (typeof step === 'number') return new Response(JSON.stringify({ code: 'X' }), { status: step });
    if (step instanceof Error) throw step;
    return step(request);
  });
}

const fast = (fetch: Fetch, extra: Partial<RestStoreOptions> = {}) =>
  restStore({ baseUrl: BASE, fetch, retryDelayMs: 1, maxRetryDelayMs: 2, ...extra });

/** A 200 with this JSON body and headers. */
const reply =
  (body: unknown, headers: Record<string, string> = {}): Fetch =>
  async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });

describe('rest: wire format', () => {
  test('routes, headers and bodies follow the server contract', async () => {
    const { fetch, requests } = recording(fakeBlobServer());
    const store = restStore({ baseUrl: `${BASE}/`, fetch });
    await store.put('v', 'r', b('hi'), { ifVersion: null });
    await store.put('v', 'r', b('ho'), { ifVersion: 1 });
    await store.put('v', 'r', b('hu'));
    await store.get('v', 'r');
    await store.list('v', { after: 'a', limit: 5 });
    await store.delete('v', 'r', { ifVersion: 3 });
    await store.delete('v', 'r');
    const seen = requests.map((r) => [r.method, r.url, r.headers.get('if-match'), r.headers.get('if-none-match')]);
    expect(seen).toEqual([
      ['PUT', `${BASE}/blobs/v/r`, null, '*'],
      ['PUT', `${BASE}/blobs/v/r`, '"1"', null],
      ['PUT', `${BASE}/blobs/v/r`, null, null],
      ['GET', `${BASE}/blobs/v/r`, null, null],
      ['GET', `${BASE}/blobs/v?after=a&limit=5`, null, null],
      ['DELETE', `${BASE}/blobs/v/r`, '"3"', null],
      ['DELETE', `${BASE}/blobs/v/r`, null, null],
    ]);
    expect(requests[0]?.headers.get('content-type')).toBe('application/json');
    expect(await requests[0]?.json()).toEqual({ data: toBase64url(b('hi')) });
  });

  test('the version may come from ETag, a weak ETag, or the JSON body', async () => {
    const data = toBase64url(b('x'));
    expect((await fast(reply({ data }, { etag: '"7"' })).get('v', 'r'))?.version).toBe(7);
    expect((await fast(reply({ data }, { etag: 'W/"8"' })).get('v', 'r'))?.version).toBe(8);
    expect((await fast(reply({ data, version: 9 })).get('v', 'r'))?.version).toBe(9);
    expect((await fast(reply({ data, version: 4 }, { etag: '"4"' })).get('v', 'r'))?.version).toBe(4);
    expect(await fast(reply({ version: 2 })).put('v', 'r', b('x'), { ifVersion: 1 })).toEqual({ version: 2 });
    expect(await fast(reply('', { etag: '"1"' })).put('v', 'r', b('x'))).toEqual({ version: 1 });
  });

  test('getMany keeps at most 6 requests in flight and preserves order', async () => {
    const server = fakeBlobServer();
    let inFlight = 0;
    let peak = 0;
    const store = restStore({
      baseUrl: BASE,
      fetch: async (request) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return server(request);
      },
    });
    const ids = Array.from({ length: 20 }, (_, i) => `id${i}`);
    for (const id of ids.slice(0, 10)) await store.put('v', id, b(id));
    const got = await store.getMany('v', ids);
    expect(got.map((r) => (r === null ? null : new TextDecoder().decode(r.data)))).toEqual(ids.map((id, i) => (i < 10 ? id : null)));
    expect(peak).toBeLessThanOrEqual(6);
  });

  test('the global fetch is used when none is given, read at call time', async () => {
    const store = restStore({ baseUrl: BASE });
    const server = fakeBlobServer();
    const spy = vi.fn(server);
    vi.stubGlobal('fetch', spy);
    await store.put('v', 'r', b('x'));
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe('rest: status mapping', () => {
  const cases: [number, string][] = [
    [400, 'INVALID_INPUT'],
    [401, 'AUTH_FAILED'],
    [403, 'FORBIDDEN'],
    [408, 'NETWORK'],
    [409, 'CONFLICT'],
    [412, 'CONFLICT'],
    [413, 'INVALID_INPUT'],
    [418, 'NETWORK'],
    [422, 'INVALID_INPUT'],
    [429, 'RATE_LIMITED'],
    [500, 'NETWORK'],
    [502, 'NETWORK'],
    [503, 'NETWORK'],
    [504, 'NETWORK'],
    [302, 'NETWORK'],
  ];
  for (const [status, code] of cases) {
    test(`${status} → ${code} for every operation`, async () => {
      const store = fast(async () => new Response('{}', { status }), { retries: 0 });
      for (const call of [
        () => store.get('v', 'r'),
        () => store.put('v', 'r', b('x')),
        () => store.put('v', 'r', b('x'), { ifVersion: 1 }),
        () => store.delete('v', 'r', { ifVersion: 1 }),
        () => store.list('v'),
      ]) {
        await expect(call()).rejects.toMatchObject({ name: 'ZeroVaultError', code });
      }
      if (code !== 'CONFLICT') await expect(store.delete('v', 'r')).rejects.toMatchObject({ code });
    });
  }

  test('404: get → null, list → empty, unconditional delete → done, conditional write → CONFLICT', async () => {
    const store = fast(async () => new Response('{}', { status: 404 }));
    expect(await store.get('v', 'r')).toBeNull();
    expect(await store.list('v')).toEqual({ items: [] });
    await store.delete('v', 'r');
    await expect(store.delete('v', 'r', { ifVersion: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.put('v', 'r', b('x'), { ifVersion: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.put('v', 'r', b('x'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('429 carries Retry-After as retryAfterMs (seconds or an HTTP date)', async () => {
    const seconds = fast(async () => new Response('{}', { status: 429, headers: { 'retry-after': '7' } }));
    await expect(seconds.get('v', 'r')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 7000 });
    const date = new Date(Date.now() + 60_000).toUTCString();
    const dated = fast(async () => new Response('{}', { status: 429, headers: { 'retry-after': date } }));
    const err = (await dated.get('v', 'r').catch((e: unknown) => e)) as { retryAfterMs?: number };
    expect(err.retryAfterMs).toBeGreaterThan(50_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
    const none = fast(async () => new Response('{}', { status: 429 }));
    const plain = (await none.get('v', 'r').catch((e: unknown) => e)) as { retryAfterMs?: number };
    expect(plain.retryAfterMs).toBeUndefined();
  });

  test('a 401 naming CLOSED is CLOSED; no other server code or text reaches the error', async () => {
    const gone = fast(async () => Response.json({ error: { code: 'CLOSED', message: 'session expired' } }, { status: 401 }));
    await expect(gone.get('v', 'r')).rejects.toMatchObject({ code: 'CLOSED', message: 'the session is closed' });
    // A server naming a code that does not belong to the status is ignored.
    const lying = fast(async () => Response.json({ error: { code: 'ROLLBACK', message: '<script>' } }, { status: 400 }));
    const err = (await lying.get('v', 'r').catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).not.toContain('script');
  });

  test('401 carries the one fixed authentication message', async () => {
    const store = fast(async () => new Response('{"detail":"secret"}', { status: 401 }));
    await expect(store.get('v', 'r')).rejects.toMatchObject({ code: 'AUTH_FAILED', message: 'authentication failed' });
  });
});

describe('rest: retries', () => {
  test('GET and list retry 5xx, 408 and thrown fetches, then succeed', async () => {
    const server = fakeBlobServer(memoryStore());
    await restStore({ baseUrl: BASE, fetch: server }).put('v', 'r', b('x'));
    const get = scripted([503, new TypeError('socket hang up'), 408], server);
    expect(await fast(get.fetch).get('v', 'r')).toEqual({ data: b('x'), version: 1 });
    expect(get.requests).toHaveLength(4);
    const list = scripted([500, 502], server);
    expect((await fast(list.fetch).list('v')).items).toEqual([{ id: 'r', version: 1 }]);
    expect(list.requests).toHaveLength(3);
  });

  test('retries are bounded: retries + 1 attempts, then NETWORK', async () => {
    const { fetch, requests } = scripted(Array.from({ length: 10 }, () => 503));
    await expect(fast(fetch, { retries: 2 }).get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK', message: 'server error (status 503)' });
    expect(requests).toHaveLength(3);
    const thrown = scripted(Array.from({ length: 10 }, () => new TypeError('offline')));
    const err = await fast(thrown.fetch, { retries: 1 })
      .list('v')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NETWORK', message: 'request failed' });
    expect((err as Error).cause).toBeInstanceOf(TypeError);
    expect(thrown.requests).toHaveLength(2);
  });

  test('unconditional PUT and DELETE are sent once', async () => {
    for (const failure of [503, new TypeError('offline')]) {
      const put = scripted([failure]);
      await expect(fast(put.fetch).put('v', 'r', b('x'))).rejects.toMatchObject({ code: 'NETWORK' });
      expect(put.requests).toHaveLength(1);
      const del = scripted([failure]);
      await expect(fast(del.fetch).delete('v', 'r')).rejects.toMatchObject({ code: 'NETWORK' });
      expect(del.requests).toHaveLength(1);
    }
  });

  test('429 and 401 are not retried', async () => {
    for (const status of [429, 401]) {
      const { fetch, requests } = scripted([status, status, status]);
      await expect(fast(fetch).get('v', 'r')).rejects.toMatchObject({ code: status === 429 ? 'RATE_LIMITED' : 'AUTH_FAILED' });
      expect(requests).toHaveLength(1);
    }
  });

  test('a conditional PUT whose response was lost is retried and recognised as ours', async () => {
    const backing = memoryStore();
    const server = fakeBlobServer(backing);
    await backing.put('v', 'r', b('v1'));
    // The first attempt reaches the server, then the connection drops.
    const lost: Fetch = async (request) => {
      await server(request);
      throw new TypeError('connection reset');
    };
    const { fetch, requests } = scripted([lost], server);
    expect(await fast(fetch).put('v', 'r', b('v2'), { ifVersion: 1 })).toEqual({ version: 2 });
    expect(await backing.get('v', 'r')).toEqual({ data: b('v2'), version: 2 });
    expect(requests.map((r) => r.method)).toEqual(['PUT', 'PUT', 'GET']);
    // The same for a create.
    const create = scripted([lost], server);
    expect(await fast(create.fetch).put('v', 'new', b('n1'), { ifVersion: null })).toEqual({ version: 1 });
  });

  test('a retried conditional PUT that lost to another writer is CONFLICT', async () => {
    const backing = memoryStore();
    const server = fakeBlobServer(backing);
    await backing.put('v', 'r', b('v1'));
    const overtaken: Fetch = async () => {
      await backing.put('v', 'r', b('theirs'), { ifVersion: 1 });
      return new Response('{}', { status: 503 });
    };
    const { fetch } = scripted([overtaken], server);
    await expect(fast(fetch).put('v', 'r', b('mine'), { ifVersion: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await backing.get('v', 'r')).toEqual({ data: b('theirs'), version: 2 });
  });

  test('a conditional DELETE whose response was lost succeeds on retry', async () => {
    const backing = memoryStore();
    const server = fakeBlobServer(backing);
    await backing.put('v', 'r', b('v1'));
    const lost: Fetch = async (request) => {
      await server(request);
      throw new TypeError('connection reset');
    };
    const { fetch } = scripted([lost], server);
    await fast(fetch).delete('v', 'r', { ifVersion: 1 });
    expect(await backing.get('v', 'r')).toBeNull();
    // But if the record came back at a newer version meanwhile, that is a conflict.
    await backing.put('v', 'r', b('again'));
    const recreated: Fetch = async () => {
      await backing.put('v', 'r', b('newer'));
      throw new TypeError('connection reset');
    };
    const second = scripted([recreated], server);
    await expect(fast(second.fetch).delete('v', 'r', { ifVersion: 2 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await backing.get('v', 'r'))?.version).toBe(3);
  });

  test('backoff waits grow exponentially with jitter, capped', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { fetch, requests } = scripted([503, 503, 503]);
    const started = Date.now();
    await fast(fetch, { retryDelayMs: 40, maxRetryDelayMs: 100, retries: 3 }).get('v', 'r');
    // 0.5 · min(100, 40 · 2^n) for n = 0, 1, 2: 20 + 40 + 50 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(105);
    expect(requests).toHaveLength(4);
  });
});

describe('rest: timeouts', () => {
  const hang: Fetch = () => new Promise<Response>(() => {});

  test('a fetch that never answers times out as NETWORK, and its signal is aborted', async () => {
    const { fetch, requests } = recording(hang);
    const started = Date.now();
    await expect(fast(fetch, { timeoutMs: 50, retries: 0 }).get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK', message: 'request timed out' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(requests).toHaveLength(1);
  });

  test('the signal handed to fetch aborts on timeout', async () => {
    let signal: AbortSignal | undefined;
    const store = fast(
      async (request) => {
        signal = request.signal;
        return hang(request);
      },
      { timeoutMs: 30, retries: 0 },
    );
    await expect(store.get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(signal?.aborted).toBe(true);
  });

  test('safe requests retry after a timeout; unconditional writes do not', async () => {
    const get = recording(hang);
    await expect(fast(get.fetch, { timeoutMs: 20, retries: 2 }).get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(get.requests).toHaveLength(3);
    const put = recording(hang);
    await expect(fast(put.fetch, { timeoutMs: 20, retries: 2 }).put('v', 'r', b('x'))).rejects.toMatchObject({ code: 'NETWORK' });
    expect(put.requests).toHaveLength(1);
  });

  test('a response body that stalls times out too', async () => {
    const stalled: Fetch = async () =>
      new Response(new ReadableStream({ start: (controller) => controller.enqueue(utf8('{"da')) }), { status: 200, headers: { etag: '"1"' } });
    await expect(fast(stalled, { timeoutMs: 50, retries: 0 }).get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK', message: 'request timed out' });
  });
});

describe('rest: sign hook', () => {
  test('every attempt is signed afresh, the body is readable, and the signed request is what is sent', async () => {
    const server = fakeBlobServer();
    let nonce = 0;
    const bodies: string[] = [];
    const sign = async (request: Request): Promise<Request> => {
      bodies.push(await request.clone().text());
      const headers = new Headers(request.headers);
      headers.set('x-zv-nonce', String(++nonce));
      return new Request(request, { headers });
    };
    const { fetch, requests } = scripted([503], server);
    const store = fast(fetch, { sign });
    expect(await store.put('v', 'r', b('signed'), { ifVersion: null })).toEqual({ version: 1 });
    expect(requests.map((r) => r.headers.get('x-zv-nonce'))).toEqual(['1', '2']);
    expect(bodies).toEqual([JSON.stringify({ data: toBase64url(b('signed')) }), JSON.stringify({ data: toBase64url(b('signed')) })]);
    expect((await store.get('v', 'r'))?.data).toEqual(b('signed'));
  });

  test('a signer that fails stops the request; its ZeroVaultError passes through', async () => {
    const { fetch, requests } = recording(fakeBlobServer());
    const failing = fast(fetch, {
      sign: async () => {
        throw new Error('no session');
      },
    });
    await expect(failing.get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK', message: 'request signing failed' });
    const { authFailed } = await import('../../src/errors.js');
    const expired = fast(fetch, {
      sign: async () => {
        throw authFailed();
      },
    });
    await expect(expired.get('v', 'r')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const broken = fast(fetch, { sign: async () => 'nope' as unknown as Request });
    await expect(broken.get('v', 'r')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(requests).toHaveLength(0);
  });
});

describe('rest: the server is not trusted', () => {
  const data = toBase64url(b('x'));
  const badGets: [string, Fetch][] = [
    ['not JSON', reply('nope', { etag: '"1"' })],
    ['a JSON array', reply([data], { etag: '"1"' })],
    ['data not a string', reply({ data: 123 }, { etag: '"1"' })],
    ['padded base64', reply({ data: 'eA==' }, { etag: '"1"' })],
    ['standard base64 alphabet', reply({ data: 'a+/a' }, { etag: '"1"' })],
    ['non-canonical trailing bits', reply({ data: 'eB' }, { etag: '"1"' })],
    ['no version at all', reply({ data })],
    ['ETag "0"', reply({ data }, { etag: '"0"' })],
    ['ETag "01"', reply({ data }, { etag: '"01"' })],
    ['ETag "1.5"', reply({ data }, { etag: '"1.5"' })],
    ['ETag unquoted', reply({ data }, { etag: '1' })],
    ['ETag beyond 2^53', reply({ data }, { etag: '"9007199254740993"' })],
    ['JSON version 0', reply({ data, version: 0 })],
    ['JSON version as string', reply({ data, version: '1' })],
    ['ETag and JSON disagree', reply({ data, version: 3 }, { etag: '"2"' })],
    ['oversized content-length', reply({ data }, { etag: '"1"', 'content-length': String(200 * 1024 * 1024) })],
  ];
  for (const [name, fetch] of badGets) {
    test(`get rejects ${name}`, async () => {
      await expect(fast(fetch, { retries: 0 }).get('v', 'r')).rejects.toMatchObject({ code: 'NETWORK', message: 'invalid server response' });
    });
  }

  test('put rejects a missing version or one not above ifVersion', async () => {
    await expect(fast(reply({})).put('v', 'r', b('x'))).rejects.toMatchObject({ message: 'invalid server response' });
    await expect(fast(reply({ version: 3 })).put('v', 'r', b('x'), { ifVersion: 3 })).rejects.toMatchObject({ message: 'invalid server response' });
    await expect(fast(reply('garbage', { etag: '"4"' })).put('v', 'r', b('x'))).rejects.toMatchObject({ message: 'invalid server response' });
  });

  const item = (id: unknown, version: unknown = 1) => ({ id, version });
  const badPages: [string, unknown, { after?: string; limit?: number }][] = [
    ['no items', {}, {}],
    ['items not an array', { items: {} }, {}],
    ['a null item', { items: [null] }, {}],
    ['an invalid id', { items: [item('..')] }, {}],
    ['an id with a slash', { items: [item('a/b')] }, {}],
    ['version 0', { items: [item('a', 0)] }, {}],
    ['a fractional version', { items: [item('a', 1.5)] }, {}],
    ['unsorted ids', { items: [item('b'), item('a')] }, {}],
    ['duplicate ids', { items: [item('a'), item('a')] }, {}],
    ['an id not after the cursor', { items: [item('a')] }, { after: 'a' }],
    ['more items than the limit', { items: [item('a'), item('b')] }, { limit: 1 }],
    ['a next that does not advance', { items: [], next: 'a' }, { after: 'a' }],
    ['a next before the last item', { items: [item('a'), item('c')], next: 'b' }, {}],
    ['an invalid next', { items: [item('a')], next: '' }, {}],
  ];
  for (const [name, body, options] of badPages) {
    test(`list rejects ${name}`, async () => {
      await expect(fast(reply(body)).list('v', options)).rejects.toMatchObject({ code: 'NETWORK', message: 'invalid server response' });
    });
  }

  test('list accepts next: null as the last page', async () => {
    expect(await fast(reply({ items: [item('a')], next: null })).list('v')).toEqual({ items: [{ id: 'a', version: 1 }] });
  });
});

describe('rest: options', () => {
  test('baseUrl must be an absolute http(s) URL without query, fragment or credentials', () => {
    for (const baseUrl of ['not a url', '/relative', 'ftp://x.test/', 'https://x.test/?q=1', 'https://x.test/#f', 'https://u:p@x.test/']) {
      expect(() => restStore({ baseUrl })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    expect(() => restStore({ baseUrl: new URL('http://127.0.0.1:8080/zv') })).not.toThrow();
  });

  test('numeric and function options are validated', () => {
    const bad: Partial<RestStoreOptions>[] = [{ timeoutMs: 0 }, { retries: -1 }, { retries: 1.5 }, { retryDelayMs: -1 }, { maxRetryDelayMs: Number.NaN }, { fetch: 1 as never }, { sign: 'x' as never }];
    for (const extra of bad) expect(() => restStore({ baseUrl: BASE, ...extra })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => restStore(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
