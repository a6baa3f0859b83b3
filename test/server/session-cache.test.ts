/**
 * The verified-session cache (issue 18): a busy session is not read and its
 * MAC key not unsealed per request, yet the store still decides on every
 * request, in the statement that records the nonce, whether the session is
 * live. So across two server instances on one database a replay is refused
 * by the other instance, and a logout or revocation on one stops the session
 * on the other at once, cache or not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { createServer, createServerSetup, memoryServerStore, type ServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import { login, register, signed, type TestSession } from './harness.js';

const dirs: string[] = [];
const stores: ServerStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A store that counts session reads (the cache's whole point is to skip them). */
function counting(store: ServerStore): { store: ServerStore; reads: () => number } {
  let reads = 0;
  const wrapped: ServerStore = Object.create(store) as ServerStore;
  wrapped.getSession = (id, now) => {
    reads++;
    return store.getSession(id, now);
  };
  return { store: wrapped, reads: () => reads };
}

async function code(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

interface Kind {
  name: string;
  /** Two stores on one database: two server instances. */
  pair: () => [ServerStore, ServerStore];
}

const kinds: Kind[] = [
  {
    name: 'sqlite',
    pair: () => {
      const dir = mkdtempSync(join(tmpdir(), 'zv-cache-'));
      dirs.push(dir);
      const a = sqliteServerStore({ path: join(dir, 'zerovault.db') });
      const b = sqliteServerStore({ path: join(dir, 'zerovault.db') });
      stores.push(a, b);
      return [a, b];
    },
  },
];
const PG_URL = process.env.ZEROVAULT_PG_URL;
if (PG_URL !== undefined) {
  kinds.push({
    name: 'postgres',
    pair: () => {
      const prefix = `zv_c${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}_`;
      const a = postgresServerStore({ connectionString: PG_URL, tablePrefix: prefix });
      const b = postgresServerStore({ connectionString: PG_URL, tablePrefix: prefix });
      stores.push(a, b);
      return [a, b];
    },
  });
}

const body = { data: toBase64url(utf8('hello')) };

for (const kind of kinds) {
  describe(`${kind.name}: two instances, one database, the session cache on both`, () => {
    const setup = createServerSetup();
    const [storeA, storeB] = kind.pair();
    const countedB = counting(storeB);
    const a = createServer({ setup, store: storeA, basePath: '/zv' });
    const b = createServer({ setup, store: countedB.store, basePath: '/zv' });
    let user = 0;
    const fresh = async (): Promise<{ session: TestSession; name: string }> => {
      const name = `cache-${kind.name}-${user++}`;
      expect((await register(a, name, 'pw')).status).toBe(201);
      return { session: await login(a, name, 'pw'), name };
    };
    const warm = async (server: ZeroVaultServer, session: TestSession): Promise<void> => {
      for (let i = 0; i < 2; i++) expect((await server.fetch(signed(session, 'GET', '/blobs/v'))).status).toBe(200);
    };

    test('a busy session is read from the store once, not per request', async () => {
      const { session } = await fresh();
      await warm(b, session);
      const before = countedB.reads();
      for (let i = 0; i < 5; i++) expect((await b.fetch(signed(session, 'PUT', `/blobs/v/r${i}`, { body }))).status).toBe(200);
      expect(countedB.reads() - before).toBe(0);
    });

    test('a request accepted by one instance is refused as a replay by the other, both ways', async () => {
      const { session } = await fresh();
      await warm(a, session);
      await warm(b, session);
      const first = signed(session, 'GET', '/blobs/v');
      expect((await a.fetch(first.clone())).status).toBe(200);
      expect((await b.fetch(first)).status).toBe(401);
      const second = signed(session, 'PUT', '/blobs/v/x', { body });
      expect((await b.fetch(second.clone())).status).toBe(200);
      expect((await a.fetch(second)).status).toBe(401);
    });

    test('a logout on one instance stops the session on the other at once (401 CLOSED), though the other had it cached', async () => {
      const { session } = await fresh();
      await warm(b, session);
      expect((await a.fetch(signed(session, 'POST', '/logout', { body: {} }))).status).toBe(204);
      const refused = await b.fetch(signed(session, 'GET', '/blobs/v'));
      expect(refused.status).toBe(401);
      expect(await code(refused)).toBe('CLOSED');
      // And a write: refused before the store is touched.
      const write = await b.fetch(signed(session, 'PUT', '/blobs/v/after-logout', { body }));
      expect(write.status).toBe(401);
      expect(await storeB.blobs((await storeA.getSession(session.sessionId, Date.now()))?.userId ?? 'nobody').get('v', 'after-logout')).toBeNull();
    });

    test('revoking every other session (password change path) stops a session cached on the other instance', async () => {
      const { session, name } = await fresh();
      const other = await login(a, name, 'pw');
      await warm(b, other);
      await storeA.deleteUserSessions((await storeA.getSession(session.sessionId, Date.now()))?.userId as string, session.sessionId);
      const refused = await b.fetch(signed(other, 'GET', '/blobs/v'));
      expect(refused.status).toBe(401);
      expect(await code(refused)).toBe('CLOSED');
      expect((await b.fetch(signed(session, 'GET', '/blobs/v'))).status).toBe(200);
    });

    test('a forged request is refused with a cached key too, and burns no nonce', async () => {
      const { session } = await fresh();
      await warm(b, session);
      const nonce = new Uint8Array(16).fill(7);
      const forged = signed({ ...session, macKey: new Uint8Array(32).fill(1) }, 'GET', '/blobs/v', { nonce });
      expect((await b.fetch(forged)).status).toBe(401);
      expect((await b.fetch(signed(session, 'GET', '/blobs/v', { nonce }))).status).toBe(200);
    });
  });
}

describe('memory store: the cache works without a database', () => {
  test('repeat requests skip the session read; a logout ends the session at once', async () => {
    const counted = counting(memoryServerStore());
    const server = createServer({ setup: createServerSetup(), store: counted.store, basePath: '/zv' });
    expect((await register(server, 'mem', 'pw')).status).toBe(201);
    const session = await login(server, 'mem', 'pw');
    for (let i = 0; i < 2; i++) expect((await server.fetch(signed(session, 'GET', '/blobs/v'))).status).toBe(200);
    const before = counted.reads();
    for (let i = 0; i < 3; i++) expect((await server.fetch(signed(session, 'GET', '/blobs/v'))).status).toBe(200);
    expect(counted.reads() - before).toBe(0);
    expect((await server.fetch(signed(session, 'POST', '/logout', { body: {} }))).status).toBe(204);
    expect((await server.fetch(signed(session, 'GET', '/blobs/v'))).status).toBe(401);
  });
});
