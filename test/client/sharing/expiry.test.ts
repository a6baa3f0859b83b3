/**
 * Time-limited access and access review, end to end over HTTP: a grant with
 * `expiresAt` is served until then and refused (403) from then on; the
 * owner's client revokes the member before its next write, so that write is
 * sealed under a key the member never had; `members()` and
 * `session.accessReview()` show the server's record of each grant.
 *
 * The server's clock is `Date.now`, which a test moves forward (both sides
 * see the same time, as two synchronised machines would).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { fromUtf8, toBase64url, utf8 } from '../../../src/crypto/bytes.js';
import { decodeRecordHeader, openRecord } from '../../../src/envelope/index.js';
import { decodeFrame } from '../../../src/formats/frame.js';
import { openGrant } from '../../../src/client/sharing/grant.js';
import { memoryServerStore, type ServerStore } from '../../../src/server/index.js';
import type { SharingStore } from '../../../src/server/types.js';
import { keyringOf, rawRequest, startServer, type LoopbackServer } from './helpers.js';

/** Any time (ms since the epoch): the server's record. */
const A_TIME = expect.any(Number) as unknown as number;

let server: LoopbackServer;
let touches = 0;
const realNow = Date.now.bind(Date);

/** A memory store that counts `touchGrant` calls. */
function countingStore(): ServerStore {
  const base = memoryServerStore();
  const touch = base.touchGrant as NonNullable<SharingStore['touchGrant']>;
  return {
    ...base,
    touchGrant: async (...args) => {
      touches++;
      await touch(...args);
    },
  };
}

/** Moves both clocks `ms` ahead of real time. */
function skipAhead(ms: number): void {
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

beforeAll(async () => {
  server = await startServer(countingStore(), { now: () => Date.now() });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await server.close();
});

describe('time-limited access', () => {
  test('served until expiresAt, refused from then on; the owner revokes at its next write, under a key the member never had', async () => {
    const owner = await server.register('exp-owner');
    const member = await server.register('exp-member');
    const stays = await server.register('exp-stays');
    const vault = await owner.vault('trip');
    await vault.put('plan', utf8('before'));
    const expiresAt = Date.now() + 60_000;
    await vault.share({ userId: 'exp-member', role: 'write', expiresAt: new Date(expiresAt) });
    await vault.share({ userId: 'exp-stays', role: 'read' });

    const theirs = await member.vault('trip', { owner: 'exp-owner' });
    touches = 0;
    for (let i = 0; i < 5; i++) expect(fromUtf8((await theirs.get('plan')).data)).toBe('before');
    // Five reads (each a grant check), at most one write of lastAccessAt.
    expect(touches).toBeLessThanOrEqual(1);
    expect(await member.sharedVaults()).toEqual([{ owner: 'exp-owner', vault: 'trip', role: 'write', expiresAt }]);
    const listed = await vault.members();
    expect(listed).toEqual([
      { userId: 'exp-owner', role: 'owner' },
      { userId: 'exp-member', role: 'write', grantedAt: A_TIME, expiresAt, lastAccessAt: A_TIME },
      { userId: 'exp-stays', role: 'read', grantedAt: A_TIME },
    ]);

    // What the member legitimately holds: every KEK version up to now.
    const keyring = await keyringOf(server, 'exp-member');
    const grant = (await server.store.getGrant?.('exp-owner', 'trip', 'exp-member'))!;
    const ownerContact = await member.contact('exp-owner');
    const held = await openGrant({ grant: grant.data, owner: 'exp-owner', vault: 'trip', grantee: 'exp-member', secretKey: keyring.x25519.secretKey, sender: ownerContact.publicKeys.x25519 });
    const heldKeks = held.keks.map((k) => ({ id: 'trip', version: k.version, key: k.key }));

    skipAhead(61_000);
    // The server stops serving the member: through the SDK and raw; the vault is no longer listed.
    await expect(theirs.get('plan')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(theirs.put('mine', utf8('late'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await member.sharedVaults()).toEqual([]);
    const raw = await rawRequest(server, 'exp-member', 'GET', '/shared/exp-owner/grant/trip');
    expect(raw.status).toBe(403);
    expect(server.events).toContainEqual(expect.objectContaining({ type: 'access_denied', userId: 'exp-member', reason: 'expired' }));
    // The owner still sees the expired grant until its client acts on it.
    expect((await vault.members()).map((m) => m.userId)).toContain('exp-member');

    // The owner's next write: the member is revoked first, then the record is sealed under a new version.
    await vault.put('after', utf8('secret after expiry'));
    expect((await vault.members()).map((m) => m.userId)).toEqual(['exp-owner', 'exp-stays']);
    expect(await server.store.getGrant?.('exp-owner', 'trip', 'exp-member')).toBeNull();
    const frame = decodeFrame((await server.store.blobs('exp-owner').get('trip', 'after'))!.data);
    expect(heldKeks.map((k) => k.version)).not.toContain(decodeRecordHeader(frame.sealed).kekVersion);
    await expect(openRecord({ keyring: { keks: heldKeks }, vaultId: 'trip', recordId: 'after', version: frame.contentVersion, sealed: frame.sealed })).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    // The remaining member follows the rotation.
    const reader = await stays.vault('trip', { owner: 'exp-owner' });
    expect(fromUtf8((await reader.get('after')).data)).toBe('secret after expiry');
    for (const s of [owner, member, stays]) await s.logout();
  });

  test('a re-grant after a rotation keeps the expiry; sharing again without expiresAt lifts it', async () => {
    const owner = await server.register('keep-owner');
    await server.register('keep-member');
    const vault = await owner.vault('v');
    await vault.put('r', utf8('x'));
    const expiresAt = Date.now() + 3_600_000;
    await vault.share({ userId: 'keep-member', role: 'read', expiresAt });
    await vault.rotate();
    expect((await server.store.getGrant?.('keep-owner', 'v', 'keep-member'))?.expiresAt).toBe(expiresAt);
    await vault.share({ userId: 'keep-member', role: 'read' });
    expect(await server.store.getGrant?.('keep-owner', 'v', 'keep-member')).not.toHaveProperty('expiresAt');
    await owner.logout();
  });

  test('a store that ignores keepExpiry (written before it) still keeps an expiry across a re-grant', async () => {
    const base = memoryServerStore();
    const put = base.putGrant as NonNullable<SharingStore['putGrant']>;
    const older: ServerStore = { ...base, putGrant: async (grant) => put(grant) };
    const other = await startServer(older);
    try {
      const owner = await other.register('old-owner');
      await other.register('old-member');
      const vault = await owner.vault('v');
      await vault.put('r', utf8('x'));
      const expiresAt = Date.now() + 3_600_000;
      await vault.share({ userId: 'old-member', role: 'read', expiresAt });
      await vault.rotate();
      expect((await other.store.getGrant?.('old-owner', 'v', 'old-member'))?.expiresAt).toBe(expiresAt);
      await owner.logout();
    } finally {
      await other.close();
    }
  });

  test('expiresAt is validated before anything is sent', async () => {
    const owner = await server.register('val-owner');
    await server.register('val-member');
    const vault = await owner.vault('v');
    for (const expiresAt of [Date.now() - 1, 1.5, Number.NaN, new Date(Number.NaN), '2030-01-01' as unknown as number]) {
      await expect(vault.share({ userId: 'val-member', role: 'read', expiresAt })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(await server.store.getGrant?.('val-owner', 'v', 'val-member')).toBeNull();
    // The server checks too.
    const bad = await rawRequest(server, 'val-owner', 'PUT', '/grants/v/val-member', { body: { role: 'read', grant: toBase64url(utf8('g')), expiresAt: 'soon' } });
    expect(bad.status).toBe(400);
    await owner.logout();
  });

  test('a store that drops the expiry fails closed: 400 UNSUPPORTED, and no grant is left', async () => {
    const base = memoryServerStore();
    const put = base.putGrant as NonNullable<SharingStore['putGrant']>;
    const forgetful: ServerStore = { ...base, putGrant: async ({ expiresAt: _dropped, ...grant }, options) => put(grant, options) };
    const other = await startServer(forgetful);
    try {
      const owner = await other.register('drop-owner');
      await other.register('drop-member');
      const vault = await owner.vault('v');
      // The client reads a 400 as INVALID_INPUT (it never believes a server's code beyond that); the server says why.
      await expect(vault.share({ userId: 'drop-member', role: 'read', expiresAt: Date.now() + 60_000 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await other.store.getGrant?.('drop-owner', 'v', 'drop-member')).toBeNull();
      const raw = await rawRequest(other, 'drop-owner', 'PUT', '/grants/v/drop-member', { body: { role: 'read', grant: toBase64url(utf8('g')), expiresAt: Date.now() + 60_000 } });
      expect(raw.status).toBe(400);
      expect(await raw.json()).toMatchObject({ error: { code: 'UNSUPPORTED' } });
      expect(await other.store.getGrant?.('drop-owner', 'v', 'drop-member')).toBeNull();
      await owner.logout();
    } finally {
      await other.close();
    }
  });
});

describe('access review', () => {
  test('lists every vault the account owns (with members) and every vault it can reach', async () => {
    const a = await server.register('rev-a');
    const b = await server.register('rev-b');
    const shared = await a.vault('shared');
    await shared.share({ userId: 'rev-b', role: 'read' });
    const expiresAt = Date.now() + 120_000;
    const mine = await b.vault('mine');
    await mine.share({ userId: 'rev-a', role: 'write', expiresAt });
    await a.vault('private');

    const review = await a.accessReview();
    expect(review).toEqual([
      { owner: 'rev-a', vault: 'default', role: 'owner', members: [{ userId: 'rev-a', role: 'owner' }] },
      { owner: 'rev-a', vault: 'private', role: 'owner', members: [{ userId: 'rev-a', role: 'owner' }] },
      { owner: 'rev-a', vault: 'shared', role: 'owner', members: [{ userId: 'rev-a', role: 'owner' }, { userId: 'rev-b', role: 'read', grantedAt: A_TIME }] },
      { owner: 'rev-b', vault: 'mine', role: 'write', expiresAt },
    ]);
    await a.logout();
    await expect(a.accessReview()).rejects.toMatchObject({ code: 'CLOSED' });
    await b.logout();
  });
});
