/**
 * `requestNonce`: 16 bytes, the time in ms (48 bits, big-endian) then 10
 * random bytes (docs/protocol.md, "Authenticated requests"). The server
 * reads nonces as opaque; the order only helps a store's index.
 */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { REQUEST_NONCE_LENGTH, requestNonce } from '../../src/crypto/request-mac.js';

describe('requestNonce', () => {
  test('starts with the time in ms as 6 big-endian bytes', () => {
    for (const ms of [0, 1, 0xffffffff, 0x100000000, 1_796_428_800_000, 2 ** 48 - 1]) {
      const nonce = requestNonce(ms);
      expect(nonce.length).toBe(REQUEST_NONCE_LENGTH);
      expect(toHex(nonce.subarray(0, 6))).toBe(BigInt(ms).toString(16).padStart(12, '0'));
    }
  });

  test('the other 10 bytes are fresh: no two nonces of one millisecond are equal', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => toHex(requestNonce(1_796_428_800_000))));
    expect(seen.size).toBe(2000);
  });

  test('later nonces sort after earlier ones (what the store index gains)', () => {
    const a = toHex(requestNonce(1_796_428_800_000));
    const b = toHex(requestNonce(1_796_428_800_001));
    expect(a < b).toBe(true);
  });
});
