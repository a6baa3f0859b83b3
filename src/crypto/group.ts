/**
 * Prime-order groups and the RFC 9497 OPRF in its base mode (modeOPRF,
 * 0x00), as OPAQUE (RFC 9807 §2.1) uses it: {@link makeGroup} and
 * ristretto255. P-256 is built by the same {@link makeGroup} in
 * `group-p256.ts`, a module of its own so the browser client can load it on
 * demand. Everything here
 * is bytes in, bytes out: scalars and elements are always the RFC 9497 §4
 * serializations (`SerializeScalar`, `SerializeElement`), and every decoder
 * is strict.
 *
 * Strict means: exact length, canonical encoding only (ristretto255 §4.3.1
 * decoding; P-256 compressed SEC 1 points with `x < p`), never the identity
 * element, and scalars in `[1, n-1]` with no reduction of larger values. A
 * failure throws `INVALID_INPUT` naming the parameter.
 *
 * Group arithmetic, hash-to-curve (RFC 9380) and hash-to-scalar come from
 * `@noble/curves` (except ristretto255's multiplications and decoding: see
 * {@link RISTRETTO255}), the same building blocks its `abstract/oprf` uses; the
 * RFC 9497 steps are spelled out here because OPAQUE needs what that module
 * does not offer: an injectable blind (test vectors), a secret-only
 * DeriveKeyPair, a constant-time inversion of the blind in Finalize, and
 * strict decoding with our error codes. The RFC 9497 vectors pin the result.
 *
 * @module
 */
import type { CurvePoint, CurvePointCons } from '@noble/curves/abstract/curve.js';
import type { H2CDSTOpts } from '@noble/curves/abstract/hash-to-curve.js';
import { getMinHashLength, invertCt, mapHashToField } from '@noble/curves/abstract/modular.js';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from './assert.js';
import type { HashName } from './backend.js';
import { concat, i2osp, utf8, wipe } from './bytes.js';
import { digest } from './kdf.js';
import { randomBytes } from './random.js';
import { decode as decodeRistretto } from './ristretto-codec.js';
import { multiplyBaseToBytes, multiplyToBytes } from './ristretto-mul.js';

/** The groups we implement. */
export type GroupName = 'ristretto255' | 'P-256';

/** The RFC 9497 ciphersuite identifiers matching each group. */
export type OprfSuiteName = 'ristretto255-SHA512' | 'P256-SHA256';

/** The RFC 9807 §5.2.2 `info` for the OPRF key: `DeriveKeyPair(seed, "OPAQUE-DeriveKeyPair")`. */
export const OPRF_KEY_INFO = 'OPAQUE-DeriveKeyPair';
/** The RFC 9807 §6.4.1 `info` for AKE keys: `DeriveDiffieHellmanKeyPair(seed)`. */
export const DH_KEY_INFO = 'OPAQUE-DeriveDiffieHellmanKeyPair';

/** Length of a `DeriveKeyPair` seed (RFC 9807 §2: Nseed = 32). */
export const SEED_LENGTH = 32;

/** A key pair as serialized scalar and element. */
export interface KeyPair {
  /** `SerializeScalar(sk)`. The caller owns it and should wipe it. */
  readonly secretKey: Uint8Array;
  /** `SerializeElement(sk·G)`. */
  readonly publicKey: Uint8Array;
}

/** Result of {@link PrimeOrderGroup.blind}. */
export interface Blinded {
  /** The blind scalar; secret, the caller keeps it for `finalize` and wipes it. */
  readonly blind: Uint8Array;
  /** `SerializeElement(blind·HashToGroup(input))`, sent to the server. */
  readonly blinded: Uint8Array;
}

/**
 * One prime-order group with its RFC 9497 OPRF (mode 0x00). All methods
 * validate their arguments and throw `INVALID_INPUT` on malformed ones.
 */
export interface PrimeOrderGroup {
  /** Group name. */
  readonly name: GroupName;
  /** RFC 9497 ciphersuite identifier (also the OPRF context string suffix). */
  readonly oprfSuite: OprfSuiteName;
  /** The OPRF hash (RFC 9497 §4). */
  readonly hash: HashName;
  /** Noe = Npk: length of a serialized element. */
  readonly elementLength: number;
  /** Nok = Nsk: length of a serialized scalar. */
  readonly scalarLength: number;

  /** Throws `INVALID_INPUT` unless `bytes` is a canonical, non-identity element (RFC 9497 §2.1 DeserializeElement). */
  assertElement(bytes: Uint8Array, name: string): void;
  /** Throws `INVALID_INPUT` unless `bytes` is a canonical scalar in `[1, n-1]`. */
  assertScalar(bytes: Uint8Array, name: string): void;
  /** A uniformly random non-zero scalar (RFC 9497 §2.1 RandomScalar). */
  randomScalar(): Uint8Array;
  /** `SerializeElement(secret·G)`. */
  publicKey(secretKey: Uint8Array): Uint8Array;
  /** `SerializeElement(secret·element)`: the DiffieHellman of RFC 9807 §6.4.1.1–2. */
  diffieHellman(secretKey: Uint8Array, element: Uint8Array): Uint8Array;
  /** RFC 9497 §3.2.1 DeriveKeyPair for modeOPRF, with a 32-byte seed. */
  deriveKeyPair(seed: Uint8Array, info: Uint8Array | string): KeyPair;
  /** The secret half of {@link deriveKeyPair}, without the base-point multiplication. */
  deriveSecretKey(seed: Uint8Array, info: Uint8Array | string): Uint8Array;
  /** RFC 9497 §3.3.1 Blind; `blind` is injectable for test vectors, else random. */
  blind(input: Uint8Array, blind?: Uint8Array): Blinded;
  /** RFC 9497 §3.3.1 BlindEvaluate. */
  blindEvaluate(secretKey: Uint8Array, blinded: Uint8Array): Uint8Array;
  /** RFC 9497 §3.3.1 Finalize: `Hash(len‖input‖len‖unblinded‖"Finalize")`. */
  finalize(input: Uint8Array, blind: Uint8Array, evaluated: Uint8Array): Uint8Array;
}

const FINALIZE = utf8('Finalize');

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/** RFC 9497 §3.1: `"OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ identifier`, mode 0x00. */
function contextString(suite: OprfSuiteName): Uint8Array {
  return concat(utf8('OPRFV1-'), Uint8Array.of(0), utf8(`-${suite}`));
}

function bytesToBigInt(bytes: Uint8Array, littleEndian: boolean): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[littleEndian ? bytes.length - 1 - i : i] as number;
    value = (value << 8n) | BigInt(byte);
  }
  return value;
}

/** What {@link makeGroup} needs to know about a group: its names, lengths and noble's point and hashers. */
export interface GroupSpec<P extends CurvePoint<bigint, P>> {
  name: GroupName;
  oprfSuite: OprfSuiteName;
  hash: HashName;
  elementLength: number;
  Point: CurvePointCons<P>;
  hashToCurve: (msg: Uint8Array, options: H2CDSTOpts) => P;
  hashToScalar: (msg: Uint8Array, options: H2CDSTOpts) => bigint;
  /**
   * `SerializeElement(k·point)`, constant-time in `k`, the identity as
   * `elementLength` zero bytes; default: noble's `multiply` and `toBytes`.
   */
  multiply?: (point: P, k: bigint) => Uint8Array;
  /** `SerializeElement(k·G)`, constant-time in `k`; default: noble's. */
  multiplyBase?: (k: bigint) => Uint8Array;
  /** Strict canonical decoding, throwing on any invalid string; default: noble's `fromBytes`. */
  fromBytes?: (bytes: Uint8Array) => P;
}

/**
 * Builds a {@link PrimeOrderGroup} with strict decoding and the RFC 9497
 * OPRF (mode 0x00) over `spec`. The result is frozen.
 */
export function makeGroup<P extends CurvePoint<bigint, P>>(spec: GroupSpec<P>): PrimeOrderGroup {
  const { Point } = spec;
  const Fn = Point.Fn;
  const scalarLength = Fn.BYTES;
  const hashToGroupDst = concat(utf8('HashToGroup-'), contextString(spec.oprfSuite));
  const deriveKeyPairDst = concat(utf8('DeriveKeyPair'), contextString(spec.oprfSuite));

  // Elements decoded recently, by the array that held them: a protocol step
  // checks a message's elements when it parses the message and then uses
  // the same arrays for its scalar multiplications (3DH uses the peer's key
  // share twice), and decoding (a square root) costs about a tenth of a
  // multiplication. Elements are public values. A hit also requires the
  // array to still hold the bytes it was decoded from, so a caller that
  // overwrites an array gets a fresh decode. Weak keys: no entry outlives
  // its array.
  const decoded = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly point: P }>();

  function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // Strict decoding: the decoders are canonical-only already (RFC 9496
  // §4.3.1 for ristretto255, ours in ristretto-codec.ts, checked against
  // noble's; for P-256 noble's: a 0x02/0x03 prefix, x < p, on the curve), so
  // with the exact length and the identity check nothing else can slip
  // through. The test suite feeds non-canonical encodings to prove it.
  function toPoint(bytes: Uint8Array, name: string): P {
    assertBytes(bytes, name, spec.elementLength);
    const known = decoded.get(bytes);
    if (known !== undefined && sameBytes(known.bytes, bytes)) return known.point;
    let point: P;
    try {
      point = spec.fromBytes === undefined ? Point.fromBytes(bytes) : spec.fromBytes(bytes);
    } catch {
      throw invalid(`${name} is not a valid ${spec.name} element`);
    }
    if (point.is0()) throw invalid(`${name} is the identity element`);
    decoded.set(bytes, { bytes: Uint8Array.from(bytes), point });
    return point;
  }

  const multiply =
    spec.multiply ??
    ((point: P, k: bigint): Uint8Array => {
      const product = point.multiply(k);
      return product.is0() ? new Uint8Array(spec.elementLength) : product.toBytes();
    });

  function isIdentity(element: Uint8Array): boolean {
    let acc = 0;
    for (const byte of element) acc |= byte;
    return acc === 0;
  }

  function toScalar(bytes: Uint8Array, name: string): bigint {
    assertBytes(bytes, name, scalarLength);
    const value = bytesToBigInt(bytes, Fn.isLE);
    if (value === 0n || value >= Fn.ORDER) throw invalid(`${name} is not a canonical non-zero scalar`);
    return value;
  }

  const group: PrimeOrderGroup = {
    name: spec.name,
    oprfSuite: spec.oprfSuite,
    hash: spec.hash,
    elementLength: spec.elementLength,
    scalarLength,

    assertElement(bytes, name) {
      toPoint(bytes, name);
    },
    assertScalar(bytes, name) {
      toScalar(bytes, name);
    },
    randomScalar() {
      // RFC 9497 §2.1 allows any uniform method; reducing 48 random bytes
      // mod (n-1) and adding 1 has bias below 2^-128 and never yields 0.
      const seed = randomBytes(getMinHashLength(Fn.ORDER));
      const scalar = mapHashToField(seed, Fn.ORDER, Fn.isLE);
      wipe(seed);
      return scalar;
    },
    publicKey(secretKey) {
      const k = toScalar(secretKey, 'secretKey');
      return spec.multiplyBase === undefined ? Point.BASE.multiply(k).toBytes() : spec.multiplyBase(k);
    },
    diffieHellman(secretKey, element) {
      const k = toScalar(secretKey, 'secretKey');
      const shared = multiply(toPoint(element, 'publicKey'), k);
      // Cannot happen in a prime-order group with k ≠ 0 and a non-identity
      // point, but RFC 9807 §10.7 asks for the check.
      if (isIdentity(shared)) throw invalid('Diffie-Hellman result is the identity element');
      return shared;
    },
    deriveKeyPair(seed, info) {
      const secretKey = group.deriveSecretKey(seed, info);
      return { secretKey, publicKey: group.publicKey(secretKey) };
    },
    deriveSecretKey(seed, info) {
      assertBytes(seed, 'seed', SEED_LENGTH);
      const infoBytes = typeof info === 'string' ? utf8(info) : info;
      assertBytes(infoBytes, 'info', { max: 0xffff });
      // RFC 9497 §3.2.1: deriveInput = seed ‖ I2OSP(len(info), 2) ‖ info, then a counter byte.
      const msg = concat(seed, i2osp(infoBytes.length, 2), infoBytes, Uint8Array.of(0));
      try {
        for (let counter = 0; counter <= 255; counter++) {
          msg[msg.length - 1] = counter;
          const sk = spec.hashToScalar(msg, { DST: deriveKeyPairDst });
          if (sk !== 0n) return Fn.toBytes(sk);
        }
      } finally {
        wipe(msg);
      }
      throw invalid('DeriveKeyPair found no key'); // probability 2^-2000: unreachable
    },
    blind(input, blind) {
      assertBytes(input, 'input', { max: 0xffff });
      const scalarBytes = blind === undefined ? group.randomScalar() : Uint8Array.from(blind);
      const r = toScalar(scalarBytes, 'blind');
      const inputElement = spec.hashToCurve(input, { DST: hashToGroupDst });
      // RFC 9497 §3.3.1: an identity input element is an InvalidInputError.
      if (inputElement.is0()) throw invalid('input maps to the identity element');
      return { blind: scalarBytes, blinded: multiply(inputElement, r) };
    },
    blindEvaluate(secretKey, blinded) {
      const k = toScalar(secretKey, 'secretKey');
      return multiply(toPoint(blinded, 'blindedElement'), k);
    },
    finalize(input, blind, evaluated) {
      assertBytes(input, 'input', { max: 0xffff });
      const r = toScalar(blind, 'blind');
      // Not noble's oprf.finalize: it inverts the blind with variable-time
      // Euclid; the blind is secret (with the blinded element it reveals
      // HashToGroup(password)), so invert by Fermat with a public exponent.
      const unblinded = multiply(toPoint(evaluated, 'evaluatedElement'), invertCt(r, Fn.ORDER));
      // Hash(I2OSP(len(input), 2) ‖ input ‖ I2OSP(len(unblinded), 2) ‖ unblinded ‖ "Finalize")
      return digest(spec.hash, concat(i2osp(input.length, 2), input, i2osp(unblinded.length, 2), unblinded, FINALIZE));
    },
  };
  return Object.freeze(group);
}

/** Runs `f` on the 32-byte little-endian ristretto255 encoding of `k`, then wipes it. */
function withScalarBytes(k: bigint, f: (scalar: Uint8Array) => Uint8Array): Uint8Array {
  const scalar = ristretto255.Point.Fn.toBytes(k);
  try {
    return f(scalar);
  } finally {
    wipe(scalar);
  }
}

/** ristretto255 with the `ristretto255-SHA512` OPRF (RFC 9497 §4.1). */
export const RISTRETTO255: PrimeOrderGroup = makeGroup({
  name: 'ristretto255',
  oprfSuite: 'ristretto255-SHA512',
  hash: 'SHA-512',
  elementLength: 32,
  Point: ristretto255.Point,
  hashToCurve: (msg, options) => ristretto255_hasher.hashToCurve(msg, options),
  hashToScalar: (msg, options) => ristretto255_hasher.hashToScalar(msg, options),
  // Our Float64Array field (ristretto-mul.ts, ristretto-codec.ts): k·P and
  // k·G about 2–3× and decoding about 1.5× faster than noble's BigInt
  // ones, which the tests compare them with; noble still hashes to the group.
  multiply: (point, k) => withScalarBytes(k, (scalar) => multiplyToBytes(point.toAffine(), scalar)),
  multiplyBase: (k) => withScalarBytes(k, multiplyBaseToBytes),
  fromBytes: (bytes) => ristretto255.Point.fromAffine(decodeRistretto(bytes)),
});
