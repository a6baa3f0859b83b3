/**
 * Sharing end to end, two and three users over real HTTP on loopback:
 * share, read, write, roles enforced by server and client, revocation with
 * key rotation, and a revoked user holding the whole database.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromUtf8, toBase64url, utf8 } from '../../../src/crypto/bytes.js';
import { openRecord, decodeRecordHeader } from '../../../src/envelope/index.js';
import { decodeFrame } from '../../../src/formats/frame.js';
import { openGrant } from '../../../src/client/sharing/grant.js';
import { collect, keyringOf, rawRequest, startServer, type LoopbackServer } from './helpers.js';

/** Any time (ms since the epoch): the server's record. */
const A_TIME = expect.any(Number) as unknown as number;

let server: LoopbackServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

describe('two users', () => {
  test('share read-only: the grantee lists, opens and reads; writes are refused by client and server', async () => {
    const alice = await server.register('alice@example.com');
    const bob = await server.register('Bob@Example.com');
    const notes = await alice.vault('notes');
    await notes.put('n1', utf8('before sharing'));
    await notes.share({ userId: 'bob@example.com', role: 'read' });
    await notes.put('n2', utf8('after sharing'));

    expect(await bob.sharedVaults()).toEqual([{ owner: 'alice@example.com', vault: 'notes', role: 'read' }]);
    expect(bob.vaults()).toEqual(['default']);
    const shared = await bob.vault('notes', { owner: 'Alice@example.com' });
    expect(shared.owner).toBe('alice@example.com');
    expect(shared.role).toBe('read');
    expect(fromUtf8((await shared.get('n1')).data)).toBe('before sharing');
    expect(fromUtf8((await shared.get('n2')).data)).toBe('after sharing');
    expect((await collect(shared.list())).map((i) => i.id)).toEqual(['n1', 'n2']);
    expect(await shared.members()).toEqual([
      { userId: 'alice@example.com', role: 'owner' },
      { userId: 'bob@example.com', role: 'read' },
    ]);

    // Client side: refused before anything is sent.
    await expect(shared.put('n3', utf8('bob was here'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(shared.delete('n1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(shared.rotate()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(shared.share({ userId: 'alice@example.com', role: 'write' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Server side: the same write straight through the shared blob route is a 403 and an event.
    const put = await rawRequest(server, 'bob@example.com', 'PUT', '/shared/alice%40example.com/blobs/notes/n3', { body: { data: toBase64url(utf8('x')) } });
    expect(put.status).toBe(403);
    expect(server.events).toContainEqual(expect.objectContaining({ type: 'access_denied', userId: 'bob@example.com', reason: 'read-only' }));
    const del = await rawRequest(server, 'bob@example.com', 'DELETE', '/shared/alice%40example.com/blobs/notes/n1');
    expect(del.status).toBe(403);
    // Another vault of alice's, not shared: no access at all.
    await alice.vault('diary');
    const other = await rawRequest(server, 'bob@example.com', 'GET', '/shared/alice%40example.com/blobs/diary');
    expect(other.status).toBe(403);
    await expect(bob.vault('diary', { owner: 'alice@example.com' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await alice.logout();
    await bob.logout();
  });
});

describe('three users', () => {
  test('a writer writes, the owner and a reader read it; members see who may write', async () => {
    const owner = await server.register('olga');
    const writer = await server.register('wes');
    const reader = await server.register('rita');
    const team = await owner.vault('team');
    await team.share({ userId: 'wes', role: 'write' });
    await team.share({ userId: 'rita', role: 'read' });

    const w = await writer.vault('team', { owner: 'olga' });
    expect(w.role).toBe('write');
    const { version } = await w.put('plan', utf8('by wes'));
    await w.putJson('json', { n: 1 });
    await expect(w.put('plan', utf8('stale'), { ifVersion: version + 5 })).rejects.toMatchObject({ code: 'CONFLICT' });

    expect(fromUtf8((await team.get('plan')).data)).toBe('by wes');
    const r = await reader.vault('team', { owner: 'olga' });
    expect(fromUtf8((await r.get('plan')).data)).toBe('by wes');
    expect((await r.getJson('json')).value).toEqual({ n: 1 });
    expect((await collect(r.entries())).map((e) => e.id)).toEqual(['json', 'plan']);
    await team.put('plan', utf8('by olga'));
    expect(fromUtf8((await r.get('plan')).data)).toBe('by olga');
    expect(await r.members()).toEqual([
      { userId: 'olga', role: 'owner' },
      { userId: 'rita', role: 'read' },
      { userId: 'wes', role: 'write' },
    ]);
    // A writer deletes; for the others the record is gone, not a rollback.
    await w.delete('json');
    await expect(r.get('json')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(team.get('json')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The owner rotates: members follow (their grants carry the new version).
    const rotated = await team.rotate();
    expect(rotated.kekVersion).toBe(2);
    expect(fromUtf8((await r.get('plan')).data)).toBe('by olga');
    await w.put('after-rotate', utf8('new key'));
    expect(decodeRecordHeader(decodeFrame((await server.store.blobs('olga').get('team', 'after-rotate'))!.data).sealed).kekVersion).toBe(2);
    expect(fromUtf8((await r.get('after-rotate')).data)).toBe('new key');

    // Sessions end; members' manifests survive in their own _zv records.
    for (const s of [owner, writer, reader]) await s.logout();
    const again = await server.login('rita');
    const r2 = await again.vault('team', { owner: 'olga' });
    expect(fromUtf8((await r2.get('plan')).data)).toBe('by olga');
    await again.logout();
  });

  test('revocation: no access from then on, and nothing written afterwards opens with the keys the revoked user had', async () => {
    const owner = await server.register('oscar');
    const writer = await server.register('wendy');
    const revoked = await server.register('randy');
    const vault = await owner.vault('project');
    await vault.put('old', utf8('written before'));
    await vault.share({ userId: 'wendy', role: 'write' });
    await vault.share({ userId: 'randy', role: 'read' });
    const w = await writer.vault('project', { owner: 'oscar' });
    const r = await revoked.vault('project', { owner: 'oscar' });
    await w.put('by-wendy', utf8('wendy before'));
    expect(fromUtf8((await r.get('old')).data)).toBe('written before');

    // What randy legitimately holds: his keyring and his grant, hence the KEKs up to now.
    const keyring = await keyringOf(server, 'randy');
    const oscar = await revoked.contact('oscar');
    const grant = (await server.store.getGrant?.('oscar', 'project', 'randy'))!;
    const opened = await openGrant({ grant: grant.data, owner: 'oscar', vault: 'project', grantee: 'randy', secretKey: keyring.x25519.secretKey, sender: oscar.publicKeys.x25519 });
    const oldKeks = opened.keks.map((k) => ({ id: 'project', version: k.version, key: k.key }));
    // The extraction is real: those keys open what was there before.
    const before = decodeFrame((await server.store.blobs('oscar').get('project', 'old'))!.data);
    expect(fromUtf8(await openRecord({ keyring: { keks: oldKeks }, vaultId: 'project', recordId: 'old', version: before.contentVersion, sealed: before.sealed }))).toBe('written before');

    const result = await vault.revoke({ userId: 'randy' });
    expect(result.kekVersion).toBe(2);
    expect(result.rewrapped).toBeGreaterThanOrEqual(2);
    expect(await vault.members()).toEqual([
      { userId: 'oscar', role: 'owner' },
      { userId: 'wendy', role: 'write', grantedAt: A_TIME, lastAccessAt: A_TIME },
    ]);

    // Written after the revocation, by the owner and by a writer whose Vault was open all along.
    await vault.put('new-owner', utf8('owner after'));
    await w.put('new-writer', utf8('writer after'));
    expect(fromUtf8((await vault.get('new-writer')).data)).toBe('writer after');
    expect(fromUtf8((await w.get('new-owner')).data)).toBe('owner after');

    // The server stops serving randy: through his SDK, and raw.
    await expect(r.get('old')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const later = await server.login('randy');
    await expect(later.vault('project', { owner: 'oscar' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await later.sharedVaults()).toEqual([]);
    await later.logout();
    const raw = await rawRequest(server, 'randy', 'GET', '/shared/oscar/blobs/project/new-owner');
    expect(raw.status).toBe(403);
    expect(server.events).toContainEqual(expect.objectContaining({ type: 'access_denied', userId: 'randy', reason: 'no-grant' }));

    // A copy of the whole database and every key randy ever had: nothing written after opens.
    const blobs = server.store.blobs('oscar');
    for (const id of ['new-owner', 'new-writer', 'old', 'by-wendy']) {
      const f = decodeFrame((await blobs.get('project', id))!.data);
      expect(oldKeks.map((k) => k.version)).not.toContain(decodeRecordHeader(f.sealed).kekVersion);
      await expect(openRecord({ keyring: { keks: oldKeks }, vaultId: 'project', recordId: id, version: f.contentVersion, sealed: f.sealed })).rejects.toMatchObject({
        code: 'DECRYPT_FAILED',
      });
    }
    // Old records stay readable for the remaining members after the eager re-wrap.
    expect(fromUtf8((await w.get('old')).data)).toBe('written before');
    for (const s of [owner, writer, revoked]) await s.logout();
  });

  test('a revoke after a lazy revoke still moves to a key the second revoked user never had', async () => {
    const owner = await server.register('lena');
    const b = await server.register('lb');
    const c = await server.register('lc');
    const vault = await owner.vault('twice');
    await vault.put('r', utf8('before'));
    await vault.share({ userId: 'lb', role: 'read' });
    await vault.share({ userId: 'lc', role: 'read' });
    // After a lazy revoke v1 and v2 coexist, and lc's fresh grant carries both.
    expect((await vault.revoke({ userId: 'lb', rewrap: 'lazy' })).kekVersion).toBe(2);
    const cKeyring = await keyringOf(server, 'lc');
    const lena = await c.contact('lena');
    const grant = (await server.store.getGrant?.('lena', 'twice', 'lc'))!;
    const held = await openGrant({ grant: grant.data, owner: 'lena', vault: 'twice', grantee: 'lc', secretKey: cKeyring.x25519.secretKey, sender: lena.publicKeys.x25519 });
    // Revoking lc must not reuse v2, which lc holds.
    const second = await vault.revoke({ userId: 'lc' });
    expect(held.keks.map((k) => k.version)).not.toContain(second.kekVersion);
    await vault.put('after', utf8('secret'));
    const f = decodeFrame((await server.store.blobs('lena').get('twice', 'after'))!.data);
    const keks = held.keks.map((k) => ({ id: 'twice', version: k.version, key: k.key }));
    await expect(openRecord({ keyring: { keks }, vaultId: 'twice', recordId: 'after', version: f.contentVersion, sealed: f.sealed })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    for (const s of [owner, b, c]) await s.logout();
  });

  test('revoking a writer: their earlier records stay valid (re-signed by the owner), their later ones are refused', async () => {
    const owner = await server.register('ola');
    const writer = await server.register('wil');
    const reader = await server.register('rey');
    const vault = await owner.vault('shared');
    await vault.share({ userId: 'wil', role: 'write' });
    await vault.share({ userId: 'rey', role: 'read' });
    const w = await writer.vault('shared', { owner: 'ola' });
    await w.put('by-wil', utf8('from wil'));
    const r = await reader.vault('shared', { owner: 'ola' });
    expect(fromUtf8((await r.get('by-wil')).data)).toBe('from wil');

    await vault.revoke({ userId: 'wil', rewrap: 'lazy' });
    expect(decodeFrame((await server.store.blobs('ola').get('shared', 'by-wil'))!.data).signature?.signer).toBe('ola');
    expect(fromUtf8((await r.get('by-wil')).data)).toBe('from wil');
    await expect(w.put('after', utf8('no'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Lazy: old records keep their KEK version; new writes use the new one.
    expect(decodeRecordHeader(decodeFrame((await server.store.blobs('ola').get('shared', 'by-wil'))!.data).sealed).kekVersion).toBe(1);
    await vault.put('fresh', utf8('v2'));
    expect(decodeRecordHeader(decodeFrame((await server.store.blobs('ola').get('shared', 'fresh'))!.data).sealed).kekVersion).toBe(2);
    expect(fromUtf8((await r.get('fresh')).data)).toBe('v2');
    // A later rotate() finishes the job.
    await vault.rotate();
    expect(fromUtf8((await r.get('by-wil')).data)).toBe('from wil');
    for (const s of [owner, writer, reader]) await s.logout();
  });

  test('re-sharing after revocation, role changes, and errors', async () => {
    const owner = await server.register('otto');
    const other = await server.register('ursula');
    const vault = await owner.vault('v');
    await expect(vault.share({ userId: 'otto', role: 'read' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(vault.share({ userId: 'ursula', role: 'admin' as 'read' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(vault.share({ userId: 'nobody-here', role: 'read' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(vault.revoke({ userId: 'ursula' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await vault.share({ userId: 'ursula', role: 'read' });
    const u = await other.vault('v', { owner: 'otto' });
    await expect(u.put('x', utf8('no'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await vault.share({ userId: 'ursula', role: 'write' });
    await u.put('x', utf8('now yes'));
    expect(fromUtf8((await vault.get('x')).data)).toBe('now yes');
    await vault.revoke({ userId: 'ursula' });
    await vault.share({ userId: 'ursula', role: 'read' });
    const again = await other.vault('v', { owner: 'otto' }).catch(() => null);
    expect(again).not.toBeNull();
    expect(fromUtf8((await u.get('x')).data)).toBe('now yes');
    for (const s of [owner, other]) await s.logout();
  });
});

describe('edge cases', () => {
  test('an owner session opened before the first share writes unsigned records: members refuse them, nothing breaks', async () => {
    const stale = await server.register('edge-owner');
    const reader = await server.register('edge-reader');
    const before = await stale.vault('x');
    await before.put('a', utf8('signed later by the first share'));
    const other = await server.login('edge-owner');
    await (await other.vault('x')).share({ userId: 'edge-reader', role: 'read' });
    await before.put('b', utf8('written by a session that does not know'));
    await stale.logout(); // flushes an unsigned manifest too
    const r = await reader.vault('x', { owner: 'edge-owner' });
    expect(fromUtf8((await r.get('a')).data)).toBe('signed later by the first share');
    await expect(r.get('b')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const fresh = await server.login('edge-owner');
    const x = await fresh.vault('x'); // the unsigned manifest is ignored, not fatal
    await x.put('c', utf8('signed'));
    expect(fromUtf8((await r.get('c')).data)).toBe('signed');
    for (const s of [other, reader, fresh]) await s.logout();
  });

  test('a client with its own store cannot share (members could not reach the records)', async () => {
    const { memoryStore } = await import('../../../src/store/memory.js');
    const { Client } = await import('../../../src/client/index.js');
    const { TEST_KSF } = await import('../../server/harness.js');
    await server.register('edge-peer');
    const session = await new Client({ url: server.url, ksf: TEST_KSF, store: memoryStore() }).register({ userId: 'edge-local', password: 'pw' });
    const vault = await session.vault('v');
    await expect(vault.share({ userId: 'edge-peer', role: 'read' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await session.logout();
  });
});

const PG_URL = process.env.ZEROVAULT_PG_URL;
describe.runIf(PG_URL !== undefined)('over PostgreSQL', () => {
  test('share, write, revoke', async () => {
    const { postgresServerStore } = await import('../../../src/server/postgres.js');
    const pg = await startServer(postgresServerStore({ connectionString: PG_URL as string, tablePrefix: `zv_s${Date.now().toString(36)}_` }));
    try {
      const owner = await pg.register('pg-owner');
      const writer = await pg.register('pg-writer');
      const vault = await owner.vault('v');
      await vault.share({ userId: 'pg-writer', role: 'write' });
      const w = await writer.vault('v', { owner: 'pg-owner' });
      await w.put('r', utf8('via postgres'));
      expect(fromUtf8((await vault.get('r')).data)).toBe('via postgres');
      await vault.revoke({ userId: 'pg-writer' });
      await expect(w.get('r')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(fromUtf8((await vault.get('r')).data)).toBe('via postgres');
      await owner.logout();
      await writer.logout();
    } finally {
      await pg.close();
    }
  });
});
