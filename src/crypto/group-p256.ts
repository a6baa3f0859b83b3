/**
 * NIST P-256 with the `P256-SHA256` OPRF (RFC 9497 §4.3), built by
 * {@link makeGroup}. A module of its own because P-256's arithmetic is about
 * 8 KB gzipped that a browser client only needs for the second OPAQUE suite:
 * the client imports this module on demand, the synchronous server links it
 * statically.
 *
 * @module
 */
import { p256, p256_hasher } from '@noble/curves/nist.js';
import { ZeroVaultError } from '../errors.js';
import { RISTRETTO255, makeGroup, type PrimeOrderGroup } from './group.js';

/** NIST P-256 with the `P256-SHA256` OPRF (RFC 9497 §4.3); elements are 33-byte compressed points. */
export const P256: PrimeOrderGroup = makeGroup({
  name: 'P-256',
  oprfSuite: 'P256-SHA256',
  hash: 'SHA-256',
  elementLength: 33,
  Point: p256.Point,
  hashToCurve: (msg, options) => p256_hasher.hashToCurve(msg, options),
  hashToScalar: (msg, options) => p256_hasher.hashToScalar(msg, options),
});

/**
 * The group for an RFC 9497 suite identifier, over every group we
 * implement (so it links P-256).
 *
 * @throws `UNSUPPORTED` for any other identifier
 */
export function groupForOprfSuite(suite: string): PrimeOrderGroup {
  if (suite === RISTRETTO255.oprfSuite) return RISTRETTO255;
  if (suite === P256.oprfSuite) return P256;
  throw new ZeroVaultError('UNSUPPORTED', 'unknown OPRF suite');
}
