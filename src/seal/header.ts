/**
 * The sealed-blob header: recipient stanzas (each an HPKE single-shot seal
 * of the random file key) and the header MAC; and the derivation of the
 * payload key once the header authenticates.
 *
 * ```
 * stanza_i    = enc_i || HPKE.Seal<mode>(pkR_i, info = "zerovault/v1/seal/file-key",
 *                                        aad = prelude, pt = file key)
 * mac_key     = HKDF-SHA-256(ikm = file key, salt = "", info = "zerovault/v1/seal/header" || 0x00)
 * mac         = HMAC-SHA-256(mac_key, prelude || stanzas || aad)
 * payload key = HKDF-SHA-256(ikm = file key, salt = mac, info = "zerovault/v1/seal/payload" || 0x00)
 * ```
 *
 * @module
 */
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../errors.js';
import { concat, equal, wipe } from '../crypto/bytes.js';
import { deriveKey } from '../crypto/kdf.js';
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
  STANZA_LENGTH,
  encodePrelude,
  headerLength,
  parsePrelude,
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
  /** Recipient public keys, 1 to MAX_RECIPIENTS (exactly 1 with a sender). */
  readonly recipients: readonly Uint8Array[];
  /** Sender secret key: auth mode. */
  readonly senderSecretKey: Uint8Array | undefined;
  /** Caller AAD (empty when absent). */
  readonly aad: Uint8Array;
}

/** Header-opening inputs, already validated at the API boundary. */
export interface HeaderOpenParams {
  /** The recipient's secret key. */
  readonly secretKey: Uint8Array;
  /** Sender public key the caller requires (auth mode), if any. */
  readonly senderPublicKey: Uint8Array | undefined;
  /** Caller AAD (empty when absent). */
  readonly aad: Uint8Array;
}

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

/**
 * Draws a file key, seals it to every recipient and MACs the header.
 * Randomness is drawn in a fixed order (file key, then one ephemeral secret
 * key per stanza, in stanza order), which the published vectors rely on.
 */
export async function sealHeader(env: SealEnv, params: HeaderSealParams): Promise<SealedHeader> {
  const { recipients, senderSecretKey, aad } = params;
  const mode = senderSecretKey === undefined ? BLOB_MODE.base : BLOB_MODE.auth;
  const prelude = encodePrelude(mode, recipients.length);
  const suite = createSuite({ backend: env.backend });
  const fileKey = env.random(FILE_KEY_LENGTH);
  try {
    // Each hpkeSeal draws its ephemeral key synchronously, before its first
    // await, so starting them in order keeps the randomness order fixed.
    const stanzas = await Promise.all(
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
    const header = new Uint8Array(headerLength(recipients.length));
    header.set(prelude, 0);
    let offset = PRELUDE_LENGTH;
    for (const { enc, ciphertext } of stanzas) {
      header.set(enc, offset);
      header.set(ciphertext, offset + ENC_LENGTH);
      offset += STANZA_LENGTH;
    }
    const mac = headerMac(env, fileKey, header.subarray(0, offset), aad);
    header.set(mac, offset);
    return { header, payloadKey: payloadKeyOf(env, fileKey, mac) };
  } finally {
    wipe(fileKey);
  }
}

/** Tries each stanza in turn; the file key of the first that opens, or undefined. */
async function unwrapFileKey(env: SealEnv, header: Uint8Array, count: number, params: HeaderOpenParams): Promise<Uint8Array | undefined> {
  const suite = createSuite({ backend: env.backend });
  const prelude = header.subarray(0, PRELUDE_LENGTH);
  const recipientPublicKey = env.backend.x25519PublicKey(params.secretKey);
  for (let i = 0, offset = PRELUDE_LENGTH; i < count; i++, offset += STANZA_LENGTH) {
    try {
      const fileKey = await hpkeOpen(suite, {
        enc: header.subarray(offset, offset + ENC_LENGTH),
        recipientSecretKey: params.secretKey,
        recipientPublicKey,
        ...(params.senderPublicKey === undefined ? {} : { senderPublicKey: params.senderPublicKey }),
        info: STANZA_INFO,
        aad: prelude,
        ciphertext: header.subarray(offset + ENC_LENGTH, offset + STANZA_LENGTH),
      });
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
 * Opens a complete header (`header.length` must equal its
 * `headerLength`): finds the stanza for `secretKey`, checks the MAC, and
 * returns the raw payload key.
 *
 * @throws `INVALID_INPUT` / `UNSUPPORTED` from the prelude parse, when an
 *   auth-mode blob is opened without `senderPublicKey`, or on a low-order `enc`;
 *   `DECRYPT_FAILED` (one message) when no stanza opens, the MAC does not
 *   match, or `senderPublicKey` is given for a blob that does not authenticate a sender
 */
export async function openHeader(env: SealEnv, header: Uint8Array, params: HeaderOpenParams): Promise<Uint8Array> {
  const { mode, count, headerLength: length } = parsePrelude(header);
  if (header.length !== length) throw new ZeroVaultError('INVALID_INPUT', 'sealed blob header is truncated');
  if (mode === BLOB_MODE.auth && params.senderPublicKey === undefined) {
    throw new ZeroVaultError('INVALID_INPUT', 'options.senderPublicKey is required: the blob authenticates its sender');
  }
  // The caller requires a known sender and this blob names none.
  if (mode === BLOB_MODE.base && params.senderPublicKey !== undefined) throw decryptFailed();
  const fileKey = await unwrapFileKey(env, header, count, params);
  if (fileKey === undefined) throw decryptFailed();
  try {
    const macOffset = length - MAC_LENGTH;
    const expected = headerMac(env, fileKey, header.subarray(0, macOffset), params.aad);
    const mac = header.subarray(macOffset);
    if (!equal(expected, mac)) throw decryptFailed();
    return payloadKeyOf(env, fileKey, expected);
  } finally {
    wipe(fileKey);
  }
}
