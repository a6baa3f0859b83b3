/**
 * A device that opened a vault before another device rotated its key, over
 * loopback HTTP + SQLite: its later writes stay readable by everyone and it
 * can still log out. Found by the end-to-end suite; each comment describes the
 * bug as it was found (fixed since), and each test pins the intended
 * behaviour.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { sdk, startServer, type Running } from './helpers.js';

let running: Running;

beforeAll(async () => {
  running = await startServer();
});
afterAll(async () => {
  await running.close();
});

describe('client: rotation and a device with an older keyring', () => {
  // Device B opened the vault before device A rotated its key. A's rotate()
  // re-wrapped every record, then dropped KEK v1 from the stored keyring. B
  // still held v1 as the active KEK in memory and sealed its next write under
  // it; the write was acknowledged, but no other session could ever open it
  // again (the keyring no longer had v1: DECRYPT_FAILED), and a later rotate()
  // could not re-wrap it either. An acknowledged write was lost. The vault
  // must notice that the keyring moved (re-read it on a write, or refuse to
  // seal under a KEK version that is no longer the newest in the store).
  test('a write by a device that has not seen a rotation stays readable', async () => {
    const a = await sdk(running).register({ userId: 'fc', password: 'pw-fc' });
    const b = await sdk(running).login({ userId: 'fc', password: 'pw-fc' });
    const va = await a.vault('v');
    const vb = await b.vault('v');
    await va.put('before', utf8('written before the rotation'));
    expect(await va.rotate()).toMatchObject({ kekVersion: 2 });
    const { version } = await vb.put('late', utf8('acknowledged after the rotation'));
    expect(version).toBe(1);
    await a.logout();
    const c = await sdk(running).login({ userId: 'fc', password: 'pw-fc' });
    const vc = await c.vault('v');
    expect((await vc.get('before')).data).toEqual(utf8('written before the rotation'));
    expect((await vc.get('late')).data).toEqual(utf8('acknowledged after the rotation'));
  });

  // The same stale device could not even log out: its logout flush had to
  // open the manifest A saved under KEK v2, which its keyring lacked →
  // DECRYPT_FAILED, and (see logout-revocation.test.ts) the server session
  // was then never revoked.
  test('a device that has not seen a rotation can still log out', async () => {
    const a = await sdk(running).register({ userId: 'fh', password: 'pw-fh' });
    const b = await sdk(running).login({ userId: 'fh', password: 'pw-fh' });
    const va = await a.vault('v');
    const vb = await b.vault('v');
    await va.put('r', utf8('x'));
    await vb.get('r'); // b's manifest is dirty
    await va.rotate();
    await a.logout(); // saves the manifest under KEK v2
    await b.logout();
  });
});
