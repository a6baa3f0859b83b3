/**
 * Hostile input at every route, over loopback HTTP: malformed JSON,
 * malformed and non-canonical base64url, bad headers, names and queries
 * (400 `{ error: { code } }`, never a stack trace), strict schemas (fields
 * named like Object.prototype members, OPAQUE records that do not parse, a
 * logout body), bodies over the limit (413, with the security headers), and
 * an internal failure (500 with a generic message).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { startLogin, startRegistration } from '../../src/opaque/index.js';
import type { ServerStore } from '../../src/server/index.js';
import { expectError, lowLogin, lowRegister, postRaw, sdk, signedFetch, startServer, type LowSession, type Running } from './helpers.js';

const LIMIT = 4096;
let running: Running;
let session: LowSession;
let ke1: string;
let regRequest: string;

beforeAll(async () => {
  running = await startServer({
    maxBodyBytes: LIMIT,
    userLoginLimit: { capacity: 1000, refillMs: 1 },
    addressLoginLimit: { capacity: 1000, refillMs: 1 },
  });
  expect((await lowRegister(running.base, 'olga', 'pw-olga')).status).toBe(201);
  session = await lowLogin(running.base, 'olga', 'pw-olga');
  ke1 = toBase64url((await startLogin({ password: 'x' })).request);
  regRequest = toBase64url((await startRegistration({ password: 'x' })).request);
});
afterAll(async () => {
  await running.close();
});

/** A route that takes a JSON body, and a valid body for it. */
interface JsonRoute {
  readonly name: string;
  readonly send: (body: string | Uint8Array) => Promise<Response>;
  readonly valid: () => Record<string, string>;
  /** The fields holding base64url bytes. */
  readonly bytesFields: readonly string[];
}

const routes = (): JsonRoute[] => [
  {
    name: 'POST /register/start',
    send: (body) => postRaw(running.base, '/register/start', body),
    valid: () => ({ userId: 'newbie', request: regRequest }),
    bytesFields: ['request'],
  },
  {
    name: 'POST /register/finish (no session)',
    send: (body) => postRaw(running.base, '/register/finish', body),
    valid: () => ({ userId: 'newbie', record: toBase64url(new Uint8Array(192)) }),
    bytesFields: ['record'],
  },
  {
    name: 'POST /register/finish (session)',
    send: (body) => signedFetch(running.base, session, 'POST', '/register/finish', { body, headers: { 'content-type': 'application/json' } }),
    valid: () => ({ userId: 'olga', record: toBase64url(new Uint8Array(192)), credential: 'recovery' }),
    bytesFields: ['record'],
  },
  {
    name: 'POST /login/start',
    send: (body) => postRaw(running.base, '/login/start', body),
    valid: () => ({ userId: 'olga', request: ke1 }),
    bytesFields: ['request'],
  },
  {
    name: 'POST /login/finish',
    send: (body) => postRaw(running.base, '/login/finish', body),
    valid: () => ({ loginId: 'A'.repeat(22), finalization: toBase64url(new Uint8Array(64)) }),
    bytesFields: ['finalization'],
  },
  {
    name: 'PUT /blobs/:vault/:id',
    send: (body) => signedFetch(running.base, session, 'PUT', '/blobs/v/r', { body, headers: { 'content-type': 'application/json' } }),
    valid: () => ({ data: toBase64url(utf8('sealed bytes')) }),
    bytesFields: ['data'],
  },
];

/** Bodies that are not a JSON object of the right shape, whatever the route. */
function malformedBodies(valid: Record<string, string>): [string, string | Uint8Array][] {
  const fields = Object.keys(valid);
  const first = fields[0] as string;
  const withoutFirst = Object.fromEntries(Object.entries(valid).filter(([k]) => k !== first));
  return [
    ['empty', ''],
    ['truncated', JSON.stringify(valid).slice(0, -1)],
    ['null', 'null'],
    ['array', JSON.stringify([valid])],
    ['string', JSON.stringify(JSON.stringify(valid))],
    ['number', '42'],
    ['trailing garbage', `${JSON.stringify(valid)}x`],
    ['single quotes', JSON.stringify(valid).replace(/"/g, "'")],
    ['invalid UTF-8', Uint8Array.of(...utf8(JSON.stringify(valid)).slice(0, -2), 0xff, 0x22, 0x7d)],
    ['unknown field', JSON.stringify({ ...valid, extra: 'x' })],
    ['missing field', JSON.stringify(withoutFirst)],
    ['number for string', JSON.stringify({ ...valid, [first]: 1 })],
    ['null for string', JSON.stringify({ ...valid, [first]: null })],
    ['object for string', JSON.stringify({ ...valid, [first]: { x: 1 } })],
    // Unknown fields named like Object.prototype members: see 'strict schemas' below.
  ];
}

/** Encodings of `bytes` that a strict decoder must refuse (and the reason). */
function badBase64url(canonical: string): [string, string][] {
  // A value whose last character has unused bits, to make them non-zero.
  const odd = canonical.length % 4 === 0 ? canonical.slice(0, -1) : canonical;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(odd.at(-1) as string);
  const nonZeroTail = odd.slice(0, -1) + alphabet[(last & ~3) | 1];
  return [
    ['padding', `${odd}=`],
    ['double padding', `${canonical}==`],
    ['standard alphabet +', `+${canonical.slice(1)}`],
    ['standard alphabet /', `${canonical.slice(0, -1)}/`],
    ['space inside', `${canonical.slice(0, 4)} ${canonical.slice(4)}`],
    ['newline inside', `${canonical.slice(0, 4)}\n${canonical.slice(4)}`],
    ['leading space', ` ${canonical}`],
    ['length 4n+1', `${canonical.slice(0, canonical.length - (canonical.length % 4))}A`],
    ['non-zero trailing bits', nonZeroTail],
    ['non-ASCII', `${canonical.slice(0, -1)}é`],
    ['percent-encoded', `${canonical.slice(0, -1)}%3D`],
    ['dot', `${canonical.slice(0, -1)}.`],
  ];
}

describe('malformed JSON at every route → 400 INVALID_INPUT', () => {
  test.each(routes().map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    for (const [what, body] of malformedBodies(route.valid())) {
      const response = await route.send(body);
      await expectError(response, 400, 'INVALID_INPUT').catch((err: unknown) => {
        throw new Error(`${route.name}, ${what}: ${String(err)}`);
      });
    }
  });
});

describe('malformed or non-canonical base64url in every bytes field → 400 INVALID_INPUT', () => {
  test.each(routes().map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    const valid = route.valid();
    for (const field of route.bytesFields) {
      for (const [what, encoded] of badBase64url(valid[field] as string)) {
        const response = await route.send(JSON.stringify({ ...valid, [field]: encoded }));
        const error = await expectError(response, 400, 'INVALID_INPUT').catch((err: unknown) => {
          throw new Error(`${route.name}, ${field}, ${what}: ${String(err)}`);
        });
        // Refused by the strict decoder itself, naming the field and never echoing the value.
        expect(error.message, `${route.name} ${what}`).toBe(`${field} is not canonical base64url`);
      }
    }
  });
});

describe('other malformed input → 400, unknown routes → 404, wrong methods → 405', () => {
  test('user ids, credentials and login ids', async () => {
    const bad: [string, Record<string, string>][] = [
      ['/register/start', { userId: ' padded', request: regRequest }],
      ['/register/start', { userId: '', request: regRequest }],
      ['/register/start', { userId: 'x'.repeat(255), request: regRequest }],
      ['/register/start', { userId: 'tab\tbed', request: regRequest }],
      ['/register/start', { userId: 'zero\u200bwidth', request: regRequest }],
      ['/register/start', { userId: 'ok', request: regRequest, credential: 'admin' }],
      ['/register/start', { userId: 'ok', request: '' }],
      ['/register/start', { userId: 'ok', request: toBase64url(new Uint8Array(31)) }],
      ['/login/start', { userId: 'ok', request: toBase64url(new Uint8Array(95)) }],
      ['/login/start', { userId: 'ok\u0000recovery', request: ke1 }],
      ['/login/finish', { loginId: 'short', finalization: toBase64url(new Uint8Array(64)) }],
      ['/login/finish', { loginId: `${'A'.repeat(21)}=`, finalization: toBase64url(new Uint8Array(64)) }],
      ['/register/finish', { userId: 'ok', record: '' }],
      ['/register/finish', { userId: 'ok', record: toBase64url(new Uint8Array(2000)) }],
    ];
    for (const [path, body] of bad) await expectError(await postRaw(running.base, path, body), 400, 'INVALID_INPUT');
  });

  test('blob routes: names, preconditions and queries', async () => {
    const put = (path: string, headers: Record<string, string> = {}) =>
      signedFetch(running.base, session, 'PUT', path, { body: JSON.stringify({ data: 'AAAA' }), headers });
    const bad: Promise<Response>[] = [
      put('/blobs/v/r', { 'if-match': '1' }),
      put('/blobs/v/r', { 'if-match': 'W/"1"' }),
      put('/blobs/v/r', { 'if-match': '"01"' }),
      put('/blobs/v/r', { 'if-match': '"1", "2"' }),
      put('/blobs/v/r', { 'if-match': '"0"' }),
      put('/blobs/v/r', { 'if-none-match': '"1"' }),
      put('/blobs/v/r', { 'if-match': '"1"', 'if-none-match': '*' }),
      put('/blobs/v/r?x=1'),
      put('/blobs/v%20x/r'),
      put(`/blobs/v/${'a'.repeat(101)}`),
      put('/blobs/v/%C3%A9'),
      signedFetch(running.base, session, 'GET', '/blobs/v?limit=0'),
      signedFetch(running.base, session, 'GET', '/blobs/v?limit=abc'),
      signedFetch(running.base, session, 'GET', '/blobs/v?limit=1001'),
      signedFetch(running.base, session, 'GET', '/blobs/v?after=a%20b'),
      signedFetch(running.base, session, 'GET', '/blobs/v?cursor=1'),
      signedFetch(running.base, session, 'GET', '/blobs/_x?limit=-1'),
      signedFetch(running.base, session, 'DELETE', '/blobs/v/r', { headers: { 'if-match': 'nope' } }),
    ];
    for (const response of await Promise.all(bad)) await expectError(response, 400, 'INVALID_INPUT');
    await expectError(await signedFetch(running.base, session, 'GET', '/blobs/v/r/extra'), 404, 'NOT_FOUND');
    await expectError(await postRaw(running.base, '/nope', {}), 404, 'NOT_FOUND');
    // A known path with another method is 405 with Allow (RFC 9110 §15.5.6), not 404.
    const get = await fetch(`${running.base}/login/start`);
    expect(get.headers.get('allow')).toBe('POST');
    await expectError(get, 405, 'INVALID_INPUT');
    await expectError(await fetch(`${running.base.replace('/zv', '/other')}/login/start`, { method: 'POST', body: '{}' }), 404, 'NOT_FOUND');
    const patch = await signedFetch(running.base, session, 'PATCH', '/blobs/v/r', { body: '{}' });
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE');
    await expectError(patch, 405, 'INVALID_INPUT');
    const post = await signedFetch(running.base, session, 'POST', '/blobs/v', { body: '{}' });
    expect(post.headers.get('allow')).toBe('GET');
    await expectError(post, 405, 'INVALID_INPUT');
  });
});

/** Sends a raw request with node:http: optionally chunked (no Content-Length). */
function rawPost(url: string, body: Uint8Array, chunked: boolean, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(body.length) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) {
      // Several writes without a length: the server must count while streaming.
      for (let i = 0; i < body.length; i += 1000) req.write(body.subarray(i, i + 1000));
      req.end();
    } else {
      req.end(body);
    }
  });
}

describe('strict schemas', () => {
  // Found by the end-to-end suite; each comment describes the bug as it was
  // found (fixed since), and each test pins the intended behaviour.

  // parseJsonBody rejected unknown fields with `key in schema`, which also
  // looks at Object.prototype: `constructor`, `toString`, `__proto__`,
  // `hasOwnProperty`, ... were accepted as if they were schema fields
  // (docs/protocol.md: "Servers reject unknown fields"). Harmless then (the
  // value was dropped), but the schema was not strict. `Object.hasOwn` fixed it.
  test('unknown fields named like Object.prototype members are rejected', async () => {
    const request = toBase64url((await startRegistration({ password: 'x' })).request);
    for (const extra of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const body = `{"userId":"fe","request":"${request}","${extra}":"x"}`;
      await expectError(await postRaw(running.base, '/register/start', body), 400, 'INVALID_INPUT');
    }
  });

  // POST /register/finish stored any 1..1024-byte string as the user's OPAQUE
  // record without parsing it (suite length, valid non-identity client
  // public key). The account then existed but no one could ever log in to it,
  // and login/start for it answered 400 with a message about the stored
  // record ("record.clientPublicKey is the identity element", "record must
  // be 192 bytes") instead of the fake-record 200 every unknown user gets:
  // known and unknown ids became distinguishable, and internal detail leaked.
  // With a session the same hole let one bad request replace the password
  // or recovery credential with garbage (a permanent lock-out).
  test('register/finish refuses a record that is not a valid OPAQUE record', async () => {
    const finish = await postRaw(running.base, '/register/finish', { userId: 'ff', record: toBase64url(new Uint8Array(192)) });
    const login = await postRaw(running.base, '/login/start', { userId: 'ff', request: toBase64url((await startLogin({ password: 'x' })).request) });
    expect({ finish: finish.status, login: login.status }).toEqual({ finish: 400, login: 200 });
  });

  // POST /logout never read its body (logout(context, session) ignored it), so
  // malformed JSON was accepted with 204, unlike every other JSON route.
  test('POST /logout with a malformed JSON body is 400', async () => {
    expect((await lowRegister(running.base, 'fg', 'pw-fg')).status).toBe(201);
    const fg = await lowLogin(running.base, 'fg', 'pw-fg');
    await expectError(await signedFetch(running.base, fg, 'POST', '/logout', { body: '{"unterminated' }), 400, 'INVALID_INPUT');
  });
});

describe('body limits → 413', () => {
  const big = utf8(JSON.stringify({ userId: 'x', request: 'A'.repeat(LIMIT) }));

  test('every route, with and without Content-Length; just under the limit is parsed', async () => {
    // Anonymous routes read at most their limit: 413.
    for (const path of ['/register/start', '/register/finish', '/login/start', '/login/finish']) {
      for (const chunked of [false, true]) {
        const response = await rawPost(`${running.base}${path}`, big, chunked);
        expect(response.status, `${path} chunked=${chunked}`).toBe(413);
        expect(JSON.parse(response.text)).toEqual({ error: { code: 'INVALID_INPUT', message: 'body too large' } });
      }
    }
    // Signed routes without a live session, wrong methods and unknown paths are answered
    // before any body byte is read (these used to be 413: the body was read first).
    for (const [path, status] of [['/logout', 401], ['/blobs/v/r', 405], ['/nope', 404]] as const) {
      for (const chunked of [false, true]) {
        const response = await rawPost(`${running.base}${path}`, big, chunked);
        expect(response.status, `${path} chunked=${chunked}`).toBe(status);
      }
    }
    // A signed PUT over the limit is refused before verification.
    const put = await signedFetch(running.base, session, 'PUT', '/blobs/v/r', { body: JSON.stringify({ data: 'A'.repeat(LIMIT) }) });
    await expectError(put, 413, 'INVALID_INPUT');
    const under = await rawPost(`${running.base}/login/start`, utf8(JSON.stringify({ userId: 'x', request: 'A'.repeat(LIMIT - 100) })), true);
    expect(under.status).toBe(400);
  });

  // docs/protocol.md: "Responses carry cache-control: no-store and
  // x-content-type-options: nosniff." The node adapter used to write its own
  // 413 with a content type only; the server answers it now, with the same
  // headers as every other response. Pinned over the node adapter, where the
  // bug was.
  test('a 413 over the node adapter carries the security headers', async () => {
    const small = await startServer({ maxBodyBytes: 1024 });
    try {
      const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
        const req = httpRequest(`${small.base}/login/start`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          expect(res.statusCode).toBe(413);
          res.resume();
          res.on('end', () => resolve(res.headers));
        });
        req.on('error', reject);
        req.end(Buffer.alloc(4096, 0x20));
      });
      expect(headers['cache-control']).toBe('no-store');
      expect(headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await small.close();
    }
  });

  test('the SDK maps 413 to INVALID_INPUT', async () => {
    const s = await sdk(running).register({ userId: 'pete', password: 'pw-pete' });
    const vault = await s.vault('v');
    await expect(vault.put('big', new Uint8Array(LIMIT))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await vault.put('small', new Uint8Array(100))).version).toBe(1);
    await s.logout();
  });
});

describe('internal failures', () => {
  test('a store that throws gives 500 STORAGE "internal error" and an error event, nothing more', async () => {
    const failing = await startServer({
      wrap: (store: ServerStore): ServerStore => ({
        ...store,
        getUserRecord: async () => {
          throw new Error('SQLITE_CORRUPT at /var/lib/secret/zerovault.db (src/server/sqlite.ts:99)');
        },
      }),
    });
    try {
      const response = await postRaw(failing.base, '/login/start', { userId: 'x', request: ke1 });
      const error = await expectError(response, 500, 'STORAGE');
      expect(error.message).toBe('internal error');
      expect(failing.events.at(-1)).toMatchObject({ type: 'error' });
      expect(JSON.stringify(failing.events)).not.toContain('SQLITE_CORRUPT');
    } finally {
      await failing.close();
    }
  });
});
