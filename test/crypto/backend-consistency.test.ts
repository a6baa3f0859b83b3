/**
 * The backends (node with and without its fast paths, WebCrypto, noble)
 * agree with each other on random inputs (OpenSSL and noble are
 * independent implementations), and refuse the same bad inputs
 * with the same codes, so a caller cannot tell which backend it runs on.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HASH_LENGTH, type AesGcmKey, type Backend, type HashName } from '../../src/crypto/backend.js';
import { BACKENDS, asyncCodeOf, codeOf, makeBackend, prefixedSealOf } from './backends.js';

const backends: readonly Backend[] = BACKENDS.map(([name, create]) => makeBackend(name, create));
const byName = (name: string): Backend => backends.find((b) => b.name === name) as Backend;
const FAST_PATHS = ['aesGcmSealSync', 'aesGcmOpenSync', 'aesGcmSealParts'] as const;
const hashes: readonly HashName[] = ['SHA-256', 'SHA-512'];
const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** All backends give the same bytes, or all throw the same code. */
function agree(call: (b: Backend) => Uint8Array): void {
  const results = backends.map((b) => {
    try {
      return Buffer.from(call(b)).toString('hex');
    } catch {
      return `throws ${codeOf(() => call(b))}`;
    }
  });
  expect(new Set(results).size, results.join(' | ')).toBe(1);
}

describe('backends agree', () => {
  test('property: digest and hmac', () => {
    fc.assert(
      fc.property(fc.constantFrom(...hashes), bytes(300), bytes(200), (hash, key, data) => {
        agree((b) => b.digest(hash, data));
        agree((b) => b.hmac(hash, key, data));
      }),
      { numRuns: 200 },
    );
  });

  test('property: hkdf, extract, expand', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...hashes),
        bytes(100),
        bytes(100),
        bytes(100),
        fc.integer({ min: 0, max: 600 }),
        (hash, ikm, salt, info, length) => {
          agree((b) => b.hkdf(hash, ikm, salt, info, length));
          agree((b) => b.hkdfExtract(hash, salt, ikm));
          agree((b) => b.hkdfExpand(hash, b.hkdfExtract(hash, salt, ikm), info, length));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('hkdf with info longer than 1 KiB (node:crypto caps its one-shot HKDF there)', () => {
    for (const hash of hashes) {
      for (const infoLength of [1023, 1024, 1025, 4096]) {
        const info = Uint8Array.from({ length: infoLength }, (_, i) => i);
        agree((b) => b.hkdf(hash, new Uint8Array(32).fill(3), Uint8Array.of(1), info, 100));
        agree((b) => b.hkdfExpand(hash, new Uint8Array(64).fill(3), info, 100));
      }
    }
  });

  test('property: X25519 public keys and shared secrets, and DH commutes', () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        agree((be) => be.x25519PublicKey(a));
        agree((be) => be.x25519(a, be.x25519PublicKey(b)));
        for (const be of backends) {
          expect(be.x25519(a, be.x25519PublicKey(b))).toEqual(be.x25519(b, be.x25519PublicKey(a)));
        }
      }),
      { numRuns: 50 },
    );
  });

  test('outputs are plain Uint8Arrays of the promised length', () => {
    for (const b of backends) {
      for (const hash of hashes) {
        for (const out of [b.digest(hash, new Uint8Array(1)), b.hmac(hash, new Uint8Array(1), new Uint8Array(1))]) {
          expect(out.constructor).toBe(Uint8Array);
          expect(out.length).toBe(HASH_LENGTH[hash]);
        }
        expect(b.hkdf(hash, new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 0).length).toBe(0);
        expect(b.hkdfExpand(hash, new Uint8Array(HASH_LENGTH[hash]), new Uint8Array(0), 0).length).toBe(0);
      }
    }
  });
});

describe('synchronous fast paths (typed optional members of Backend)', () => {
  test('the node backend has all of them; the test switch and the web backends have none', () => {
    for (const member of FAST_PATHS) {
      expect(typeof byName('node')[member], member).toBe('function');
      for (const name of ['node-async', 'web', 'web-noble']) expect(member in byName(name), `${name}.${member}`).toBe(false);
    }
  });

  test('property: aesGcmSealSync after a prefix, aesGcmOpenSync and aesGcmSealParts give the async members\' bytes, from handles and raw keys', async () => {
    const b = byName('node');
    const sealSync = b.aesGcmSealSync?.bind(b);
    const openSync = b.aesGcmOpenSync?.bind(b);
    const parts = b.aesGcmSealParts?.bind(b);
    if (sealSync === undefined || openSync === undefined || parts === undefined) throw new Error('node lacks a fast path');
    await fc.assert(
      fc.asyncProperty(key32, fc.uint8Array({ minLength: 12, maxLength: 12 }), bytes(300), fc.option(bytes(40), { nil: undefined }), fc.integer({ min: 0, max: 70 }), async (raw, nonce, pt, aad, prefix) => {
        const key = await b.importAesGcmKey(raw);
        const body = await b.aesGcmSeal(key, nonce, pt, aad);
        for (const k of [key, raw]) {
          const out = sealSync(k, nonce, pt, aad, prefix);
          expect(out.length).toBe(prefix + body.length);
          expect(out.subarray(prefix)).toEqual(body);
          expect(openSync(k, nonce, body, aad)).toEqual(pt);
        }
        const [ciphertext, tag] = parts(key, nonce, pt, aad);
        expect(Buffer.concat([ciphertext, tag]).equals(Buffer.from(body))).toBe(true);
      }),
      { numRuns: 100 },
    );
    const key = await b.importAesGcmKey(new Uint8Array(32).fill(1));
    for (const prefix of [-1, 1.5, 65537]) expect(codeOf(() => sealSync(key, new Uint8Array(12), new Uint8Array(1), undefined, prefix))).toBe('INVALID_INPUT');
    expect(codeOf(() => openSync(key, new Uint8Array(12), new Uint8Array(15)))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => openSync(new Uint8Array(31), new Uint8Array(12), new Uint8Array(16)))).toBe('INVALID_INPUT');
    // A handle of the other node route is refused, as between any two backends.
    const other = await byName('node-async').importAesGcmKey(new Uint8Array(32).fill(1));
    expect(codeOf(() => openSync(other, new Uint8Array(12), new Uint8Array(16)))).toBe('INVALID_INPUT');
  });

  test('property: the one-buffer seal (what aead.seal returns) is exactly nonce || aesGcmSeal, and validates alike', async () => {
    let checked = 0;
    for (const b of backends) {
      const prefixed = prefixedSealOf(b);
      if (prefixed === undefined) continue;
      await fc.assert(
        fc.asyncProperty(key32, fc.uint8Array({ minLength: 12, maxLength: 12 }), bytes(300), fc.option(bytes(40), { nil: undefined }), async (raw, nonce, pt, aad) => {
          const key = await b.importAesGcmKey(raw);
          const out = prefixed(key, nonce, pt, aad);
          expect(out.subarray(0, 12)).toEqual(nonce);
          expect(out.subarray(12)).toEqual(await b.aesGcmSeal(key, nonce, pt, aad));
          // A fresh, exact buffer: nothing else is reachable through `.buffer`.
          expect([out.byteOffset, out.buffer.byteLength]).toEqual([0, out.length]);
        }),
        { numRuns: 100 },
      );
      const key = await b.importAesGcmKey(new Uint8Array(32));
      expect(codeOf(() => prefixed(key, new Uint8Array(11), new Uint8Array(1)))).toBe('INVALID_INPUT');
      expect(codeOf(() => prefixed(key, new Uint8Array(12), 'x' as unknown as Uint8Array))).toBe('INVALID_INPUT');
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('AES-GCM on large inputs (node encrypts above 256 KiB in pieces)', () => {
  test('sizes around and across piece boundaries give the same bytes on every backend', async () => {
    const raw = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => i);
    const aad = Uint8Array.of(1, 2, 3);
    const piece = 256 * 1024;
    const sizes = [piece - 1, piece, piece + 1, 2 * piece, 2 * piece + 17];
    const keys = await Promise.all(backends.map((b) => b.importAesGcmKey(raw)));
    for (const size of sizes) {
      const pt = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
      const outs = await Promise.all(backends.map((b, i) => b.aesGcmSeal(keys[i] as AesGcmKey, nonce, pt, aad)));
      for (const out of outs) expect(Buffer.from(out).equals(Buffer.from(outs[0] as Uint8Array)), `size ${size}`).toBe(true);
      const prefixed = prefixedSealOf(byName('node'));
      const withNonce = prefixed?.(keys[0] as AesGcmKey, nonce, pt, aad);
      expect(withNonce?.subarray(12)).toEqual(outs[0]);
      for (const [i, b] of backends.entries()) {
        expect(Buffer.from(await b.aesGcmOpen(keys[i] as AesGcmKey, nonce, outs[0] as Uint8Array, aad)).equals(Buffer.from(pt))).toBe(true);
      }
    }
  });
});

describe('backends refuse the same inputs with the same code', () => {
  test('HKDF: oversize output, negative or fractional length, PRK shorter than HashLen → INVALID_INPUT', () => {
    for (const hash of hashes) {
      const max = 255 * HASH_LENGTH[hash];
      const prk = new Uint8Array(HASH_LENGTH[hash]);
      for (const b of backends) {
        expect(b.hkdf(hash, new Uint8Array(16), new Uint8Array(0), new Uint8Array(0), max).length).toBe(max);
        for (const length of [max + 1, -1, 1.5, Number.NaN]) {
          expect(codeOf(() => b.hkdf(hash, new Uint8Array(16), new Uint8Array(0), new Uint8Array(0), length))).toBe('INVALID_INPUT');
          expect(codeOf(() => b.hkdfExpand(hash, prk, new Uint8Array(0), length))).toBe('INVALID_INPUT');
        }
        // RFC 5869 §2.3: PRK is at least HashLen octets.
        expect(codeOf(() => b.hkdfExpand(hash, prk.subarray(1), new Uint8Array(0), 32))).toBe('INVALID_INPUT');
      }
    }
  });

  test('unknown hash → UNSUPPORTED; non-bytes → INVALID_INPUT', () => {
    const sha1 = 'SHA-1' as HashName;
    const notBytes = 'abc' as unknown as Uint8Array;
    for (const b of backends) {
      expect(codeOf(() => b.digest(sha1, new Uint8Array(0)))).toBe('UNSUPPORTED');
      expect(codeOf(() => b.hmac(sha1, new Uint8Array(0), new Uint8Array(0)))).toBe('UNSUPPORTED');
      expect(codeOf(() => b.hkdf(sha1, new Uint8Array(0), new Uint8Array(0), new Uint8Array(0), 1))).toBe('UNSUPPORTED');
      expect(codeOf(() => b.digest('SHA-256', notBytes))).toBe('INVALID_INPUT');
      expect(codeOf(() => b.hmac('SHA-256', notBytes, new Uint8Array(0)))).toBe('INVALID_INPUT');
      expect(codeOf(() => b.hkdf('SHA-256', new Uint8Array(0), notBytes, new Uint8Array(0), 1))).toBe('INVALID_INPUT');
    }
  });

  test('X25519: wrong sizes → INVALID_INPUT; the all-zero public key (low order) → INVALID_INPUT', () => {
    for (const b of backends) {
      expect(codeOf(() => b.x25519PublicKey(new Uint8Array(31)))).toBe('INVALID_INPUT');
      expect(codeOf(() => b.x25519(new Uint8Array(32).fill(1), new Uint8Array(33)))).toBe('INVALID_INPUT');
      expect(codeOf(() => b.x25519(new Uint8Array(32).fill(1), new Uint8Array(32)))).toBe('INVALID_INPUT');
    }
  });

  test('AES-GCM at the backend: nonce must be 12 bytes; short input → DECRYPT_FAILED', async () => {
    for (const b of backends) {
      const key = await b.importAesGcmKey(new Uint8Array(32));
      for (const length of [0, 8, 11, 13, 16]) {
        expect(await asyncCodeOf(() => b.aesGcmSeal(key, new Uint8Array(length), new Uint8Array(1)))).toBe('INVALID_INPUT');
        expect(await asyncCodeOf(() => b.aesGcmOpen(key, new Uint8Array(length), new Uint8Array(32)))).toBe('INVALID_INPUT');
      }
      for (const length of [0, 1, 15]) {
        expect(await asyncCodeOf(() => b.aesGcmOpen(key, new Uint8Array(12), new Uint8Array(length)))).toBe('DECRYPT_FAILED');
      }
    }
  });
});
