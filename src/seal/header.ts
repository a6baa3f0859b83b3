/**
 * The sealed-blob header: recipient stanzas (each wraps the random file
 * key: an HPKE single-shot seal to an X25519 or X-Wing key, or an
 * Argon2id-wrapped passphrase stanza) and the header MAC; and the
 * derivation of the payload key once the header authenticates.
 *
 * ```
 * stanza_i    = enc_i || HPKE.Seal<mode>(pkR_i, info = "zerovault/v1/seal/file-key",
 *                                        aad = prelude, pt = file key)
 * mac_key     = HKDF-SHA-256(ikm = file key, salt = "", info = "zerovault/v1/seal/header" || 0x00)
 * mac         = HMAC-SHA-256(mac_key, prelude || stanzas || aad)
 * payload key = HKDF-SHA-256(ikm = file key, salt = mac, info = "zerovault/v1/seal/payload" || 0x00)
 * ```
 *
 * X-Wing and passphrase code is loaded on demand: X25519-only users never
 * download ML-KEM or Argon2id.
 *
 * @module
 */
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../errors.js';
import { concat, equal, wipe } from '../crypto/bytes.js';
import { deriveKey } from '../crypto/kdf.js';
import { loadOnDemand } from '../crypto/lazy.js';
import type { SealEnv } from './env.js';
import {
  BLOB_MODE,
  ENC_LENGTH,
  FILE_KEY_LENGTH,
  HEADER_LABEL,
  MAC_LENGTH,
  PAYLOAD_LABEL,
  PRELUDE_LENGTH,
  STANZA_INFO,
  SUITES,
  encodePrelude,
  headerLength,
  parsePrelude,
  stanzaLength,
  type Suite,
} from './format.js';
import { hpkeOpen, hpkeSeal } from './hpke.js';
import { createSuite } from './suite.js';

/** What sealing a header yields. */
export interface SealedHeader {
  /** The complete header, MAC included. */
  readonly header: Uint8Array;
  /** The raw payload key; the caller imports and wipes it. */
  readonly payloadKey: Uint8Array;
}

/** Header inputs, already validated at the API boundary. */
export interface HeaderSealParams {
  /** The stanzas' suite. */
  readonly suite: Suite;
  /** Recipient public keys, 1 to MAX_RECIPIENTS (exactly 1 with a sender); none for a passphrase. */
  readonly recipients: readonly Uint8Array[];
  /** The passphrase's bytes (passphrase suite). */
  readonly passphrase: Uint8Array | undefined;
  /** Sender secret key: auth mode. */
  readonly senderSecretKey: Uint8Array | undefined;
  /** Caller AAD (empty when absent). */
  readonly aad: Uint8Array;
}

/** Header-opening inputs, already validated at the API boundary: one of `secretKey` and `passphrase`. */
export interface HeaderOpenParams {
  /** The recipient's secret key. */
  readonly secretKey: Uint8Array | undefined;
  /** The passphrase's bytes. */
  readonly passphrase: Uint8Array | undefined;
  /** Sender public key the caller requires (auth mode), if any. */
  readonly senderPublicKey: Uint8Array | undefined;
  /** Caller AAD (empty when absent). */
  readonly aad: Uint8Array;
}

/**
 * Why a header did not open, for callers that may say so (the CLI, on the
 * user's own machine); the public API reports every one as the same
 * `DECRYPT_FAILED`.
 */
export type HeaderFailure = 'no-match' | 'mac';

function headerMac(env: SealEnv, fileKey: Uint8Array, authenticated: Uint8Array, aad: Uint8Array): Uint8Array {
  const macKey = deriveKey({ ikm: fileKey, label: HEADER_LABEL }, env.backend);
  try {
    return env.backend.hmac('SHA-256', macKey, aad.length === 0 ? authenticated : concat(authenticated, aad));
  } finally {
    wipe(macKey);
  }
}

function payloadKeyOf(env: SealEnv, fileKey: Uint8Array, mac: Uint8Array): Uint8Array {
  return deriveKey({ ikm: fileKey, label: PAYLOAD_LABEL, salt: mac }, env.backend);
}

/** The stanza code of a suite: X25519 here, X-Wing loaded on demand, the passphrase from the environment (same two functions). */
export interface StanzaCode {
  sealStanzas(env: SealEnv, params: HeaderSealParams, prelude: Uint8Array, fileKey: Uint8Array): Promise<Uint8Array[]>;
  stanzaOpener(env: SealEnv, params: HeaderOpenParams, prelude: Uint8Array): (stanza: Uint8Array) => Promise<Uint8Array>;
}

const X25519_STANZAS: StanzaCode = {
  /** One stanza per recipient, in order; each draws its ephemeral key synchronously before its first await, so the randomness order is fixed. */
  async sealStanzas(env, { recipients, senderSecretKey }, prelude, fileKey) {
    const suite = createSuite({ backend: env.backend });
    const sealed = await Promise.all(
      recipients.map((recipientPublicKey) =>
        hpkeSeal(suite, {
          recipientPublicKey,
          ...(senderSecretKey === undefined ? {} : { senderSecretKey }),
          info: STANZA_INFO,
          aad: prelude,
          plaintext: fileKey,
          random: env.random,
        }),
      ),
    );
    return sealed.map(({ enc, ciphertext }) => concat(enc, ciphertext));
  },
  stanzaOpener(env, params, prelude) {
    const suite = createSuite({ backend: env.backend });
    const recipientSecretKey = params.secretKey as Uint8Array;
    const recipientPublicKey = env.backend.x25519PublicKey(recipientSecretKey);
    return (stanza) =>
      hpkeOpen(suite, {
        enc: stanza.subarray(0, ENC_LENGTH),
        recipientSecretKey,
        recipientPublicKey,
        ...(params.senderPublicKey === undefined ? {} : { senderPublicKey: params.senderPublicKey }),
        info: STANZA_INFO,
        aad: prelude,
        ciphertext: stanza.subarray(ENC_LENGTH),
      });
  },
};

function stanzaCode(env: SealEnv, suite: Suite): Promise<StanzaCode> | StanzaCode {
  if (suite === SUITES.x25519) return X25519_STANZAS;
  if (suite === SUITES.xwing) return loadOnDemand(() => import('./xwing.js'));
  if (env.passphrase === undefined) throw new ZeroVaultError('UNSUPPORTED', 'passphrase-sealed blobs are handled by the zerovault CLI, not this entry point');
  return env.passphrase;
}

/**
 * Draws a file key, wraps it in every stanza and MACs the header.
 * Randomness is drawn in a fixed order (file key, then per stanza: the
 * X25519 ephemeral secret key, the X-Wing `eseed`, or the passphrase salt),
 * which the published vectors rely on.
 */
export async function sealHeader(env: SealEnv, params: HeaderSealParams): Promise<SealedHeader> {
  const { senderSecretKey, aad, suite } = params;
  const mode = senderSecretKey === undefined ? BLOB_MODE.base : BLOB_MODE.auth;
  const count = suite === SUITES.passphrase ? 1 : params.recipients.length;
  const prelude = encodePrelude(mode, count, suite);
  const fileKey = env.random(FILE_KEY_LENGTH);
  try {
    const stanzas = await (await stanzaCode(env, suite)).sealStanzas(env, params, prelude, fileKey);
    const header = new Uint8Array(headerLength(count, suite));
    header.set(prelude, 0);
    let offset = PRELUDE_LENGTH;
    for (const stanza of stanzas) {
      header.set(stanza, offset);
      offset += stanza.length;
    }
    const mac = headerMac(env, fileKey, header.subarray(0, offset), aad);
    header.set(mac, offset);
    return { header, payloadKey: payloadKeyOf(env, fileKey, mac) };
  } finally {
    wipe(fileKey);
  }
}

/** Tries each stanza in turn; the file key of the first that opens, or undefined. */
async function unwrapFileKey(env: SealEnv, header: Uint8Array, suite: Suite, count: number, params: HeaderOpenParams): Promise<Uint8Array | undefined> {
  const prelude = header.subarray(0, PRELUDE_LENGTH);
  const length = stanzaLength(suite);
  const open = (await stanzaCode(env, suite)).stanzaOpener(env, params, prelude);
  for (let i = 0, offset = PRELUDE_LENGTH; i < count; i++, offset += length) {
    try {
      const fileKey = await open(header.subarray(offset, offset + length));
      if (fileKey.length === FILE_KEY_LENGTH) return fileKey;
      wipe(fileKey);
    } catch (err) {
      // A stanza for someone else: try the next. A low-order `enc` (or
      // sender key) is INVALID_INPUT and ends the attempt, as in age.
      if (!isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
    }
  }
  return undefined;
}

/**
 * {@link openHeader}, telling the two authentication failures apart:
 * `{ failure }` instead of a `DECRYPT_FAILED`. Internal (the CLI uses it to
 * print an error a person can act on).
 */
export async function openHeaderDetailed(env: SealEnv, header: Uint8Array, params: HeaderOpenParams): Promise<{ payloadKey: Uint8Array } | { failure: HeaderFailure }> {
  const { suite, mode, count, headerLength: length } = parsePrelude(header);
  if (header.length !== length) throw new ZeroVaultError('INVALID_INPUT', 'sealed blob header is truncated');
  if (suite === SUITES.passphrase && params.passphrase === undefined) {
    throw new ZeroVaultError('INVALID_INPUT', 'the blob is sealed with a passphrase: pass options.passphrase');
  }
  if (suite !== SUITES.passphrase && params.secretKey === undefined) {
    throw new ZeroVaultError('INVALID_INPUT', 'the blob is sealed to public keys: pass options.secretKey');
  }
  if (mode === BLOB_MODE.auth && params.senderPublicKey === undefined) {
    throw new ZeroVaultError('INVALID_INPUT', 'options.senderPublicKey is required: the blob authenticates its sender');
  }
  // The caller requires a known sender and this blob names none.
  if (mode === BLOB_MODE.base && params.senderPublicKey !== undefined) return { failure: 'no-match' };
  const fileKey = await unwrapFileKey(env, header, suite, count, params);
  if (fileKey === undefined) return { failure: 'no-match' };
  try {
    const macOffset = length - MAC_LENGTH;
    const expected = headerMac(env, fileKey, header.subarray(0, macOffset), params.aad);
    const mac = header.subarray(macOffset);
    if (!equal(expected, mac)) return { failure: 'mac' };
    return { payloadKey: payloadKeyOf(env, fileKey, expected) };
  } finally {
    wipe(fileKey);
  }
}

/**
 * Opens a complete header (`header.length` must equal its
 * `headerLength`): finds the stanza for `secretKey` (or opens the
 * passphrase stanza), checks the MAC, and returns the raw payload key.
 *
 * @throws `INVALID_INPUT` / `UNSUPPORTED` from the prelude parse, when an
 *   auth-mode blob is opened without `senderPublicKey`, when the blob wants
 *   the other credential (passphrase or secret key), or on a low-order `enc`;
 *   `UNSUPPORTED` for passphrase parameters above the reader's bounds;
 *   `DECRYPT_FAILED` (one message) when no stanza opens, the MAC does not
 *   match, or `senderPublicKey` is given for a blob that does not authenticate a sender
 */
export async function openHeader(env: SealEnv, header: Uint8Array, params: HeaderOpenParams): Promise<Uint8Array> {
  const result = await openHeaderDetailed(env, header, params);
  if ('failure' in result) throw decryptFailed();
  return result.payloadKey;
}
