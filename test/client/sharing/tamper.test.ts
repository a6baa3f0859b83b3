/**
 * A database that lies about grants and membership lists, and a reader that
 * writes around the server's role checks: every member's client catches it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromUtf8, utf8 } from '../../../src/crypto/bytes.js';
import { sealRecord } from '../../../src/envelope/index.js';
import { encodeFrame } from '../../../src/formats/frame.js';
import { openGrant } from '../../../src/client/sharing/grant.js';
import { decodeKeyEvent } from '../../../src/formats/key-event.js';
import { MEMBERS_ID } from '../../../src/client/vault/names.js';
import { signRecord } from '../../../src/client/sharing/record-signature.js';
import type { Session } from '../../../src/client/index.js';
import type { Keyring } from '../../../src/envelope/index.js';
import { toBase64url } from '../../../src/crypto/bytes.js';
import { keyringOf, rawRequest, startServer, tamperableStore, type LoopbackServer, type Tamper } from './helpers.js';

let server: LoopbackServer;
let tamper: Tamper;
let owner: Session;
let writer: Session;
let reader: Session;

beforeAll(async () => {
  const made = tamperableStore();
  tamper = made.tamper;
  server = await startServer(made.store);
  owner = await server.register('t-owner');
  writer = await server.register('t-writer');
  reader = await server.register('t-reader');
  const vault = await owner.vault('box');
  await vault.put('doc', utf8('by owner'));
  await vault.share({ userId: 't-writer', role: 'write' });
  await vault.share({ userId: 't-reader', role: 'read' });
});

afterAll(async () => {
  for (const s of [owner, writer, reader]) await s.logout().catch(() => undefined);
  await server.close();
});

/** What a member can dig out legitimately: its keyring and the vault's active KEK from its grant. */
async function memberKeys(userId: string): Promise<{ keyring: Keyring; kek: { id: string; version: number; key: Uint8Array } }> {
  const keyring = await keyringOf(server, userId);
  const log = (await server.store.getKeyEvents?.('t-owner')) as Uint8Array[];
  const ownerX = decodeKeyEvent(log.at(-1) as Uint8Array).x25519;
  const row = (await server.store.getGrant?.('t-owner', 'box', userId))!;
  const opened = await openGrant({ grant: row.data, owner: 't-owner', vault: 'box', grantee: userId, secretKey: keyring.x25519.secretKey, sender: ownerX });
  const active = opened.keks.find((k) => k.active)!;
  return { keyring, kek: { id: 'box', version: active.version, key: active.key } };
}

/** A record sealed under the vault KEK and signed with `signingKey` in the name of `signer`. */
async function craft(keys: { kek: { id: string; version: number; key: Uint8Array } }, id: string, signer: string | null, signingKey: Uint8Array): Promise<Uint8Array> {
  const sealed = await sealRecord({ kek: keys.kek, vaultId: 'box', recordId: id, version: 1, plaintext: utf8(`forged ${id}`) });
  if (signer === null) return encodeFrame(1, sealed);
  return encodeFrame(1, sealed, signRecord({ owner: 't-owner', vault: 'box', recordId: id, contentVersion: 1, signer, sealed }, signingKey));
}

describe('records written around the server', () => {
  test('a reader writing straight into the database is refused by every other member', async () => {
    const rk = await memberKeys('t-reader');
    const blobs = server.store.blobs('t-owner');
    await blobs.put('box', 'by-reader', await craft(rk, 'by-reader', 't-reader', rk.keyring.ed25519.secretKey));
    await blobs.put('box', 'unsigned', await craft(rk, 'unsigned', null, rk.keyring.ed25519.secretKey));
    await blobs.put('box', 'as-owner', await craft(rk, 'as-owner', 't-owner', rk.keyring.ed25519.secretKey));
    await blobs.put('box', 'as-writer', await craft(rk, 'as-writer', 't-writer', rk.keyring.ed25519.secretKey));
    const asOwner = await owner.vault('box');
    const asWriter = await writer.vault('box', { owner: 't-owner' });
    for (const id of ['by-reader', 'unsigned', 'as-owner', 'as-writer']) {
      await expect(asOwner.get(id)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await expect(asWriter.get(id)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    }
    // The same forgery with the writer's own key is a genuine write: the crafting is sound.
    const wk = await memberKeys('t-writer');
    await blobs.put('box', 'by-writer', await craft(wk, 'by-writer', 't-writer', wk.keyring.ed25519.secretKey));
    expect(fromUtf8((await asOwner.get('by-writer')).data)).toBe('forged by-writer');
  });

  test('a grant row turned from read to write: the server lets the reader write, the members do not', async () => {
    tamper.grant = (g) => (g.grantee === 't-reader' ? { ...g, role: 'write' } : g);
    try {
      const rk = await memberKeys('t-reader');
      const data = await craft(rk, 'via-server', 't-reader', rk.keyring.ed25519.secretKey);
      const put = await rawRequest(server, 't-reader', 'PUT', '/shared/t-owner/blobs/box/via-server', { body: { data: toBase64url(data) } });
      expect(put.status).toBe(200);
      await expect((await owner.vault('box')).get('via-server')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      // And the reader's own client sees that the role the server enforces is not the one the owner sealed.
      const fresh = await server.login('t-reader');
      await expect(fresh.vault('box', { owner: 't-owner' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await fresh.logout();
    } finally {
      tamper.grant = undefined;
    }
  });
});

describe('grants and membership lists tampered in the store', () => {
  test('a flipped byte, a changed header, another member’s grant or another vault’s grant does not open', async () => {
    const writerGrant = (await server.store.getGrant?.('t-owner', 'box', 't-writer'))!;
    await (await owner.vault('box2')).share({ userId: 't-reader', role: 'read' });
    const otherVaultGrant = (await server.store.getGrant?.('t-owner', 'box2', 't-reader'))!;
    const cases: ((g: NonNullable<Awaited<ReturnType<NonNullable<typeof server.store.getGrant>>>>) => typeof g)[] = [
      (g) => {
        const data = Uint8Array.from(g.data);
        data[data.length - 5] = (data[data.length - 5] as number) ^ 0x10;
        return { ...g, data };
      },
      (g) => ({ ...g, data: writerGrant.data, role: writerGrant.role }),
      (g) => {
        const data = Uint8Array.from(g.data);
        data[7] = (data[7] as number) + 1; // the epoch in the header
        return { ...g, data };
      },
      (g) => ({ ...g, data: otherVaultGrant.data }),
    ];
    for (const change of cases) {
      tamper.grant = (g) => (g.grantee === 't-reader' ? change(g) : g);
      const fresh = await server.login('t-reader');
      await expect(fresh.vault('box', { owner: 't-owner' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await fresh.logout();
    }
    tamper.grant = undefined;
    const honest = await server.login('t-reader');
    expect(fromUtf8((await (await honest.vault('box', { owner: 't-owner' })).get('doc')).data)).toBe('by owner');
    await honest.logout();
  });

  test('an older grant or membership list served again is a rollback', async () => {
    const oldGrant = (await server.store.getGrant?.('t-owner', 'box', 't-reader'))!;
    const oldMembers = (await server.store.blobs('t-owner').get('box', MEMBERS_ID))!;
    const vault = await owner.vault('box');
    await vault.rotate(); // new epoch: new list, new grants
    const seen = await server.login('t-reader');
    await seen.vault('box', { owner: 't-owner' }); // pins the new epochs
    await seen.logout();

    tamper.grant = (g) => (g.grantee === 't-reader' ? oldGrant : g);
    try {
      const fresh = await server.login('t-reader');
      await expect(fresh.vault('box', { owner: 't-owner' })).rejects.toMatchObject({ code: 'ROLLBACK' });
      await fresh.logout();
    } finally {
      tamper.grant = undefined;
    }

    const current = (await server.store.blobs('t-owner').get('box', MEMBERS_ID))!;
    await server.store.blobs('t-owner').put('box', MEMBERS_ID, oldMembers.data);
    try {
      const fresh = await server.login('t-reader');
      await expect(fresh.vault('box', { owner: 't-owner' })).rejects.toMatchObject({ code: 'ROLLBACK' });
      await fresh.logout();
      const ownerAgain = await server.login('t-owner');
      await expect(ownerAgain.vault('box')).rejects.toMatchObject({ code: 'ROLLBACK' });
      await ownerAgain.logout();
    } finally {
      await server.store.blobs('t-owner').put('box', MEMBERS_ID, current.data);
    }
  });

  test('a membership list altered or signed by anyone but the owner is refused', async () => {
    const blobs = server.store.blobs('t-owner');
    const original = (await blobs.get('box', MEMBERS_ID))!;
    const flipped = Uint8Array.from(original.data);
    flipped[flipped.length - 70] = (flipped[flipped.length - 70] as number) ^ 1;
    try {
      await blobs.put('box', MEMBERS_ID, flipped);
      const fresh = await server.login('t-writer');
      await expect(fresh.vault('box', { owner: 't-owner' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await fresh.logout();
    } finally {
      await blobs.put('box', MEMBERS_ID, original.data);
    }
  });
});
