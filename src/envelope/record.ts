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
import { assertBytes, assertObject } from '../crypto/assert.js';
import type { AesGcmKey, Backend } from '../crypto/backend.js';
import { sealAfterPrefixOf, sealWithNoncePrefixOf, syncAeadOf } from '../crypto/backend-checks.js';
import { concat, equal, utf8, wipe } from '../crypto/bytes.js';
import { LABELS } from '../crypto/kdf.js';
import { randomBytes } from '../crypto/random.js';
import {
  MAX_RECORD_PLAINTEXT,
  NONCE_LENGTH,
  RECORD_SUITES,
  SEAL_SUITE,
  parseRecord,
  payloadAad,
  wrapAad,
  headerLength,
  writeRecord,
  writeRecordHeader,
  type AadFields,
  type ParsedRecord,
  type RecordIdentity,
  type RecordSuite,
  type RecordSuiteId,
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
  /** Seal in this suite instead of {@link SEAL_SUITE} (vectors of the older suite). */
  readonly suite?: RecordSuiteId;
}

function draw(internals: RecordInternals, purpose: RandomPurpose, length: number): Uint8Array {
  if (internals.random === undefined) return randomBytes(length);
  const bytes = internals.random(purpose, length);
  assertBytes(bytes, purpose, length);
  return Uint8Array.from(bytes); // ours to wipe
}

/** DEK, wrap nonce and payload nonce; one CSPRNG call unless randomness is injected. */
function drawSeal(internals: RecordInternals, suite: RecordSuite): { dek: Uint8Array; wrapNonce: Uint8Array; nonce: Uint8Array } {
  const { dekLength } = suite;
  if (internals.random !== undefined) {
    return {
      dek: draw(internals, 'dek', dekLength),
      wrapNonce: draw(internals, 'wrap-nonce', NONCE_LENGTH),
      nonce: draw(internals, 'nonce', NONCE_LENGTH),
    };
  }
  const pool = randomBytes(dekLength + 2 * NONCE_LENGTH);
  return {
    dek: pool.subarray(0, dekLength),
    wrapNonce: pool.subarray(dekLength, dekLength + NONCE_LENGTH),
    nonce: pool.subarray(dekLength + NONCE_LENGTH),
  };
}

const EMPTY = new Uint8Array(0);

/**
 * `info || 0x01` for a record label: HKDF-Expand's first (and, here, only)
 * block is `T(1) = HMAC(PRK, info || 0x01)` (RFC 5869 §2.3), and
 * `info = label || 0x00 || prefix` as `deriveKey` builds it.
 */
function expandBlockInput(label: string, suite: RecordSuite): Uint8Array {
  return concat(utf8(label), Uint8Array.of(0), suite.prefix, Uint8Array.of(1));
}

const SUITE1_KEY_INPUT = expandBlockInput(LABELS.recordKey, RECORD_SUITES[1]);
const SUITE1_COMMITMENT_INPUT = expandBlockInput(LABELS.recordCommitment, RECORD_SUITES[1]);
const SUITE2_KEYS_INPUT = expandBlockInput(LABELS.recordKeys, RECORD_SUITES[2]);

/**
 * The payload key and the commitment of a `suite` record, computed from the
 * KDF's definition with every input built once at load (this runs on every
 * seal and open):
 * - suite 1: `HKDF-SHA-256(DEK, salt "", info(label), 32)` for the key and the
 *   commitment labels: one Extract, then one HMAC block per label;
 * - suite 2: `HKDF-Expand-SHA-512(DEK, info("zerovault/v1/record/keys"), 64)`,
 *   one HMAC: bytes 0–31 are the key, 32–63 the commitment.
 *
 * The caller wipes `key`.
 */
export function deriveRecordKeys(dek: Uint8Array, suite: RecordSuite, backend: Backend): { key: Uint8Array; commitment: Uint8Array } {
  assertBytes(dek, 'dek', suite.dekLength);
  if (suite.id === 2) {
    const block = backend.hmac('SHA-512', dek, SUITE2_KEYS_INPUT);
    return { key: block.subarray(0, 32), commitment: block.slice(32) };
  }
  const prk = backend.hkdfExtract('SHA-256', EMPTY, dek);
  try {
    return { key: backend.hmac('SHA-256', prk, SUITE1_KEY_INPUT), commitment: backend.hmac('SHA-256', prk, SUITE1_COMMITMENT_INPUT) };
  } finally {
    wipe(prk);
  }
}

/** The record's 32-byte key commitment (see {@link deriveRecordKeys}). */
export function deriveCommitment(dek: Uint8Array, suite: RecordSuite, backend: Backend): Uint8Array {
  const { key, commitment } = deriveRecordKeys(dek, suite, backend);
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
  const { key, commitment } = deriveRecordKeys(dek, record.suite, backend);
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

  const suite = internals.suite === undefined ? SEAL_SUITE : RECORD_SUITES[internals.suite];
  const { dek, wrapNonce, nonce } = drawSeal(internals, suite);
  try {
    const derived = deriveRecordKeys(dek, suite, backend);
    const fields: AadFields = {
      suite,
      kekIdBytes: kek.idBytes,
      kekVersion: kek.version,
      nonce,
      commitment: derived.commitment,
      plaintextLength: plaintext.length,
    };
    const prefixed = sealWithNoncePrefixOf(backend);
    const sync = syncAeadOf(backend);
    if (prefixed !== undefined && sync !== undefined) {
      // A synchronous backend (node): no promise per AEAD call, raw keys used
      // as they are (no import of a key used once), and the wrap comes out as
      // the wrapped-DEK field itself.
      const key = derived.key;
      try {
        const wrappedDek = prefixed(kek.key, wrapNonce, dek, wrapAad(identity, fields));
        const after = sealAfterPrefixOf(backend);
        if (after !== undefined) {
          // The payload is encrypted straight behind room for the header, which is then
          // written in place: the ciphertext is never copied (at 16 MiB that copy was
          // half the cost of a seal).
          const out = after(key, nonce, plaintext, payloadAad(identity, fields), headerLength(suite, kek.idBytes.length));
          writeRecordHeader(out, { ...fields, wrappedDek });
          return out;
        }
        const body = prefixed(key, nonce, plaintext, payloadAad(identity, fields));
        return writeRecord({ ...fields, wrappedDek }, body.subarray(NONCE_LENGTH));
      } finally {
        wipe(key);
      }
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
    // A synchronous backend (node): the same steps without four promise hops
    // or two key imports (raw keys go straight to the cipher).
    const { wrappedDek } = record;
    const dek = sync.open(kek.key, wrappedDek.subarray(0, NONCE_LENGTH), wrappedDek.subarray(NONCE_LENGTH), wrapAad(identity, record));
    const { key, commitment } = deriveRecordKeys(dek, record.suite, backend);
    wipe(dek);
    try {
      if (!equal(commitment, record.commitment)) throw decryptFailed();
      return sync.open(key, record.nonce, record.body, payloadAad(identity, record));
    } finally {
      wipe(key);
    }
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
      suite: record.suite,
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
