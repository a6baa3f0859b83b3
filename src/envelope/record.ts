/**
 * Sealing, opening and re-wrapping v1 records (layout in `format.ts`, spec in
 * `docs/format.md`).
 *
 * Per record version: a fresh random 32-byte DEK. From it, HKDF-SHA-256
 * derives the payload's AES-256-GCM key and a 32-byte key commitment under
 * distinct labels (as AWS Encryption SDK's committing suites do). The DEK is
 * wrapped under the vault KEK with AES-256-GCM and its own AAD. Opening
 * checks, in order: the format (no crypto), the wrap tag, the commitment (in
 * constant time), the payload tag; every failure after parsing is the same
 * `DECRYPT_FAILED`.
 *
 * The functions here take an internal `RecordInternals` (backend, injected
 * randomness for known-answer vectors); the package exports wrappers without it.
 *
 * @module
 */
import { getBackend } from '#backend';
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { assertBytes, assertObject, isBytes } from '../crypto/assert.js';
import type { AesGcmKey, Backend } from '../crypto/backend.js';
import { sealAfterPrefixOf, sealWithNoncePrefixOf, syncAeadOf } from '../crypto/backend-checks.js';
import { concat, equal, utf8, wipe } from '../crypto/bytes.js';
import { LABELS } from '../crypto/kdf.js';
import { randomBytes } from '../crypto/random.js';
import {
  DEK_LENGTH,
  MAX_RECORD_PLAINTEXT,
  NONCE_LENGTH,
  PREFIX,
  parseRecord,
  payloadAad,
  wrapAad,
  headerLength,
  writeRecord,
  writeRecordHeader,
  type AadFields,
  type ParsedRecord,
  type RecordIdentity,
} from './format.js';
import { checkIdentity, checkKek, kekHandle, type CheckedKek, type Kek } from './inputs.js';

/** Where the record lives; bound into both AADs. */
export interface RecordLocation {
  /** The vault's id: 1..1024 UTF-8 bytes. */
  readonly vaultId: string;
  /** The record's id within the vault: 1..1024 UTF-8 bytes. */
  readonly recordId: string;
  /** The record's version in the store: a safe non-negative integer. */
  readonly version: number;
}

/** Options of `sealRecord`. */
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

/** Options of `openRecord`: exactly one of `kek` and `keyring`. */
export type OpenRecordOptions = RecordLocation & { readonly sealed: Uint8Array } & (
    | { readonly kek: Kek; readonly keyring?: undefined }
    | { readonly keyring: KekSource; readonly kek?: undefined }
  );

/** Options of `rewrapRecord`. */
export interface RewrapRecordOptions extends RecordLocation {
  readonly sealed: Uint8Array;
  /** The KEK the record is wrapped under now (as its header names). */
  readonly from: Kek;
  /** The KEK to wrap its DEK under instead. */
  readonly to: Kek;
}

/** What injected randomness is drawn for. */
export type RandomPurpose = 'dek' | 'wrap-nonce' | 'nonce';

/** Internal, never exported from the package: tests and vector generation only. */
export interface RecordInternals {
  readonly backend?: Backend;
  /** Replaces the CSPRNG; production code never passes it. */
  readonly random?: (purpose: RandomPurpose, length: number) => Uint8Array;
}

function draw(internals: RecordInternals, purpose: RandomPurpose, length: number): Uint8Array {
  if (internals.random === undefined) return randomBytes(length);
  const bytes = internals.random(purpose, length);
  assertBytes(bytes, purpose, length);
  return Uint8Array.from(bytes); // ours to wipe
}

/** DEK, wrap nonce and payload nonce; one CSPRNG call unless randomness is injected. */
function drawSeal(internals: RecordInternals): { dek: Uint8Array; wrapNonce: Uint8Array; nonce: Uint8Array } {
  if (internals.random !== undefined) {
    return {
      dek: draw(internals, 'dek', DEK_LENGTH),
      wrapNonce: draw(internals, 'wrap-nonce', NONCE_LENGTH),
      nonce: draw(internals, 'nonce', NONCE_LENGTH),
    };
  }
  const pool = randomBytes(DEK_LENGTH + 2 * NONCE_LENGTH);
  return {
    dek: pool.subarray(0, DEK_LENGTH),
    wrapNonce: pool.subarray(DEK_LENGTH, DEK_LENGTH + NONCE_LENGTH),
    nonce: pool.subarray(DEK_LENGTH + NONCE_LENGTH),
  };
}

const EMPTY = new Uint8Array(0);

/**
 * `info || 0x01` for a record label: with SHA-256 and a 32-byte output,
 * HKDF-Expand is the single block `T(1) = HMAC(PRK, info || 0x01)` (RFC 5869
 * §2.3), and `info = label || 0x00 || prefix` as `deriveKey` builds it.
 */
function expandBlockInput(label: string): Uint8Array {
  return concat(utf8(label), Uint8Array.of(0), PREFIX, Uint8Array.of(1));
}

const KEY_BLOCK_INPUT = expandBlockInput(LABELS.recordKey);
const COMMITMENT_BLOCK_INPUT = expandBlockInput(LABELS.recordCommitment);

/**
 * The payload key and the commitment from one HKDF-Extract:
 * `HKDF(DEK, info = label || 0x00 || prefix)` for the two record labels,
 * byte for byte what `deriveKeys` computes, in three HMAC calls (extract,
 * then one block per label) with the inputs built once at load: this runs
 * on every seal and open. The caller wipes `key`.
 */
export function deriveRecordKeys(dek: Uint8Array, backend: Backend): { key: Uint8Array; commitment: Uint8Array } {
  assertBytes(dek, 'dek', DEK_LENGTH);
  const prk = backend.hkdfExtract('SHA-256', EMPTY, dek);
  try {
    return { key: backend.hmac('SHA-256', prk, KEY_BLOCK_INPUT), commitment: backend.hmac('SHA-256', prk, COMMITMENT_BLOCK_INPUT) };
  } finally {
    wipe(prk);
  }
}

/** The record's 32-byte key commitment: HKDF(DEK, "zerovault/v1/record/commitment"). */
export function deriveCommitment(dek: Uint8Array, backend: Backend): Uint8Array {
  const { key, commitment } = deriveRecordKeys(dek, backend);
  wipe(key);
  return commitment;
}

/** Imports a raw payload key, then wipes the raw bytes. */
async function importPayloadKey(raw: Uint8Array, backend: Backend): Promise<AesGcmKey> {
  try {
    return await backend.importAesGcmKey(raw);
  } finally {
    wipe(raw);
  }
}

/** Wraps `dek`; returns `wrapNonce || ciphertext || tag`. */
async function wrapDek(
  kek: AesGcmKey,
  dek: Uint8Array,
  wrapNonce: Uint8Array,
  identity: RecordIdentity,
  fields: AadFields,
  backend: Backend,
): Promise<Uint8Array> {
  const aad = wrapAad(identity, fields);
  // The wrapped DEK is the one-buffer route's exact output format.
  const prefixed = sealWithNoncePrefixOf(backend);
  if (prefixed !== undefined) return prefixed(kek, wrapNonce, dek, aad);
  return concat(wrapNonce, await backend.aesGcmSeal(kek, wrapNonce, dek, aad));
}

/**
 * Unwraps the DEK and checks it against the commitment in constant time.
 * Returns the DEK and the raw payload key; the caller wipes both.
 */
async function unwrapDek(
  kek: AesGcmKey,
  record: ParsedRecord,
  identity: RecordIdentity,
  backend: Backend,
): Promise<{ dek: Uint8Array; key: Uint8Array }> {
  const { wrappedDek } = record;
  const dek = await backend.aesGcmOpen(
    kek,
    wrappedDek.subarray(0, NONCE_LENGTH),
    wrappedDek.subarray(NONCE_LENGTH),
    wrapAad(identity, record),
  );
  const { key, commitment } = deriveRecordKeys(dek, backend);
  if (!equal(commitment, record.commitment)) {
    wipe(dek, key);
    throw decryptFailed();
  }
  return { dek, key };
}

/** `DECRYPT_FAILED` unless the KEK is the one the header names. */
function requireNamed(kek: CheckedKek, record: ParsedRecord): void {
  if (kek.id !== record.kekId || kek.version !== record.kekVersion) throw decryptFailed();
}

/** Sealing with injectable backend and randomness (see `sealRecord`). */
export async function sealRecordWith(options: SealRecordOptions, internals: RecordInternals = {}): Promise<Uint8Array> {
  const backend = internals.backend ?? getBackend();
  assertObject(options, 'options');
  const kek = checkKek(options.kek, 'kek', backend);
  const identity = checkIdentity(options);
  const { plaintext } = options;
  assertBytes(plaintext, 'plaintext', { max: MAX_RECORD_PLAINTEXT });

  const { dek, wrapNonce, nonce } = drawSeal(internals);
  try {
    const derived = deriveRecordKeys(dek, backend);
    const fields: AadFields = {
      kekIdBytes: kek.idBytes,
      kekVersion: kek.version,
      nonce,
      commitment: derived.commitment,
      plaintextLength: plaintext.length,
    };
    const prefixed = sealWithNoncePrefixOf(backend);
    const sync = syncAeadOf(backend);
    if (prefixed !== undefined && sync !== undefined) {
      const kekKey = isBytes(kek.key) ? sync.importKey(kek.key) : kek.key;
      const key = sync.importKey(derived.key);
      wipe(derived.key);
      // A synchronous backend (node): no promise per AEAD call, and the wrap
      // comes out as the wrapped-DEK field itself.
      const wrappedDek = prefixed(kekKey, wrapNonce, dek, wrapAad(identity, fields));
      const after = sealAfterPrefixOf(backend);
      if (after !== undefined) {
        // The payload is encrypted straight behind room for the header, which is then
        // written in place: the ciphertext is never copied (at 16 MiB that copy was
        // half the cost of a seal).
        const out = after(key, nonce, plaintext, payloadAad(identity, fields), headerLength(kek.idBytes.length));
        writeRecordHeader(out, { ...fields, wrappedDek });
        return out;
      }
      const body = prefixed(key, nonce, plaintext, payloadAad(identity, fields));
      return writeRecord({ ...fields, wrappedDek }, body.subarray(NONCE_LENGTH));
    }
    const [kekKey, key] = await Promise.all([kekHandle(kek, backend), importPayloadKey(derived.key, backend)]);
    // Independent AEAD calls run concurrently (one round trip on WebCrypto).
    const [wrappedDek, body] = await Promise.all([
      wrapDek(kekKey, dek, wrapNonce, identity, fields, backend),
      backend.aesGcmSeal(key, nonce, plaintext, payloadAad(identity, fields)),
    ]);
    // Payload copies: the caller's plaintext is read in place (not copied);
    // the backend encrypts into a new `ciphertext || tag` buffer (the node
    // backend writes it in cache-sized pieces); writeRecord copies it once
    // after the header: the envelope's only copy. Peak memory is about three
    // payloads: plaintext, body, record.
    return writeRecord({ ...fields, wrappedDek }, body);
  } finally {
    wipe(dek);
  }
}

/** Opening with an injectable backend (see `openRecord`). */
export async function openRecordWith(options: OpenRecordOptions, internals: RecordInternals = {}): Promise<Uint8Array> {
  const backend = internals.backend ?? getBackend();
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

  const sync = syncAeadOf(backend);
  if (sync !== undefined) {
    // A synchronous backend (node): the same steps without four promise hops.
    const kekKey = isBytes(kek.key) ? sync.importKey(kek.key) : kek.key;
    const { wrappedDek } = record;
    const dek = sync.open(kekKey, wrappedDek.subarray(0, NONCE_LENGTH), wrappedDek.subarray(NONCE_LENGTH), wrapAad(identity, record));
    const { key: raw, commitment } = deriveRecordKeys(dek, backend);
    wipe(dek);
    if (!equal(commitment, record.commitment)) {
      wipe(raw);
      throw decryptFailed();
    }
    const key = sync.importKey(raw);
    wipe(raw);
    return sync.open(key, record.nonce, record.body, payloadAad(identity, record));
  }
  const unwrapped = await unwrapDek(await kekHandle(kek, backend), record, identity, backend);
  wipe(unwrapped.dek);
  const key = await importPayloadKey(unwrapped.key, backend);
  // The body is a view of `sealed`, not a copy; the backend writes the plaintext once.
  return backend.aesGcmOpen(key, record.nonce, record.body, payloadAad(identity, record));
}

/** Re-wrapping with injectable backend and randomness (see `rewrapRecord`). */
export async function rewrapRecordWith(options: RewrapRecordOptions, internals: RecordInternals = {}): Promise<Uint8Array> {
  const backend = internals.backend ?? getBackend();
  assertObject(options, 'options');
  const from = checkKek(options.from, 'from', backend);
  const to = checkKek(options.to, 'to', backend);
  const identity = checkIdentity(options);
  const record = parseRecord(options.sealed);
  requireNamed(from, record);

  const [fromKey, toKey] = await Promise.all([kekHandle(from, backend), kekHandle(to, backend)]);
  const { dek, key } = await unwrapDek(fromKey, record, identity, backend);
  wipe(key);
  try {
    const fields: AadFields = {
      kekIdBytes: to.idBytes,
      kekVersion: to.version,
      nonce: record.nonce,
      commitment: record.commitment,
      plaintextLength: record.plaintextLength,
    };
    const wrappedDek = await wrapDek(toKey, dek, draw(internals, 'wrap-nonce', NONCE_LENGTH), identity, fields, backend);
    // Nonce, commitment and ciphertext are carried over byte for byte.
    return writeRecord({ ...fields, wrappedDek }, record.body);
  } finally {
    wipe(dek);
  }
}
