/**
 * Issue 13, item 11 (threat model, adversary 7): after a revocation's sweep
 * completes, a record sealed under a KEK version the revocation retired —
 * what a brand-new device of the owner writes when a server serves it the
 * keyring of before — opens for no member and no other device of the owner.
 * Simulated by writing back, under the owner's name, a record the owner
 * sealed before the revocation.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromUtf8, utf8 } from '../../../src/crypto/bytes.js';
import { decodeRecordHeader } from '../../../src/envelope/index.js';
import { decodeFrame } from '../../../src/formats/frame.js';
import { startServer, type LoopbackServer } from './helpers.js';

let server: LoopbackServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

describe('retired KEK versions', () => {
  test('a record sealed under a version a completed revocation retired is refused by members and by the owner', async () => {
    const owner = await server.register('olga');
    const member = await server.register('mira');
    const revoked = await server.register('rex');
    const vault = await owner.vault('team');
    await vault.put('plan', utf8('sealed under v1'));
    await vault.share({ userId: 'mira', role: 'read' });
    await vault.share({ userId: 'rex', role: 'read' });
    const blobs = server.store.blobs('olga');
    const before = await blobs.get('team', 'plan');
    expect(decodeRecordHeader(decodeFrame((before as { data: Uint8Array }).data).sealed).kekVersion).toBe(1);

    await vault.revoke({ userId: 'rex' });
    const after = await blobs.get('team', 'plan');
    expect(decodeRecordHeader(decodeFrame((after as { data: Uint8Array }).data).sealed).kekVersion).toBe(2);
    // The member still reads the re-wrapped record.
    const fresh = await member.vault('team', { owner: 'olga' });
    expect(fromUtf8((await fresh.get('plan')).data)).toBe('sealed under v1');

    // A write under the retired v1, owner-signed, as a brand-new owner device would seal it.
    const stale = (before as { data: Uint8Array }).data;
    await blobs.put('team', 'plan', stale);
    const later = await server.login('mira');
    await expect((await later.vault('team', { owner: 'olga' })).get('plan')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const ownerAgain = await server.login('olga');
    await expect((await ownerAgain.vault('team')).get('plan')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    for (const s of [owner, member, revoked, later, ownerAgain]) await s.logout();
  });
});
