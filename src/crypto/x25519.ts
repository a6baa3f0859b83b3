/**
 * X25519 (RFC 7748) for the web backend, built from `@noble/curves`'
 * Montgomery ladder alone. `@noble/curves/ed25519.js`' own `x25519` also
 * carries the Edwards curve (for a faster fixed-base path), which would put
 * all of ed25519 into every bundle that only seals blobs; the ladder is
 * enough here, and the Wycheproof X25519 vectors run against it.
 *
 * @module
 */
import { montgomery } from '@noble/curves/abstract/montgomery.js';
import { pow } from '@noble/curves/abstract/modular.js';
import { randomBytes } from './random.js';

const P = 2n ** 255n - 19n;

/** RFC 7748 §5 clamping (on a copy the ladder owns). */
function adjustScalarBytes(bytes: Uint8Array): Uint8Array {
  bytes[0] = (bytes[0] as number) & 248;
  bytes[31] = ((bytes[31] as number) & 127) | 64;
  return bytes;
}

/** X25519 over the Montgomery ladder; the exponent of the inversion (p − 2) is public. */
export const x25519 = montgomery({
  P,
  type: 'x25519',
  powPminus2: (x) => pow(x, P - 2n, P),
  adjustScalarBytes,
  randomBytes: (length = 32) => randomBytes(length),
});
