/**
 * The passphrase stanza (suite `0x0003`): the file key wrapped under a key
 * stretched from a passphrase with Argon2id (RFC 9106, the project's KSF),
 * its parameters stored in the stanza so that a later release may raise
 * them without breaking old blobs.
 *
 * ```
 * params = salt (16, random) || t (u8) || p (u8) || m (u32, KiB)
 * key    = Argon2id(P = UTF-8(NFC(passphrase)), S = salt, t, m, p, T = 32, v = 0x13)
 * ct     = AES-256-GCM(key, nonce = 0^12, aad = prelude || params, pt = file key)
 * stanza = params || ct                                          (22 + 48 bytes)
 * ```
 *
 * The nonce is constant because every key is fresh (a new random salt for
 * every blob). Writers use {@link PASSPHRASE_ARGON2ID}; readers accept the
 * KSF's floor up to {@link PASSPHRASE_MAX_MEMORY_KIB}, so that a hostile
 * blob cannot ask for unbounded memory.
 *
 * Loaded on demand (`header.ts` imports it when a blob needs it).
 *
 * @module
 */
import { ZeroVaultError, decryptFailed } from '../errors.js';
import type { AesGcmKey } from '../crypto/backend.js';
import { concat, wipe } from '../crypto/bytes.js';
import { argon2id, assertArgon2idParams, type Argon2idParams } from '../crypto/ksf.js';
import type { SealEnv } from './env.js';
import type { HeaderOpenParams, HeaderSealParams } from './header.js';
import { FILE_KEY_LENGTH, PASSPHRASE_PARAMS_LENGTH } from './format.js';

/**
 * Writer's parameters: t = 3, m = 256 MiB, p = 4. RFC 9106 §4's second
 * option with four times its memory: a blob has no server-side OPRF key
 * behind it (unlike a login), so Argon2id is all an offline guesser meets;
 * 256 MiB is also what age's scrypt stanza costs (N = 2^18, r = 8).
 */
export const PASSPHRASE_ARGON2ID: Argon2idParams = Object.freeze({ iterations: 3, memoryKiB: 262144, parallelism: 4 });
/** The most memory a reader spends on a stanza: 1 GiB. */
export const PASSPHRASE_MAX_MEMORY_KIB = 2 ** 20;
/** Salt bytes. */
export const PASSPHRASE_SALT_LENGTH = 16;

const ZERO_NONCE = new Uint8Array(12);

/** The passphrase's bytes: NFC (one passphrase typed on two systems is one key), UTF-8. */
export function passphraseBytes(passphrase: string): Uint8Array {
  return new TextEncoder().encode(passphrase.normalize('NFC'));
}

function encodeParams(salt: Uint8Array, params: Argon2idParams): Uint8Array {
  const out = new Uint8Array(PASSPHRASE_PARAMS_LENGTH);
  out.set(salt, 0);
  out[16] = params.iterations;
  out[17] = params.parallelism;
  new DataView(out.buffer).setUint32(18, params.memoryKiB);
  return out;
}

/**
 * The parameters of a stanza, checked against the KSF's floor and ceiling
 * and the reader's memory cap.
 *
 * @throws `UNSUPPORTED` when they are outside what a reader accepts
 */
export function decodeParams(bytes: Uint8Array): { salt: Uint8Array; params: Argon2idParams } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const params = { iterations: bytes[16] as number, parallelism: bytes[17] as number, memoryKiB: view.getUint32(18) };
  try {
    if (params.memoryKiB > PASSPHRASE_MAX_MEMORY_KIB) throw new ZeroVaultError('INVALID_INPUT', 'memory above the cap');
    return { salt: bytes.slice(0, PASSPHRASE_SALT_LENGTH), params: assertArgon2idParams(params, 'stanza') };
  } catch (cause) {
    throw new ZeroVaultError('UNSUPPORTED', 'passphrase stanza parameters are outside what this reader accepts', { cause });
  }
}

async function wrapKey(env: SealEnv, passphrase: Uint8Array, salt: Uint8Array, params: Argon2idParams): Promise<AesGcmKey> {
  const { output } = await argon2id(passphrase, params, { outputLength: 32, salt });
  try {
    return await env.backend.importAesGcmKey(output);
  } finally {
    wipe(output);
  }
}

/** Seals `fileKey` under `passphrase` (UTF-8 bytes); draws the salt from `env.random`. */
export async function sealPassphraseStanza(
  env: SealEnv,
  passphrase: Uint8Array,
  prelude: Uint8Array,
  fileKey: Uint8Array,
  params: Argon2idParams = PASSPHRASE_ARGON2ID,
): Promise<Uint8Array> {
  const encoded = encodeParams(env.random(PASSPHRASE_SALT_LENGTH), params);
  const key = await wrapKey(env, passphrase, encoded.subarray(0, PASSPHRASE_SALT_LENGTH), params);
  const ct = await env.backend.aesGcmSeal(key, ZERO_NONCE, fileKey, concat(prelude, encoded));
  return concat(encoded, ct);
}

/**
 * The file key in a passphrase stanza.
 *
 * @throws `DECRYPT_FAILED` on a wrong passphrase or a changed stanza;
 *   `UNSUPPORTED` on parameters outside the reader's bounds
 */
export async function openPassphraseStanza(env: SealEnv, passphrase: Uint8Array, prelude: Uint8Array, stanza: Uint8Array): Promise<Uint8Array> {
  const encoded = stanza.subarray(0, PASSPHRASE_PARAMS_LENGTH);
  const { salt, params } = decodeParams(encoded);
  const key = await wrapKey(env, passphrase, salt, params);
  const fileKey = await env.backend.aesGcmOpen(key, ZERO_NONCE, stanza.subarray(PASSPHRASE_PARAMS_LENGTH), concat(prelude, encoded));
  if (fileKey.length !== FILE_KEY_LENGTH) {
    wipe(fileKey);
    throw decryptFailed();
  }
  return fileKey;
}

/** The one stanza of suite `0x0003` (the stanza interface `header.ts` loads). */
export async function sealStanzas(env: SealEnv, params: HeaderSealParams, prelude: Uint8Array, fileKey: Uint8Array): Promise<Uint8Array[]> {
  return [await sealPassphraseStanza(env, params.passphrase as Uint8Array, prelude, fileKey)];
}

/** Opens the stanza of suite `0x0003` with `params.passphrase`. */
export function stanzaOpener(env: SealEnv, params: HeaderOpenParams, prelude: Uint8Array): (stanza: Uint8Array) => Promise<Uint8Array> {
  return (stanza) => openPassphraseStanza(env, params.passphrase as Uint8Array, prelude, stanza);
}
