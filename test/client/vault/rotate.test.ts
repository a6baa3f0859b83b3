/**
 * Defect 4 of the client-core rebuild: rotation (and an eager revocation,
 * which shares `rewrapThenDrop`) drops old KEK versions only after a pass
 * finds no record left under one. When writes under an old version keep
 * arriving, it fails with `CONFLICT` and drops nothing, so every record
 * still opens; the next rotation finishes the job.
 */
import { describe, expect, test } from 'vitest';
import { utf8 } from '../../../src/crypto/bytes.js';
import { decodeRecordHeader } from '../../../src/envelope/index.js';
import { decodeFrame } from '../../../src/formats/frame.js';
import { memoryStore } from '../../../src/store/memory.js';
import type { BlobStore } from '../../../src/store/types.js';
import { clientOf, newServer } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';

function kekVersionOf(data: Uint8Array): number {
  return decodeRecordHeader(decodeFrame(data).sealed).kekVersion;
}

describe('rotate', () => {
  test('writes under the old version that never stop arriving: CONFLICT, nothing dropped, everything opens', async () => {
    const server = newServer();
    const inner = memoryStore();
    let replay: Uint8Array | undefined;
    // Every pass starts with a list: before each, "another device" writes `r` under the old version again.
    const store: BlobStore = {
      get: (v, id) => inner.get(v, id),
      put: (v, id, d, o) => inner.put(v, id, d, o),
      delete: (v, id, o) => inner.delete(v, id, o),
      list: async (v, o) => {
        if (replay !== undefined && v === 'notes' && o?.after === undefined) await inner.put('notes', 'r', replay);
        return inner.list(v, o);
      },
    };
    const session = await clientOf(server, { store }).register({ userId: 'alice', password: PASSWORD });
    const vault = await session.vault('notes');
    await vault.put('r', utf8('under v1'));
    await vault.put('s', utf8('also v1'));
    replay = (await inner.get('notes', 'r'))?.data;
    expect(kekVersionOf(replay as Uint8Array)).toBe(1);

    await expect(vault.rotate()).rejects.toMatchObject({ code: 'CONFLICT' });
    // Nothing was dropped: the record under v1 still opens, with the session and after a new login.
    expect((await vault.get('r')).data).toEqual(utf8('under v1'));
    const again = await clientOf(server, { store: inner }).login({ userId: 'alice', password: PASSWORD });
    expect((await (await again.vault('notes')).get('r')).data).toEqual(utf8('under v1'));
    await again.logout();

    // The writes stop: the next rotation finishes, and every record is under the new version.
    replay = undefined;
    const { kekVersion } = await vault.rotate();
    expect(kekVersion).toBe(2);
    for (const id of ['r', 's']) expect(kekVersionOf((await inner.get('notes', id))?.data as Uint8Array)).toBe(2);
    expect((await vault.get('s')).data).toEqual(utf8('also v1'));
    await session.logout();
  });
});
