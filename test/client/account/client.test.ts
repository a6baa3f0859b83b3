/**
 * The client SDK end to end against an in-process server: accounts, vaults,
 * versions, rotation, password change, recovery, and the zero-trust checks
 * against a misbehaving store.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { toBase64url, toHex, utf8 } from '../../../src/crypto/bytes.js';
import { Client, parseRecoveryKey, formatRecoveryKey } from '../../../src/client/index.js';
import { createServer, createServerSetup, memoryServerStore, type ZeroVaultServer } from '../../../src/server/index.js';
import { memoryStore } from '../../../src/store/memory.js';
import type { BlobStore } from '../../../src/store/types.js';
import { TEST_KSF } from '../../server/harness.js';

const setup = createServerSetup();
let server: ZeroVaultServer;

function client(store?: BlobStore): Client {
  return new Client({ url: 'http://localhost/zv', fetch: (r) => server.fetch(r), ksf: TEST_KSF, ...(store ? { store } : {}) });
}

beforeEach(() => {
  server = createServer({ setup, store: memoryServerStore(), basePath: '/zv' });
});

describe('accounts', () => {
  test('register, use a vault, log out, log in again, read back', async () => {
    const session = await client().register({ userId: 'alice', password: 'correct horse battery staple' });
    const notes = await session.vault('notes');
    const { version } = await notes.put('note-1', utf8('hello'));
    expect(version).toBe(1);
    await notes.putJson('note-2', { title: 'two' });
    await session.logout();
    await expect(notes.put('x', utf8('after logout'))).rejects.toMatchObject({ code: 'CLOSED' });

    const again = await client().login({ userId: 'alice', password: 'correct horse battery staple' });
    const notes2 = await again.vault('notes');
    expect(await notes2.get('note-1')).toEqual({ data: utf8('hello'), version: 1 });
    expect(await notes2.getJson('note-2')).toEqual({ value: { title: 'two' }, version: 1 });
    const listed = [];
    for await (const item of notes2.list()) listed.push(item);
    expect(listed).toEqual([
      { id: 'note-1', version: 1 },
      { id: 'note-2', version: 1 },
    ]);
    expect(again.vaults()).toEqual(['default', 'notes']);
  });

  test('wrong password and unknown user fail the same way', async () => {
    await client().register({ userId: 'bob', password: 'pw' });
    const wrong = await client().login({ userId: 'bob', password: 'nope' }).catch((e: unknown) => e);
    const unknown = await client().login({ userId: 'nobody', password: 'pw' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'AUTH_FAILED' });
    expect(unknown).toMatchObject({ code: 'AUTH_FAILED' });
    expect((wrong as Error).message).toBe((unknown as Error).message);
  });

  test('registering a taken user id is CONFLICT', async () => {
    await client().register({ userId: 'carol', password: 'pw' });
    await expect(client().register({ userId: 'carol', password: 'other' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('vault', () => {
  test('conditional writes never lose an acknowledged update', async () => {
    const session = await client().register({ userId: 'dave', password: 'pw' });
    const vault = await session.vault('v');
    const { version } = await vault.put('r', utf8('one'), { ifVersion: null });
    await expect(vault.put('r', utf8('dup'), { ifVersion: null })).rejects.toMatchObject({ code: 'CONFLICT' });
    const results = await Promise.allSettled([vault.put('r', utf8('a'), { ifVersion: version }), vault.put('r', utf8('b'), { ifVersion: version })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ version: number }>;
    const got = await vault.get('r');
    expect(got.version).toBe(winner.value.version);
    await expect(vault.delete('r', { ifVersion: version })).rejects.toMatchObject({ code: 'CONFLICT' });
    await vault.delete('r', { ifVersion: got.version });
    await expect(vault.get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('two sessions hammering one record: every acknowledged write is a version, none lost', async () => {
    await client().register({ userId: 'erin', password: 'pw' });
    const sessions = await Promise.all([client().login({ userId: 'erin', password: 'pw' }), client().login({ userId: 'erin', password: 'pw' })]);
    const vaults = await Promise.all(sessions.map((s) => s.vault('shared')));
    const acked: number[] = [];
    await Promise.all(
      vaults.map(async (vault, w) => {
        for (let i = 0; i < 10; i++) {
          const { version } = await vault.put('counter', utf8(`${w}:${i}`));
          acked.push(version);
        }
      }),
    );
    expect(new Set(acked).size).toBe(20); // each write got its own version
    expect((await vaults[0]?.get('counter'))?.version).toBe(Math.max(...acked));
  });

  test('rotation re-wraps every record without touching payloads, and everything still opens', async () => {
    const store = memoryStore();
    const session = await client(store).register({ userId: 'frank', password: 'pw' });
    const vault = await session.vault('docs');
    for (let i = 0; i < 5; i++) await vault.put(`d${i}`, utf8(`doc ${i}`));
    const before = await store.get('docs', 'd0');
    const progress: number[] = [];
    const result = await vault.rotate({ onProgress: (p) => progress.push(p.done) });
    expect(result).toEqual({ rewrapped: 5, kekVersion: 2 });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const after = await store.get('docs', 'd0');
    // Payload ciphertext (the tail: nonce, commitment, ciphertext, tag) is identical; the wrapped DEK is not.
    const tail = 12 + 32 + 4 + 5 + 16;
    expect(toHex((after?.data as Uint8Array).slice(-tail))).toBe(toHex((before?.data as Uint8Array).slice(-tail)));
    expect(toHex(after?.data as Uint8Array)).not.toBe(toHex(before?.data as Uint8Array));
    for (let i = 0; i < 5; i++) expect((await vault.get(`d${i}`)).data).toEqual(utf8(`doc ${i}`));
    const relogged = await (await client(store).login({ userId: 'frank', password: 'pw' })).vault('docs');
    expect((await relogged.get('d3')).data).toEqual(utf8('doc 3'));
  });

  test('a rotation interrupted at any write resumes and loses nothing', async () => {
    for (let failAt = 1; failAt <= 4; failAt++) {
      const base = memoryStore();
      let writes = 0;
      let armed = false;
      const flaky: BlobStore = {
        get: (v, id) => base.get(v, id),
        list: (v, o) => base.list(v, o),
        delete: (v, id, o) => base.delete(v, id, o),
        put: async (v, id, data, o) => {
          if (armed && ++writes === failAt) throw Object.assign(new Error('disk gone'), { name: 'ZeroVaultError', code: 'STORAGE' });
          return base.put(v, id, data, o);
        },
      };
      const userId = `grace${failAt}`;
      const session = await client(flaky).register({ userId, password: 'pw' });
      const vault = await session.vault('v');
      for (let i = 0; i < 3; i++) await vault.put(`r${i}`, utf8(`rec ${i}`));
      armed = true;
      await expect(vault.rotate()).rejects.toMatchObject({ code: 'STORAGE' });
      armed = false;
      // Everything still opens mid-rotation, from this session and a fresh one.
      for (let i = 0; i < 3; i++) expect((await vault.get(`r${i}`)).data).toEqual(utf8(`rec ${i}`));
      const fresh = await (await client(flaky).login({ userId, password: 'pw' })).vault('v');
      for (let i = 0; i < 3; i++) expect((await fresh.get(`r${i}`)).data).toEqual(utf8(`rec ${i}`));
      const resumed = await fresh.rotate();
      expect(resumed.kekVersion).toBe(2);
      for (let i = 0; i < 3; i++) expect((await fresh.get(`r${i}`)).data).toEqual(utf8(`rec ${i}`));
    }
  });
});

describe('password change and recovery', () => {
  test('change password: new one works, old one fails, no record re-encrypted', async () => {
    const store = memoryStore();
    const session = await client(store).register({ userId: 'heidi', password: 'old' });
    const vault = await session.vault('v');
    await vault.put('r', utf8('kept'));
    const before = await store.get('v', 'r');
    await session.changePassword({ newPassword: 'new' });
    await expect(client(store).login({ userId: 'heidi', password: 'old' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const after = await client(store).login({ userId: 'heidi', password: 'new' });
    expect((await (await after.vault('v')).get('r')).data).toEqual(utf8('kept'));
    expect((await store.get('v', 'r'))?.data).toEqual(before?.data);
  });

  test('replacing a credential needs a fresh login: a stale session must re-enter the current password', async () => {
    // A 2.5 s re-authentication window stands in for "this session logged in long ago".
    server = createServer({ setup, store: memoryServerStore(), basePath: '/zv', reauthWindowMs: 2500 });
    const session = await client().register({ userId: 'stale', password: 'old' });
    await (await session.vault('v')).put('r', utf8('kept'));
    await new Promise((resolve) => setTimeout(resolve, 2600));
    await expect(session.changePassword({ newPassword: 'new' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(session.createRecoveryKey()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(session.changePassword({ newPassword: 'new', currentPassword: 'wrong' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await session.changePassword({ newPassword: 'new', currentPassword: 'old' });
    // The session carried on under its fresh login.
    expect((await (await session.vault('v')).get('r')).data).toEqual(utf8('kept'));
    await expect(client().login({ userId: 'stale', password: 'old' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await client().login({ userId: 'stale', password: 'new' });
  });

  test('recovery key: shown once, typo-proof, recovers the account with a new password', async () => {
    const session = await client().register({ userId: 'ivan', password: 'forgotten' });
    await (await session.vault('v')).put('r', utf8('precious'));
    const recoveryKey = await session.createRecoveryKey();
    expect(recoveryKey).toMatch(/^zvrk1(-[0-9A-Z]{1,5}){11}$/);
    expect(formatRecoveryKey(parseRecoveryKey(recoveryKey.toLowerCase().replace(/-/g, ' ')))).toBe(recoveryKey);
    const typo = recoveryKey.slice(0, -1) + (recoveryKey.endsWith('0') ? '1' : '0');
    await expect(client().recover({ userId: 'ivan', recoveryKey: typo, newPassword: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const recovered = await client().recover({ userId: 'ivan', recoveryKey, newPassword: 'remembered' });
    expect((await (await recovered.vault('v')).get('r')).data).toEqual(utf8('precious'));
    await expect(client().login({ userId: 'ivan', password: 'forgotten' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const relogged = await client().login({ userId: 'ivan', password: 'remembered' });
    expect((await (await relogged.vault('v')).get('r')).data).toEqual(utf8('precious'));
  });
});

describe('zero trust against the store', () => {
  test('only ciphertext crosses the store boundary', async () => {
    const base = memoryStore();
    const seen: Uint8Array[] = [];
    const spy: BlobStore = {
      get: (v, id) => base.get(v, id),
      list: (v, o) => base.list(v, o),
      delete: (v, id, o) => base.delete(v, id, o),
      put: (v, id, data, o) => {
        seen.push(Uint8Array.from(data));
        return base.put(v, id, data, o);
      },
    };
    const password = 'spy-proof password 12345';
    const secrets = ['top secret plaintext 1', 'another very private note'];
    const session = await client(spy).register({ userId: 'judy', password });
    const vault = await session.vault('v');
    for (const [i, s] of secrets.entries()) await vault.put(`r${i}`, utf8(s));
    await session.createRecoveryKey();
    await session.logout();
    const haystack = seen.map((b) => toHex(b)).join('|');
    const haystack64 = seen.map((b) => toBase64url(b)).join('|');
    for (const needle of [password, ...secrets]) {
      expect(haystack).not.toContain(toHex(utf8(needle)));
      expect(haystack64).not.toContain(toBase64url(utf8(needle)).slice(0, 16));
    }
    expect(seen.length).toBeGreaterThan(4);
  });

  test('a store that swaps records is caught (DECRYPT_FAILED)', async () => {
    const store = memoryStore();
    const session = await client(store).register({ userId: 'ken', password: 'pw' });
    const vault = await session.vault('v');
    await vault.put('a', utf8('A'));
    await vault.put('b', utf8('B'));
    const a = await store.get('v', 'a');
    await store.put('v', 'b', a?.data as Uint8Array);
    await expect(vault.get('b')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('a store that serves an older version or drops a record is caught (ROLLBACK)', async () => {
    const base = memoryStore();
    let frozen: { data: Uint8Array; version: number } | null = null;
    let hide = false;
    const liar: BlobStore = {
      get: async (v, id) => (hide && id === 'r' ? null : frozen !== null && id === 'r' ? frozen : base.get(v, id)),
      list: (v, o) => base.list(v, o),
      delete: (v, id, o) => base.delete(v, id, o),
      put: (v, id, data, o) => base.put(v, id, data, o),
    };
    const session = await client(liar).register({ userId: 'leo', password: 'pw' });
    const vault = await session.vault('v');
    await vault.put('r', utf8('v1'));
    frozen = await base.get('v', 'r');
    frozen = frozen === null ? null : { ...frozen };
    const old = frozen;
    frozen = null;
    await vault.put('r', utf8('v2'));
    expect((await vault.get('r')).data).toEqual(utf8('v2'));
    frozen = old;
    await expect(vault.get('r')).rejects.toMatchObject({ code: 'ROLLBACK' });
    frozen = null;
    hide = true;
    await expect(vault.get('r')).rejects.toMatchObject({ code: 'ROLLBACK' });
  });
});

describe('the P256-SHA256 suite', () => {
  test('a client on P-256 registers and logs in against a P-256 server', async () => {
    const p256 = createServer({ setup: createServerSetup({ suite: 'P256-SHA256' }), store: memoryServerStore(), basePath: '/zv' });
    const make = (): Client => new Client({ url: 'http://localhost/zv', fetch: (r) => p256.fetch(r), ksf: TEST_KSF, suite: 'P256-SHA256' });
    const first = await make().register({ userId: 'peggy', password: 'pw' });
    await (await first.vault('notes')).put('n', utf8('on P-256'));
    await first.logout();
    const again = await make().login({ userId: 'peggy', password: 'pw' });
    expect((await (await again.vault('notes')).get('n')).data).toEqual(utf8('on P-256'));
    await expect(make().login({ userId: 'peggy', password: 'nope' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
