import { expect, test } from 'vitest';
import { getBackend } from '#backend';
import { importKey, open, seal } from '../src/crypto/aead.js';
import { createWebBackend } from '../src/crypto/backend-web.js';
import { createNodeBackend } from '../src/crypto/backend-node.js';

test('backend resolves to node under vitest', async () => {
  expect(getBackend().name).toBe('node');
  const key = await importKey(new Uint8Array(32).fill(1));
  const s = await seal(key, new Uint8Array([1, 2, 3]), new Uint8Array([9]));
  expect([...(await open(key, s, new Uint8Array([9])))]).toEqual([1, 2, 3]);
  for (const b of [createNodeBackend(), createWebBackend(), createWebBackend({ subtle: null })]) {
    const sk = new Uint8Array(32).fill(7);
    expect(b.x25519PublicKey(sk).length).toBe(32);
    expect(b.hkdf('SHA-512', new Uint8Array(20), new Uint8Array(0), new Uint8Array(0), 100).length).toBe(100);
  }
});
