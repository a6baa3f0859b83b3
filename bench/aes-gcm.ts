/**
 * AES-256-GCM: our `aead.seal`/`aead.open` (node backend) against the raw
 * routes it could have been built on: `node:crypto`, WebCrypto with a
 * pre-imported key, and `@noble/ciphers`. The raw routes use a fixed nonce
 * (the bare primitive); ours draws a random one per call, as it must, so the
 * ratio includes everything our API adds. A reference row shows raw
 * `node:crypto` plus that same nonce draw, the fair hand-written equivalent.
 * `@noble/ciphers` runs up to 1 MiB only: at 16 MiB one call takes ~0.5 s,
 * a third of the whole section, to show what the 1 MiB row already shows.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes as nodeRandomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { importKey, open, seal } from '../src/crypto/aead.js';
import type { Route } from './measure.js';

const TAG = 16;
const NONCE = 12;
/** Largest size the (slow, pure-JS) noble route runs at. */
const NOBLE_MAX = 1024 * 1024;

export interface GcmCase {
  readonly op: 'seal' | 'open';
  readonly size: number;
  readonly routes: readonly Route[];
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Builds the seal and open routes for one message size, checking that all routes agree first. */
export async function gcmCases(size: number): Promise<GcmCase[]> {
  const raw = new Uint8Array(nodeRandomBytes(32));
  const nonce = new Uint8Array(nodeRandomBytes(NONCE));
  const plaintext = new Uint8Array(nodeRandomBytes(size));
  const ours = await importKey(raw);
  const keyObject = createSecretKey(raw);
  const subtle = globalThis.crypto.subtle;
  const cryptoKey = await subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);

  const nodeSeal = (): Uint8Array => {
    const cipher = createCipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: TAG });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const nodeSealFreshNonce = (): Uint8Array => {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(NONCE));
    const cipher = createCipheriv('aes-256-gcm', keyObject, iv, { authTagLength: TAG });
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const webSeal = async (): Promise<Uint8Array> =>
    new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: TAG * 8 }, cryptoKey, plaintext));
  const nobleSeal = (): Uint8Array => gcm(raw, nonce).encrypt(plaintext);

  // The raw routes must compute the same bytes, and ours must open them: a bench of broken code is worthless.
  const sealed = Uint8Array.from(nodeSeal());
  const withNoble = size <= NOBLE_MAX;
  if (!same(sealed, await webSeal()) || (withNoble && !same(sealed, nobleSeal()))) throw new Error(`routes disagree at ${size} B`);
  const oursSealed = new Uint8Array(NONCE + sealed.length);
  oursSealed.set(nonce, 0);
  oursSealed.set(sealed, NONCE);
  if (!same(await open(ours, oursSealed), plaintext)) throw new Error(`aead.open disagrees at ${size} B`);
  if (!same(await open(ours, await seal(ours, plaintext)), plaintext)) throw new Error(`aead round-trip fails at ${size} B`);

  // Every route opens `ct || tag` as sealing produced it, so node:crypto splits it here too.
  const nodeOpen = (): Uint8Array => {
    const decipher = createDecipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: TAG });
    decipher.setAuthTag(sealed.subarray(size));
    const body = decipher.update(sealed.subarray(0, size));
    decipher.final();
    return body;
  };
  const webOpen = async (): Promise<Uint8Array> =>
    new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, tagLength: TAG * 8 }, cryptoKey, sealed));
  const nobleOpen = (): Uint8Array => gcm(raw, nonce).decrypt(sealed);
  if (!same(nodeOpen(), plaintext) || !same(await webOpen(), plaintext) || (withNoble && !same(nobleOpen(), plaintext))) {
    throw new Error(`raw open disagrees at ${size} B`);
  }

  return [
    {
      op: 'seal',
      size,
      routes: [
        { name: 'zerovault aead.seal (node)', ours: true, fn: () => seal(ours, plaintext) },
        { name: 'raw node:crypto', ours: false, fn: nodeSeal },
        { name: 'raw WebCrypto', ours: false, fn: webSeal },
        ...(withNoble ? [{ name: 'raw @noble/ciphers', ours: false, fn: nobleSeal }] : []),
        // What a correct hand-written seal also pays: a fresh nonce per call from the CSPRNG.
        { name: '(ref) node:crypto + fresh nonce', ours: false, reference: true, fn: nodeSealFreshNonce },
      ],
    },
    {
      op: 'open',
      size,
      routes: [
        { name: 'zerovault aead.open (node)', ours: true, fn: () => open(ours, oursSealed) },
        { name: 'raw node:crypto', ours: false, fn: nodeOpen },
        { name: 'raw WebCrypto', ours: false, fn: webOpen },
        ...(withNoble ? [{ name: 'raw @noble/ciphers', ours: false, fn: nobleOpen }] : []),
      ],
    },
  ];
}
