/**
 * HKDF-SHA-256 with a 32-byte output, the size of every key zerovault
 * derives: why HKDF is synchronous. Our node backend (OpenSSL one-shot) and
 * our web backend (noble) against raw `hkdfSync`, raw noble and WebCrypto's
 * `deriveBits`, which can only be awaited.
 */
import { hkdfSync, randomBytes as nodeRandomBytes } from 'node:crypto';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createNodeBackend } from '../src/crypto/backend-node.js';
import { createWebBackend } from '../src/crypto/backend-web.js';
import type { Route } from './measure.js';

export async function hkdfRoutes(): Promise<Route[]> {
  const ikm = new Uint8Array(nodeRandomBytes(32));
  const salt = new Uint8Array(nodeRandomBytes(32));
  const info = new TextEncoder().encode('zerovault/v1/record/key\u0000vault/record/1');
  const node = createNodeBackend();
  const web = createWebBackend();
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const webDerive = async (): Promise<Uint8Array> =>
    new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, base, 256));

  const expected = Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
  for (const out of [node.hkdf('SHA-256', ikm, salt, info, 32), web.hkdf('SHA-256', ikm, salt, info, 32), await webDerive()]) {
    if (!expected.equals(out)) throw new Error('HKDF routes disagree');
  }

  return [
    { name: 'zerovault node backend (hkdfSync)', ours: true, fn: () => node.hkdf('SHA-256', ikm, salt, info, 32) },
    { name: 'zerovault web backend (noble)', ours: true, fn: () => web.hkdf('SHA-256', ikm, salt, info, 32) },
    { name: 'raw node:crypto hkdfSync', ours: false, fn: () => hkdfSync('sha256', ikm, salt, info, 32) },
    { name: 'raw @noble/hashes hkdf', ours: false, fn: () => nobleHkdf(sha256, ikm, salt, info, 32) },
    { name: 'raw WebCrypto deriveBits (awaited)', ours: false, fn: webDerive },
  ];
}
