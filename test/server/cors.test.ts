/**
 * `createServer({ cors })`: preflights answered from the one route table,
 * CORS headers on every answer to a listed origin and on none to any other,
 * and the option's validation. The real browser check is in
 * test/browser/cors.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { isZeroVaultError } from '../../src/errors.js';
import { routeTable } from '../../src/server/routes.js';
import { createServer, createServerSetup, memoryServerStore, type CorsOptions, type ZeroVaultServer } from '../../src/server/index.js';
import { BASE, login, register, signed } from './harness.js';

const PAGE = 'http://127.0.0.1:5173';
const OTHER = 'https://evil.example';
const SETUP = createServerSetup();

function server(cors?: CorsOptions): ZeroVaultServer {
  return createServer({ setup: SETUP, store: memoryServerStore(), basePath: '/zv', ...(cors === undefined ? {} : { cors }) });
}

function preflight(zv: ZeroVaultServer, path: string, origin: string | null, method = 'GET'): Promise<Response> {
  const headers: Record<string, string> = { 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' };
  if (origin !== null) headers.origin = origin;
  return zv.fetch(new Request(`${BASE}${path}`, { method: 'OPTIONS', headers }));
}

/** Every `access-control-*` header of a response. */
function corsHeaders(response: Response): string[] {
  const names: string[] = [];
  response.headers.forEach((_value, name) => {
    if (name.startsWith('access-control-')) names.push(name);
  });
  return names;
}

/** A concrete path for a pattern (`:param` → `p1`), and every method of the table whose pattern matches it. */
function pathsOfTable(): Map<string, string[]> {
  const rows = routeTable(memoryServerStore());
  const concrete = (pattern: string): string => pattern.replace(/:[a-z]+/gi, 'p1');
  const matches = (pattern: string, path: string): boolean => {
    const a = pattern.split('/');
    const b = path.split('/');
    return a.length === b.length && a.every((seg, i) => seg.startsWith(':') || seg === b[i]);
  };
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const path = concrete(row.pattern);
    out.set(path, [...new Set(rows.filter((r) => matches(r.pattern, path)).map((r) => r.method))]);
  }
  return out;
}

const TABLE = pathsOfTable();

describe('preflight (OPTIONS) for a listed origin', () => {
  const zv = server({ origins: [PAGE], maxAgeSeconds: 120 });

  test('the table has the routes this suite expects to cover', () => {
    expect(TABLE.size).toBeGreaterThanOrEqual(10);
    expect(TABLE.get('/blobs/p1/p1')?.sort()).toEqual(['DELETE', 'GET', 'PUT']);
    expect(TABLE.get('/token')).toEqual(['POST']);
  });

  test.each([...TABLE.entries()])('%s: 204, that path’s methods, the client’s headers, max-age, Vary: Origin', async (path, methods) => {
    const response = await preflight(zv, path, PAGE, methods[0]);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect((response.headers.get('access-control-allow-methods') ?? '').split(', ').sort()).toEqual([...methods].sort());
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type, dpop, if-match, if-none-match');
    expect(response.headers.get('access-control-max-age')).toBe('120');
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await response.text()).toBe('');
  });

  test('a path the table does not know is 404, without CORS headers', async () => {
    const response = await preflight(zv, '/nowhere', PAGE);
    expect(response.status).toBe(404);
    expect(corsHeaders(response)).toEqual([]);
  });

  test('the default max-age is 600 seconds', async () => {
    const response = await preflight(server({ origins: [PAGE] }), '/token', PAGE, 'POST');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });
});

describe('an origin that is not listed', () => {
  const zv = server({ origins: [PAGE] });

  test.each([OTHER, 'http://127.0.0.1:5174', 'http://localhost:5173', 'null', `${PAGE}/`])('preflight from %s: 403 and no CORS header', async (origin) => {
    const response = await preflight(zv, '/blobs/notes/a', origin, 'PUT');
    expect(response.status).toBe(403);
    expect(corsHeaders(response)).toEqual([]);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  test('an actual request from it: answered as usual, without any CORS header', async () => {
    const response = await zv.fetch(new Request(`${BASE}/.well-known/jwks.json`, { headers: { origin: OTHER } }));
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual([]);
    expect(response.headers.get('vary')).toBe('Origin'); // the answer differs by Origin, so caches must key on it
  });

  test('OPTIONS without Origin (not a browser preflight): 204 with Allow, no CORS header', async () => {
    const response = await preflight(zv, '/blobs/notes/a', null);
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('GET, PUT, DELETE, OPTIONS');
    expect(corsHeaders(response)).toEqual([]);
  });
});

describe('actual responses to a listed origin', () => {
  const zv = server({ origins: ['https://other.example', PAGE] });
  const EXPOSED = 'etag, dpop-nonce, retry-after, www-authenticate, zv-session-expires';

  test('a public route: Allow-Origin is the request’s origin, the client’s headers exposed, Vary keeps the route’s own', async () => {
    const response = await zv.fetch(new Request(`${BASE}/.well-known/jwks.json`, { headers: { origin: PAGE } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(response.headers.get('access-control-expose-headers')).toBe(EXPOSED);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(((await response.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  test('errors carry them too, so the page can read the code and WWW-Authenticate (401, 404, 405)', async () => {
    for (const [method, path, status] of [['GET', '/blobs/notes/a', 401], ['GET', '/nowhere', 404], ['PATCH', '/token', 405]] as const) {
      const response = await zv.fetch(new Request(`${BASE}${path}`, { method, headers: { origin: PAGE } }));
      expect(response.status, path).toBe(status);
      expect(response.headers.get('access-control-allow-origin'), path).toBe(PAGE);
      expect(response.headers.get('access-control-expose-headers'), path).toBe(EXPOSED);
    }
  });

  test('a signed write and read through the session: ETag is there and exposed', async () => {
    expect((await register(zv, 'cors-user@example.com', 'pw-cors-0123456789')).status).toBeLessThan(300);
    const session = await login(zv, 'cors-user@example.com', 'pw-cors-0123456789');
    const put = await zv.fetch(signed(session, 'PUT', '/blobs/notes/one', { body: { data: 'AAEC' }, headers: { origin: PAGE, 'if-none-match': '*' } }));
    expect(put.status).toBeLessThan(300);
    expect(put.headers.get('access-control-allow-origin')).toBe(PAGE);
    const get = await zv.fetch(signed(session, 'GET', '/blobs/notes/one', { headers: { origin: PAGE } }));
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).not.toBeNull();
    expect(get.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(get.headers.get('access-control-expose-headers')).toContain('etag');
  });
});

describe('without the cors option', () => {
  const zv = server();

  test('OPTIONS stays 405 with Allow, and nothing carries a CORS header or Vary', async () => {
    const options = await preflight(zv, '/token', PAGE, 'POST');
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toBe('POST');
    expect(corsHeaders(options)).toEqual([]);
    const jwks = await zv.fetch(new Request(`${BASE}/.well-known/jwks.json`, { headers: { origin: PAGE } }));
    expect(corsHeaders(jwks)).toEqual([]);
    expect(jwks.headers.get('vary')).toBeNull();
  });
});

describe('option validation at createServer', () => {
  test.each([
    ['a wildcard', ['*']],
    ['a wildcard subdomain', ['https://*.example.com']],
    ['a trailing slash', ['https://site.example/']],
    ['a path', ['https://site.example/app']],
    ['a query', ['https://site.example?x=1']],
    ['a default port spelled out', ['https://site.example:443']],
    ['upper case', ['HTTPS://APP.example.com']],
    ['another scheme', ['ftp://site.example']],
    ['the opaque origin', ['null']],
    ['a bare host', ['site.example']],
    ['userinfo', ['https://user@site.example']],
    ['a non-string', [42]],
    ['an empty list', []],
  ])('refuses %s with INVALID_INPUT, echoing nothing', (_name, origins) => {
    let caught: unknown;
    try {
      server({ origins: origins as string[] });
    } catch (err) {
      caught = err;
    }
    expect(isZeroVaultError(caught) && caught.code === 'INVALID_INPUT').toBe(true);
    for (const origin of origins) if (typeof origin === 'string' && origin.length > 1) expect((caught as Error).message).not.toContain(origin);
  });

  test.each([-1, 1.5, 86_401, Number.NaN])('refuses maxAgeSeconds %s', (maxAgeSeconds) => {
    expect(() => server({ origins: [PAGE], maxAgeSeconds })).toThrow(/maxAgeSeconds/);
  });

  test('refuses a cors value that is not an object, and origins that are not an array', () => {
    expect(() => server(null as unknown as CorsOptions)).toThrow(/cors/);
    expect(() => server({ origins: PAGE as unknown as string[] })).toThrow(/cors.origins/);
  });

  test('accepts exact origins with and without ports, and a max-age of 0', () => {
    expect(() => server({ origins: ['https://app.example.com', 'http://localhost:5173', 'http://[::1]:8080', PAGE], maxAgeSeconds: 0 })).not.toThrow();
  });
});
