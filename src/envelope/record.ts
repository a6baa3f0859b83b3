/**
 * Sealing, opening and re-wrapping v1 records (layout in `format.ts`, spec in
 * `docs/format.md`).
 *
 * Per record version: a fresh random DEK. From it the payload's AES-256-GCM
 * key and a 32-byte key commitment are derived (`record-keys.ts`). The DEK
 * is wrapped under the vault KEK with AES-256-GCM and its own AAD. Opening
 * checks, in order: the format (no crypto), the wrap tag, the DEK (not all
 * zeros) and the commitment (in constant time), the payload tag; every
 * failure after parsing is the same `DECRYPT_FAILED`.
 *
 * Each operation is a deterministic core (`…With`: backend, and every random
 * value, as explicit inputs; known-answer vectors fix them) under a public
 * wrapper that draws the randomness and uses the build's backend. The core
 * is written once over `crypto/gcm.ts`, which takes the backend's
 * synchronous fast path when it has one (node: no promise, raw keys straight
 * to the cipher, ciphertext written behind the header in place) and the
 * async members otherwise (WebCrypto: both seals run concurrently).
 *
 * @module
 */
import { getBackend } from '#backend';
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { assertBytes, assertObject } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { equal, isZero, wipe } from '../crypto/bytes.js';
import { isPromise, openWith, sealAfter, type MaybePromise } from '../crypto/gcm.js';
import { randomBytes } from '../crypto/random.js';
import {
  MAX_RECORD_PLAINTEXT,
  NONCE_LENGTH,
  RECORD_SUITES,
  SEAL_SUITE,
  headerLength,
  parseRecord,
  payloadAad,
  wrapAad,
  writeRecord,
  writeRecordHeader,
  type AadFields,
  type ParsedRecord,
  type RecordIdentity,
  type RecordSuiteId,
} from './format.js';
import { checkIdentity } from './inputs.js';
import { checkKek, type CheckedKek, type Kek } from './kek.js';
import { deriveRecordKeys } from './record-keys.js';

/** Where the record lives; bound into both AADs. */
export interface RecordLocation {
  /** The vault's id: 1..1024 UTF-8 bytes. */
  readonly vaultId: string;
  /** The record's id within the vault: 1..1024 UTF-8 bytes. */
  readonly recordId: string;
  /** The record's version in the store: a safe non-negative integer. */
  readonly version: number;
}

/** Options of {@link sealRecord}. */
export interface SealRecordOptions extends RecordLocation {
  /** The KEK that wraps the record's fresh DEK. */
  readonly kek: Kek;
  /** At most {@link MAX_RECORD_PLAINTEXT} bytes. */
  readonly plaintext: Uint8Array;
}

/** Something that holds KEKs by id and version (a `Keyring`). */
export interface KekSource {
  readonly keks: readonly Kek[];
}

/** Options of {@link openRecord}: exactly one of `kek` and `keyring`. */
export type OpenRecordOptions = RecordLocation & { readonly sealed: Uint8Array } & (
    | { readonly kek: Kek; readonly keyring?: undefined }
    | { readonly keyring: KekSource; readonly kek?: undefined }
  );

/** Options of {@link rewrapRecord}. */
export interface RewrapRecordOptions extends RecordLocation {
  readonly sealed: Uint8Array;
  /** The KEK the record is wrapped under now (as its header names). */
  readonly from: Kek;
  /** The KEK to wrap its DEK under instead. */
  readonly to: Kek;
}

/** What a seal chooses: the suite and its random values. Internal (tests and vector generation fix them). */
export interface SealInputs {
  readonly suite: RecordSuiteId;
  /** The suite's DEK length; never all zeros. */
  readonly dek: Uint8Array;
  readonly wrapNonce: Uint8Array;
  readonly nonce: Uint8Array;
}

/** Fresh {@link SealInputs} in `suite` from one CSPRNG call; the caller wipes `dek`. */
export function drawSealInputs(suite: RecordSuiteId = SEAL_SUITE.id): SealInputs {
  const { dekLength } = RECORD_SUITES[suite];
  const pool = randomBytes(dekLength + 2 * NONCE_LENGTH);
  return {
    suite,
    dek: pool.subarray(0, dekLength),
    wrapNonce: pool.subarray(dekLength, dekLength + NONCE_LENGTH),
    nonce: pool.subarray(dekLength + NONCE_LENGTH),
  };
}

/** `DECRYPT_FAILED` unless the KEK is the one the header names. */
function requireNamed(kek: CheckedKek, record: ParsedRecord): void {
  if (kek.id !== record.kekId || kek.version !== record.kekVersion) throw decryptFailed();
}

/** Unwraps the DEK under `kek` (a value on a synchronous backend, else a promise). */
function unwrapDek(kek: CheckedKek, record: ParsedRecord, identity: RecordIdentity, backend: Backend): MaybePromise<Uint8Array> {
  const { wrappedDek } = record;
  return openWith(backend, kek.key, wrappedDek.subarray(0, NONCE_LENGTH), wrappedDek.subarray(NONCE_LENGTH), wrapAad(identity, record));
}

/**
 * Checks an unwrapped DEK: not all zeros, and matching the commitment. Both
 * checks always run, in constant time, and fail alike. Returns the raw
 * payload key; the caller wipes it and the DEK (on failure both are wiped here).
 */
function payloadKeyOf(dek: Uint8Array, record: ParsedRecord, backend: Backend): Uint8Array {
  const { key, commitment } = deriveRecordKeys(dek, record.suite, backend);
  // Authenticated under the KEK, so only its holder could have chosen a zero DEK: DECRYPT_FAILED like any forgery.
  if ((Number(!equal(commitment, record.commitment)) | Number(isZero(dek))) !== 0) {
    wipe(dek, key);
    throw decryptFailed();
  }
  return key;
}

/** {@link sealRecord} with an explicit backend and explicit random inputs (never wiped: they are the caller's). */
export function sealRecordWith(options: SealRecordOptions, inputs: SealInputs, backend: Backend): Promise<Uint8Array> {
  return sealWith(options, inputs, backend, false);
}

/**
 * The seal, written once for every backend. `ownsDek` says whether
 * `inputs.dek` is ours to wipe (the public wrapper's fresh draw) or the
 * caller's: copying it instead would cost a buffer per seal, about 1.5% of a
 * 1 KiB record.
 */
async function sealWith(options: SealRecordOptions, inputs: SealInputs, backend: Backend, ownsDek: boolean): Promise<Uint8Array> {
  const { dek, wrapNonce, nonce } = inputs;
  try {
    assertObject(options, 'options');
    const kek = checkKek(options.kek, 'kek', backend);
    const identity = checkIdentity(options);
    const { plaintext } = options;
    assertBytes(plaintext, 'plaintext', { max: MAX_RECORD_PLAINTEXT });
    const suite = RECORD_SUITES[inputs.suite];
    assertBytes(dek, 'dek', suite.dekLength);
    if (isZero(dek)) throw new ZeroVaultError('INVALID_INPUT', 'dek must not be all zeros');
    assertBytes(wrapNonce, 'wrapNonce', NONCE_LENGTH);
    assertBytes(nonce, 'nonce', NONCE_LENGTH);

    const derived = deriveRecordKeys(dek, suite, backend);
    try {
      const fields: AadFields = {
        suite,
        kekIdBytes: kek.idBytes,
        kekVersion: kek.version,
        nonce,
        commitment: derived.commitment,
        plaintextLength: plaintext.length,
      };
      // The wrap comes out as the wrapped-DEK field (room for its nonce in front); the
      // payload behind room for the header, written in place: the plaintext is read where
      // it is and the ciphertext never copied on the fast path (once on the fallback).
      // Both start before either is awaited: one round trip on WebCrypto.
      const wrapping = sealAfter(backend, kek.key, wrapNonce, dek, wrapAad(identity, fields), NONCE_LENGTH);
      const sealing = sealAfter(backend, derived.key, nonce, plaintext, payloadAad(identity, fields), headerLength(suite, kek.idBytes.length));
      let wrappedDek: Uint8Array;
      let out: Uint8Array;
      // `await` only on an asynchronous backend: an await costs a microtask turn even on a value.
      if (isPromise(wrapping) || isPromise(sealing)) [wrappedDek, out] = await Promise.all([wrapping, sealing]);
      else {
        wrappedDek = wrapping;
        out = sealing;
      }
      wrappedDek.set(wrapNonce, 0);
      writeRecordHeader(out, { ...fields, wrappedDek });
      return out;
    } finally {
      wipe(derived.key);
    }
  } finally {
    if (ownsDek) wipe(dek);
  }
}

/** {@link openRecord} with an explicit backend. */
export async function openRecordWith(options: OpenRecordOptions, backend: Backend): Promise<Uint8Array> {
  assertObject(options, 'options');
  const { kek: givenKek, keyring } = options as { kek?: unknown; keyring?: unknown };
  if ((givenKek === undefined) === (keyring === undefined)) {
    throw new ZeroVaultError('INVALID_INPUT', 'options must hold exactly one of kek and keyring');
  }
  const checkedKek = givenKek === undefined ? undefined : checkKek(givenKek, 'kek', backend);
  if (keyring !== undefined) {
    assertObject(keyring, 'keyring');
    if (!Array.isArray(keyring.keks)) throw new ZeroVaultError('INVALID_INPUT', 'keyring.keks must be an array');
  }
  const identity = checkIdentity(options);
  const record = parseRecord(options.sealed);

  let kek: CheckedKek;
  if (checkedKek !== undefined) {
    kek = checkedKek;
    requireNamed(kek, record);
  } else {
    const keks = (keyring as { keks: readonly unknown[] }).keks;
    const found = keks.find((entry) => {
      const candidate = entry as Partial<Kek> | null;
      return candidate?.id === record.kekId && candidate.version === record.kekVersion;
    });
    // A KEK the keyring lacks is a record we cannot open: same error, no lookup oracle.
    if (found === undefined) throw decryptFailed();
    kek = checkKek(found, 'keyring.keks[]', backend);
  }

  // `await` only on an asynchronous backend: an await costs a microtask turn even on a value.
  const unwrapping = unwrapDek(kek, record, identity, backend);
  const dek = isPromise(unwrapping) ? await unwrapping : unwrapping;
  const key = payloadKeyOf(dek, record, backend);
  wipe(dek);
  try {
    // The body is a view of `sealed`, not a copy; the backend writes the plaintext once.
    const opened = openWith(backend, key, record.nonce, record.body, payloadAad(identity, record));
    return isPromise(opened) ? await opened : opened;
  } finally {
    wipe(key);
  }
}

/** {@link rewrapRecord} with an explicit backend and wrap nonce. */
export async function rewrapRecordWith(options: RewrapRecordOptions, wrapNonce: Uint8Array, backend: Backend): Promise<Uint8Array> {
  assertObject(options, 'options');
  const from = checkKek(options.from, 'from', backend);
  const to = checkKek(options.to, 'to', backend);
  const identity = checkIdentity(options);
  assertBytes(wrapNonce, 'wrapNonce', NONCE_LENGTH);
  const record = parseRecord(options.sealed);
  requireNamed(from, record);

  const unwrapping = unwrapDek(from, record, identity, backend);
  const dek = isPromise(unwrapping) ? await unwrapping : unwrapping;
  wipe(payloadKeyOf(dek, record, backend));
  try {
    const fields: AadFields = {
      suite: record.suite,
      kekIdBytes: to.idBytes,
      kekVersion: to.version,
      nonce: record.nonce,
      commitment: record.commitment,
      plaintextLength: record.plaintextLength,
    };
    const wrapping = sealAfter(backend, to.key, wrapNonce, dek, wrapAad(identity, fields), NONCE_LENGTH);
    const wrappedDek = isPromise(wrapping) ? await wrapping : wrapping;
    wrappedDek.set(wrapNonce, 0);
    // Nonce, commitment and ciphertext are carried over byte for byte.
    return writeRecord({ ...fields, wrappedDek }, record.body);
  } finally {
    wipe(dek);
  }
}

/**
 * Seals `plaintext` as a v1 record: a fresh random DEK encrypts it, `kek`
 * wraps the DEK, and `(vaultId, recordId, version)` is bound into both AADs,
 * so the record opens only at that place and version.
 *
 * @param options.kek - `{ id, version, key }`; `key` is 32 bytes (not all zeros) or from {@link importKek}
 * @param options.vaultId - 1..1024 UTF-8 bytes
 * @param options.recordId - 1..1024 UTF-8 bytes
 * @param options.version - the record's store version, a safe non-negative integer
 * @param options.plaintext - 0..{@link MAX_RECORD_PLAINTEXT} bytes; read in place, not copied
 * @returns the sealed record: plaintext length + 165 + KEK id length bytes (suite 2)
 * @throws `INVALID_INPUT` on any malformed option, before any crypto
 */
export function sealRecord(options: SealRecordOptions): Promise<Uint8Array> {
  return sealWith(options, drawSealInputs(), getBackend(), true);
}

/**
 * Opens a v1 record sealed for exactly this `(vaultId, recordId, version)`.
 * Give either the KEK the header names (see {@link decodeRecordHeader}) or a
 * keyring holding it.
 *
 * @returns the plaintext (a new buffer the caller owns)
 * @throws `UNSUPPORTED` for an unknown version or suite; `INVALID_INPUT` for
 *   malformed options (an all-zero raw KEK included) or a truncated,
 *   over-long or malformed record, before any crypto; `DECRYPT_FAILED` (one
 *   message) when the KEK is not the one named, the keyring lacks it, or the
 *   wrap, the DEK, the commitment or the payload fails to authenticate
 *   (tampering, or a record moved to another vault, id or version)
 */
export function openRecord(options: OpenRecordOptions): Promise<Uint8Array> {
  return openRecordWith(options, getBackend());
}

/**
 * Re-wraps a record's DEK from one KEK to another without touching the
 * payload: nonce, commitment and `ciphertext || tag` are copied byte for
 * byte, so rotation costs one small unwrap and wrap per record. The DEK is
 * checked against the commitment; the payload tag is not (it is checked
 * when the record is opened, and a re-wrap cannot make a forged payload valid).
 *
 * @param options.from - the KEK the header names
 * @param options.to - the KEK to wrap under (usually the next version of the same id)
 * @returns the re-wrapped record; the same identity opens it under `to` only
 * @throws as {@link openRecord}
 */
export function rewrapRecord(options: RewrapRecordOptions): Promise<Uint8Array> {
  return rewrapRecordWith(options, randomBytes(NONCE_LENGTH), getBackend());
}
