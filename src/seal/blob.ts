/**
 * Single-shot sealed blobs: `seal` and `open` over whole `Uint8Array`s.
 * Same bytes as the streaming API (`stream.ts`); this path writes into one
 * preallocated buffer and overlaps chunk encryptions.
 *
 * `sealWith` / `openWith` take the {@link SealEnv} explicitly; they are
 * internal (the vector generator and the backend tests use them) and are
 * not exported from `zerovault/seal`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from '../crypto/assert.js';
import { copy, wipe } from '../crypto/bytes.js';
import { defaultEnv, type SealEnv } from './env.js';
import { parsePrelude } from './format.js';
import { openHeader, sealHeader } from './header.js';
import { openParams, sealParams, wipeOpenParams, type OpenOptions, type PassphraseOpenOptions, type PassphraseSealOptions, type SealOptions } from './options.js';
import { openPayload, sealPayloadInto, sealedPayloadLength } from './payload.js';

/** `seal` with an explicit environment (internal; with `env.passphrase`, passphrase options too). */
export async function sealWith(env: SealEnv, data: Uint8Array, options: SealOptions | PassphraseSealOptions): Promise<Uint8Array> {
  assertBytes(data, 'data');
  const params = sealParams(options);
  const payloadLength = sealedPayloadLength(data.length);
  let payloadKey: Uint8Array | undefined;
  try {
    const sealed = await sealHeader(env, params);
    payloadKey = sealed.payloadKey;
    const key = await env.backend.importAesGcmKey(payloadKey);
    wipe(payloadKey);
    const out = new Uint8Array(sealed.header.length + payloadLength);
    out.set(sealed.header, 0);
    await sealPayloadInto(env.backend, key, data, out, sealed.header.length);
    return out;
  } finally {
    if (payloadKey !== undefined) wipe(payloadKey);
    if (params.senderSecretKey !== undefined) wipe(params.senderSecretKey);
  }
}

/** `open` with an explicit environment (internal). */
export async function openWith(env: SealEnv, blob: Uint8Array, options: OpenOptions | PassphraseOpenOptions): Promise<Uint8Array> {
  assertBytes(blob, 'blob');
  const params = openParams(options);
  try {
    const { headerLength } = parsePrelude(blob);
    if (blob.length < headerLength) throw new ZeroVaultError('INVALID_INPUT', 'sealed blob is truncated');
    // A private copy of the header: what is authenticated is what is parsed.
    const header = copy(blob.subarray(0, headerLength));
    const payloadKey = await openHeader(env, header, params);
    const key = await env.backend.importAesGcmKey(payloadKey);
    wipe(payloadKey);
    return await openPayload(env.backend, key, blob.subarray(headerLength));
  } finally {
    wipeOpenParams(params);
  }
}

/**
 * Seals `data` so that only the holders of the `to` secret keys can open it.
 *
 * The blob is self-contained: a header naming no one (each recipient stanza
 * is an HPKE encapsulation of a fresh random file key), a header MAC, and
 * the payload in authenticated 64 KiB chunks. With `senderSecretKey` (one
 * recipient only) the stanza uses HPKE auth mode and the recipient can
 * require that sender (`open(…, { senderPublicKey })`). `aad` binds the blob to context the
 * opener must supply again. Format: `docs/seal-format.md`.
 *
 * @param data - the plaintext, any length (held in memory; see `sealStream` for large data)
 * @returns the sealed blob: `header || payload`
 * @throws `INVALID_INPUT` on a malformed key or option, or a low-order recipient key
 */
export function seal(data: Uint8Array, options: SealOptions): Promise<Uint8Array> {
  return sealWith(defaultEnv(), data, options);
}

/**
 * Opens a blob from {@link seal} or `sealStream` with the recipient's
 * secret key. Returns nothing unless the header and every chunk
 * authenticate.
 *
 * @returns the plaintext
 * @throws `DECRYPT_FAILED` (one message for every cause) when the blob is not
 *   for this key, `senderPublicKey` or `aad` differ, any byte changed, or the payload is
 *   truncated, extended or reordered; `INVALID_INPUT` when the input is not a
 *   sealed blob, its header is cut short or malformed, or an auth-mode blob
 *   is opened without `senderPublicKey`; `UNSUPPORTED` for an unknown version, suite or
 *   mode
 */
export function open(blob: Uint8Array, options: OpenOptions): Promise<Uint8Array> {
  return openWith(defaultEnv(), blob, options);
}
