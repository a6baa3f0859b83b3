/**
 * Root-key rotation (`session.rotateRootKey`), end to end over a real
 * server: everything sealed under the root key moves to a new one, every
 * unlock slot follows (password, recovery v2, passkey slots, this device),
 * other remembered devices are revoked, and the old root key opens nothing
 * the account now keeps. Then a crash at every write of the rotation: the
 * account still opens with the password (and with the passkey and the
 * recovery key), and a second `rotateRootKey` finishes the job.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, type Session } from '../../src/client/index.js';
import { loadKeyring } from '../../src/client/account/keyring-store.js';
import { localDevices, rootCheckOf } from '../../src/client/devices/local.js';
import { readSlot } from '../../src/client/account/meta.js';
import { unwrapRoot } from '../../src/client/account/slots.js';
import { addToPasskeyRegistry, readPasskeySlot, writePasskeySlot } from '../../src/client/passkeys/registry.js';
import { createPasskeySlot, openPasskeySlot } from '../../src/client/passkeys/slot.js';
import { prepareCredential, submitCredential } from '../../src/client/account/auth.js';
import { addSlotEntry } from '../../src/client/account/meta.js';
import { wrapRoot } from '../../src/client/account/slots.js';
import { transportOptions } from '../../src/client/api.js';
import { toBase64url, wipe } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { openRecord } from '../../src/envelope/record.js';
import { decodeFrame } from '../../src/formats/frame.js';
import { formatRecoveryKey } from '../../src/formats/recovery-key.js';
import { memoryStore } from '../../src/store/memory.js';
import type { BlobStore } from '../../src/store/types.js';
import { TEST_KSF, lowLogin, startServer, type Running } from './helpers.js';

let running: Running;
const dirs: string[] = [];

beforeAll(async () => {
  running = await startServer();
});
afterAll(async () => {
  await running.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zerovault-rotation-'));
  dirs.push(dir);
  return dir;
}

function client(store: BlobStore, options: { fetch?: (request: Request) => Promise<Response>; deviceDir?: string } = {}): Client {
  return new Client({ url: running.base, ksf: TEST_KSF, store, ...options });
}

/** The root key the password opens now (a low-level login and the password slot). */
async function passwordRoot(store: BlobStore, userId: string, password: string): Promise<Uint8Array> {
  const login = await lowLogin(running.base, userId, password);
  const slot = await readSlot(store, 'password');
  if (slot === null) throw new Error('no password slot');
  return unwrapRoot('password', login.exportKey, slot);
}

/** Every framed meta record, and whether `rootKey` opens it. */
async function metaOpening(store: BlobStore, rootKey: Uint8Array): Promise<Map<string, boolean>> {
  const seen = new Map<string, boolean>();
  for (const { id } of (await store.list('_zv', { limit: 1000 })).items) {
    const stored = await store.get('_zv', id);
    if (stored === null) continue;
    let frame;
    try {
      frame = decodeFrame(stored.data);
    } catch {
      continue;
    }
    try {
      if (id === 'keyring') await loadKeyring(store, rootKey).then((k) => k ?? Promise.reject(new Error('none')));
      else await openRecord({ kek: { id: 'root', version: 1, key: rootKey }, vaultId: '_zv', recordId: id, version: frame.contentVersion, sealed: frame.sealed });
      seen.set(id, true);
    } catch {
      seen.set(id, false);
    }
  }
  return seen;
}

const PRF = randomBytes(32);
const CREDENTIAL = toBase64url(randomBytes(16));

/** A passkey with PRF as `addPasskey` leaves it in the store: its slot and its registry entry (the browser test adds a real one). */
async function plantPasskey(store: BlobStore, userId: string, rootKey: Uint8Array): Promise<void> {
  const made = await createPasskeySlot({ userId, credentialId: CREDENTIAL, rootKey, prfOutput: PRF });
  await writePasskeySlot(store, CREDENTIAL, made.slot);
  await addToPasskeyRegistry(store, () => rootKey, { credentialId: CREDENTIAL, name: 'key', createdAt: Date.now(), slot: { publicKey: made.publicKey, sealerSeed: made.sealerSeed } });
}

/** What the passkey unlocks: its slot's root key, and whether the keyring opens with it. */
async function passkeyUnlocks(store: BlobStore, userId: string): Promise<Uint8Array> {
  const slot = await readPasskeySlot(store, CREDENTIAL);
  if (slot === null) throw new Error('no passkey slot');
  const rootKey = await openPasskeySlot({ userId, credentialId: CREDENTIAL, slot, prfOutput: PRF });
  expect(await loadKeyring(store, rootKey)).not.toBeNull();
  return rootKey;
}

interface Account {
  readonly userId: string;
  readonly password: string;
  readonly store: BlobStore;
  readonly recoveryKey: string;
  readonly session: Session;
}

/** An account with data, a pin (a contact), a v2 recovery key and a planted PRF passkey. */
async function account(name: string, options: { deviceDir?: string } = {}): Promise<Account> {
  const store = memoryStore();
  const userId = `${name}-${toBase64url(randomBytes(6)).toLowerCase()}`;
  const password = 'correct horse battery staple';
  const session = await client(store, options).register({ userId, password, ...(options.deviceDir === undefined ? {} : { rememberDevice: true }) });
  const vault = await session.vault('notes');
  await vault.put('a', new TextEncoder().encode('hello'));
  await vault.flush();
  const recoveryKey = await session.createRecoveryKey();
  await plantPasskey(store, session.userId, await passwordRoot(store, session.userId, password));
  return { userId: session.userId, password, store, recoveryKey, session };
}

async function readsNote(session: Session): Promise<void> {
  const vault = await session.vault('notes');
  expect(new TextDecoder().decode((await vault.get('a')).data)).toBe('hello');
}

describe('rotateRootKey', () => {
  test('a new root key: every record and every slot moves to it; the old key opens nothing the account keeps', async () => {
    const a = await account('rotate');
    const before = await passwordRoot(a.store, a.userId, a.password);
    await a.session.rotateRootKey({ currentPassword: a.password });
    // The rotating session goes on, with its data; a vault it opened before writes on (its manifest was re-sealed meanwhile).
    await readsNote(a.session);
    const notes = await a.session.vault('notes');
    await notes.put('c', new TextEncoder().encode('written after'));
    await notes.flush();
    const reader = await client(a.store).login({ userId: a.userId, password: a.password });
    expect(new TextDecoder().decode((await (await reader.vault('notes')).get('c')).data)).toBe('written after');
    await reader.logout();
    const after = await passwordRoot(a.store, a.userId, a.password);
    expect(toBase64url(after)).not.toBe(toBase64url(before));
    const underNew = await metaOpening(a.store, after);
    expect([...underNew.keys()]).toEqual(expect.arrayContaining(['keyring', 'passkeys']));
    expect([...underNew.values()].every(Boolean)).toBe(true);
    expect([...(await metaOpening(a.store, before)).values()].some(Boolean)).toBe(false);
    expect(await a.store.get('_zv', 'root-prev')).toBeNull();
    // Passkey (without the authenticator) and recovery (v2) follow.
    expect(toBase64url(await passkeyUnlocks(a.store, a.userId))).toBe(toBase64url(after));
    const recovered = await client(a.store).recover({ userId: a.userId, recoveryKey: a.recoveryKey, newPassword: 'another password' });
    await readsNote(recovered);
    await recovered.logout();
  });

  test('other sessions end (the password credential is new), and with the old key they read nothing', async () => {
    const a = await account('sessions');
    const other = await client(a.store).login({ userId: a.userId, password: a.password });
    await a.session.rotateRootKey({ currentPassword: a.password });
    await expect(other.devices()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(other.vault('notes')).rejects.toBeDefined();
    await expect(client(a.store).login({ userId: a.userId, password: a.password }).then((s) => s.vault('other'))).resolves.toBeDefined();
    const fresh = await client(a.store).login({ userId: a.userId, password: a.password });
    await readsNote(fresh);
  });

  test('this device stays remembered (slot and check value follow); the other remembered devices are revoked', async () => {
    const mine = folder();
    const theirs = folder();
    const a = await account('devices', { deviceDir: mine });
    const other = await client(a.store, { deviceDir: theirs }).login({ userId: a.userId, password: a.password, rememberDevice: true });
    await other.logout();
    await a.session.rotateRootKey({ currentPassword: a.password });
    const resumed = await client(a.store, { deviceDir: mine }).resume({ userId: a.userId });
    expect(resumed).not.toBeNull();
    await readsNote(resumed as Session);
    expect(await client(a.store, { deviceDir: theirs }).resume({ userId: a.userId })).toBeNull();
    expect((await (resumed as Session).devices()).map((d) => d.id)).toEqual([a.session.deviceId]);
  });

  test('a crash between re-sealing this device and updating its check value: resume fails closed, a login with rememberDevice re-pins it', async () => {
    const mine = folder();
    const a = await account('repin', { deviceDir: mine });
    const before = await passwordRoot(a.store, a.userId, a.password);
    await a.session.rotateRootKey({ currentPassword: a.password });
    // What the crash leaves: the slot holds the new root key, the device still pins the old one.
    const local = await localDevices(running.base, { kind: 'dir', dir: mine });
    const kept = await local.load(a.userId);
    if (kept === null) throw new Error('nothing remembered');
    await local.save({ ...kept, rootCheck: rootCheckOf(before, a.userId, kept.deviceId) });
    await expect(client(a.store, { deviceDir: mine }).resume({ userId: a.userId })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const again = await client(a.store, { deviceDir: mine }).login({ userId: a.userId, password: a.password, rememberDevice: true });
    expect(again.deviceId).toBe(kept.deviceId);
    await again.logout();
    const resumed = await client(a.store, { deviceDir: mine }).resume({ userId: a.userId });
    expect(resumed?.deviceId).toBe(kept.deviceId);
    await readsNote(resumed as Session);
  });

  test('needs the password: no currentPassword is INVALID_INPUT, a wrong one AUTH_FAILED, and nothing changes', async () => {
    const a = await account('password');
    const before = await passwordRoot(a.store, a.userId, a.password);
    await expect(a.session.rotateRootKey({} as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(a.session.rotateRootKey({ currentPassword: 'wrong' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(toBase64url(await passwordRoot(a.store, a.userId, a.password))).toBe(toBase64url(before));
  });
});

describe('a server without the device routes', () => {
  test('rotation still finishes (there is no device to revoke)', async () => {
    // A proxy that hides the device methods: the server then answers 404 on /devices.
    const hidden = new Set(['addDevice', 'getDevice', 'listDevices', 'deleteDevice', 'touchDevice']);
    const bare = await startServer({
      wrap: (inner) => new Proxy(inner, { get: (target, name, receiver): unknown => (typeof name === 'string' && hidden.has(name) ? undefined : (Reflect.get(target, name, receiver) as unknown)) }),
    });
    try {
      const store = memoryStore();
      const c = new Client({ url: bare.base, ksf: TEST_KSF, store });
      const session = await c.register({ userId: 'nodevices@example.com', password: 'no devices here' });
      await (await session.vault('notes')).put('a', new TextEncoder().encode('hello'));
      await session.rotateRootKey({ currentPassword: 'no devices here' });
      expect(await store.get('_zv', 'root-prev')).toBeNull();
      await readsNote(await c.login({ userId: 'nodevices@example.com', password: 'no devices here' }));
    } finally {
      await bare.close();
    }
  });
});

describe('a v1 recovery slot (made before rotation existed)', () => {
  /** The recovery key as the SDK made it before v2: an AEAD wrap under the export key. */
  async function v1RecoveryKey(a: Account): Promise<string> {
    const login = await lowLogin(running.base, a.userId, a.password);
    const endpoint = { baseUrl: running.base, transport: transportOptions(undefined, 10_000) };
    const key = randomBytes(32);
    const rootKey = await passwordRoot(a.store, a.userId, a.password);
    const prepared = await prepareCredential(endpoint, { ksf: TEST_KSF, suite: 'ristretto255-SHA512' }, a.userId, 'recovery', key);
    await addSlotEntry(a.store, 'recovery', await wrapRoot('recovery', prepared.exportKey, rootKey), true);
    await submitCredential(endpoint, a.userId, 'recovery', prepared.record, { key: { sessionId: login.sessionId, macKey: login.macKey, expiresAt: Number.POSITIVE_INFINITY } });
    wipe(prepared.exportKey, rootKey);
    return formatRecoveryKey(key);
  }

  test('still opens; rotation refuses it before any write, and works once a new (v2) recovery key replaced it', async () => {
    const a = await account('legacy');
    const legacy = await v1RecoveryKey(a);
    await a.store.delete('_zv', 'recovery-slot-next');
    const before = await passwordRoot(a.store, a.userId, a.password);
    const session = await client(a.store).login({ userId: a.userId, password: a.password });
    await expect(session.rotateRootKey({ currentPassword: a.password })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(toBase64url(await passwordRoot(a.store, a.userId, a.password))).toBe(toBase64url(before));
    expect(await a.store.get('_zv', 'root-prev')).toBeNull();
    const recovered = await client(a.store).recover({ userId: a.userId, recoveryKey: legacy, newPassword: 'pw after v1' });
    await readsNote(recovered);
    const fresh = await recovered.createRecoveryKey({ currentPassword: 'pw after v1' });
    await recovered.rotateRootKey({ currentPassword: 'pw after v1' });
    const again = await client(a.store).recover({ userId: a.userId, recoveryKey: fresh, newPassword: 'pw three' });
    await readsNote(again);
  });
});

describe('a crash at any write of the rotation', () => {
  type Mode = 'before' | 'after';
  /** Counts the rotation's writes (store puts and deletes, server requests that change something); from `crashAt` on, each fails. */
  function crashing(crashAt: number, mode: Mode): { store: (inner: BlobStore) => BlobStore; fetch: (request: Request) => Promise<Response>; count: () => number; arm: () => void } {
    let armed = false;
    let n = 0;
    const step = async <T>(run: () => Promise<T>): Promise<T> => {
      if (!armed) return run();
      const index = n++;
      if (index < crashAt) return run();
      if (mode === 'after' && index === crashAt) await run();
      throw new TypeError('crashed');
    };
    return {
      store: (inner) => ({
        get: (v, id) => (armed && n > crashAt ? Promise.reject(new TypeError('crashed')) : inner.get(v, id)),
        list: (v, o) => (armed && n > crashAt ? Promise.reject(new TypeError('crashed')) : inner.list(v, o)),
        put: (v, id, data, o) => step(() => inner.put(v, id, data, o)),
        delete: (v, id, o) => step(() => inner.delete(v, id, o)),
      }),
      fetch: (request) => (request.method === 'GET' ? (armed && n > crashAt ? Promise.reject(new TypeError('crashed')) : fetch(request)) : step(() => fetch(request))),
      count: () => n,
      arm: () => {
        armed = true;
      },
    };
  }

  /** Everything the account promises after a crash, then a second rotation that finishes. */
  async function survives(a: Account, store: BlobStore, mine: string, theirs: string): Promise<void> {
    const session = await client(store).login({ userId: a.userId, password: a.password });
    await readsNote(session);
    await passkeyUnlocks(store, a.userId);
    // This device resumes, or (the one documented window) fails closed until a login re-pins it.
    const resumed = await client(store, { deviceDir: mine }).resume({ userId: a.userId }).catch((err: unknown) => err);
    if (resumed instanceof Error) {
      expect(resumed).toMatchObject({ code: 'DECRYPT_FAILED' });
      await (await client(store, { deviceDir: mine }).login({ userId: a.userId, password: a.password, rememberDevice: true })).logout();
      await readsNote((await client(store, { deviceDir: mine }).resume({ userId: a.userId })) as Session);
    } else if (resumed !== null) await readsNote(resumed as Session);
    // The other device: revoked (null), or, before its revocation was reached, still working.
    const other = await client(store, { deviceDir: theirs }).resume({ userId: a.userId });
    if (other !== null) await readsNote(other);
    // Finishing: a second rotation, then nothing is left under any earlier key.
    await session.rotateRootKey({ currentPassword: a.password });
    const root = await passwordRoot(store, a.userId, a.password);
    expect([...(await metaOpening(store, root)).values()].every(Boolean)).toBe(true);
    expect(await store.get('_zv', 'root-prev')).toBeNull();
    expect(toBase64url(await passkeyUnlocks(store, a.userId))).toBe(toBase64url(root));
    expect(await client(store, { deviceDir: theirs }).resume({ userId: a.userId })).toBeNull();
    const recovered = await client(store).recover({ userId: a.userId, recoveryKey: a.recoveryKey, newPassword: 'after the crash' });
    await readsNote(recovered);
  }

  async function crashAt(index: number, mode: Mode): Promise<number> {
    const inner = memoryStore();
    const plan = crashing(index, mode);
    const store = plan.store(inner);
    const userId = `crash-${toBase64url(randomBytes(6)).toLowerCase()}`;
    const password = 'crash test password';
    const [mine, theirs] = [folder(), folder()];
    const session = await client(store, { fetch: plan.fetch, deviceDir: mine }).register({ userId, password, rememberDevice: true });
    await (await client(inner, { deviceDir: theirs }).login({ userId, password, rememberDevice: true })).logout();
    const vault = await session.vault('notes');
    await vault.put('a', new TextEncoder().encode('hello'));
    await vault.flush();
    const recoveryKey = await session.createRecoveryKey();
    await plantPasskey(inner, userId, await passwordRoot(inner, userId, password));
    const a = { userId, password, store: inner, recoveryKey, session };
    plan.arm();
    const outcome = await session.rotateRootKey({ currentPassword: password }).then(
      () => 'done',
      () => 'crashed',
    );
    const writes = plan.count();
    // Between the crash and the next login, the password (and the passkey, and the recovery key) must still work.
    await survives(a, inner, mine, theirs);
    return outcome === 'done' ? -writes : writes;
  }

  test('each write, crashed before it or after it (its answer lost), leaves an account that opens (password, passkey, recovery key, this device) and a rotation that finishes', async () => {
    const total = -(await crashAt(Number.MAX_SAFE_INTEGER, 'before'));
    expect(total).toBeGreaterThan(8);
    for (const mode of ['before', 'after'] as const) {
      for (let index = 0; index < total; index++) {
        try {
          await crashAt(index, mode);
        } catch (err) {
          throw new Error(`crash ${mode} write ${index}: ${String(err)}`, { cause: err });
        }
      }
    }
  }, 300_000);
});
