/**
 * The server's own security-log entries (docs/security-log.md): which
 * monitoring events become server-signed entries, with what; that failed
 * logins and rate limits of ids nobody registered write nothing; that a
 * burst of refusals is one entry; that every entry verifies under the
 * published key and chains; and that a store without the log methods gets
 * no log routes and still serves everything else.
 */
import { describe, expect, test } from 'vitest';
import { fromBase64url, toBase64url } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { verifyLogRun } from '../../src/client/log/verify.js';
import { decodeLogEntry } from '../../src/formats/log-entry.js';
import { createServer, createServerSetup, memoryServerStore, type ServerStore } from '../../src/server/index.js';
import { logOf } from '../../src/server/log-store.js';
import { BASE, login, post, register, signed } from './harness.js';

const setup = createServerSetup();

function server(store: ServerStore = memoryServerStore()) {
  return { store, zv: createServer({ setup, store, basePath: '/zv', userLoginLimit: { capacity: 2, refillMs: 60_000 } }) };
}

async function entries(store: ServerStore, userId: string) {
  return ((await logOf(store)?.getLogEntries(userId, 0, 100)) ?? []).map((row) => decodeLogEntry(row.entry));
}

describe('server-signed entries', () => {
  test('login, replay, forged, logout: each an entry with the address, chained and signed with the published key', async () => {
    const { store, zv } = server();
    const userId = `u-${toBase64url(randomBytes(6)).toLowerCase()}`;
    expect((await register(zv, userId, 'pw')).status).toBe(201);
    const session = await login(zv, userId, 'pw', '198.51.100.4');
    const request = signed(session, 'GET', '/blobs/notes');
    expect((await zv.fetch(request.clone(), { address: '198.51.100.4' })).status).toBe(200);
    expect((await zv.fetch(request, { address: '198.51.100.5' })).status).toBe(401); // the same nonce again
    const forged = signed({ ...session, macKey: randomBytes(32) }, 'GET', '/blobs/notes');
    expect((await zv.fetch(forged, { address: '198.51.100.6' })).status).toBe(401);
    expect((await zv.fetch(signed(session, 'POST', '/logout', { body: {} }), { address: '198.51.100.4' })).status).toBe(204);
    // Reads wait for the queued writes of the account: no sleep needed.
    const log = await entries(store, userId);
    expect(log.map((e) => [e.seq, e.type, e.by, e.address])).toEqual([
      [1, 'login', 'server', '198.51.100.4'],
      [2, 'replay', 'server', '198.51.100.5'],
      [3, 'forged', 'server', '198.51.100.6'],
      [4, 'session_revoked', 'server', '198.51.100.4'],
    ]);
    const { publicKey } = (await (await zv.fetch(new Request(`${BASE}/log/key`))).json()) as { publicKey: string };
    const rows = ((await logOf(store)?.getLogEntries(userId, 0, 100)) ?? []).map((row) => row.entry);
    expect(verifyLogRun({ userId, entries: rows, from: 0, pin: { seq: 0, head: new Uint8Array(32) }, keys: { client: new Uint8Array(32), server: fromBase64url(publicKey) } })).toHaveLength(4);
  });

  test('failed logins and rate limits of an id nobody registered write nothing; a burst of refusals is one entry', async () => {
    const { store, zv } = server();
    const nobody = `nobody-${toBase64url(randomBytes(6)).toLowerCase()}`;
    for (let i = 0; i < 4; i++) await post(zv, '/login/start', { userId: nobody, request: toBase64url(randomBytes(32)) });
    expect(await entries(store, nobody)).toEqual([]);
    const userId = `u-${toBase64url(randomBytes(6)).toLowerCase()}`;
    expect((await register(zv, userId, 'pw')).status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(zv, '/login/start', { userId, request: toBase64url(randomBytes(32)) })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect((await entries(store, userId)).map((e) => e.type)).toEqual(['rate_limited']);
  });

  test('a store without the log methods: no log routes (404), no entries, everything else works', async () => {
    const base = memoryServerStore();
    const { appendLogEntry: _a, getLogEntries: _g, lastLogEntry: _l, ...withoutLog } = base;
    const { zv } = server(withoutLog);
    const userId = `u-${toBase64url(randomBytes(6)).toLowerCase()}`;
    expect((await register(zv, userId, 'pw')).status).toBe(201);
    const session = await login(zv, userId, 'pw');
    expect((await zv.fetch(new Request(`${BASE}/log/key`))).status).toBe(404);
    expect((await zv.fetch(signed(session, 'GET', '/log'))).status).toBe(404);
    expect((await zv.fetch(signed(session, 'GET', '/blobs/notes'))).status).toBe(200);
  });
});
