/**
 * The keyring: a user's vault KEKs (by id and version, one active version per
 * id) and identity key pairs (X25519 for key agreement, Ed25519 for
 * signatures). A plain value: every change returns a new keyring. Its
 * canonical encoding is in `keyring-codec.ts`, its storage as a sealed
 * record under the root key in `keyring-record.ts`.
 *
 * Every key a keyring holds is 32 bytes and never all zeros (a wiped
 * keyring is refused, not used): `INVALID_INPUT`, checked in constant time.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger, assertObject } from '../crypto/assert.js';
import { wipe } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { MAX_KEK_ID_BYTES, MAX_KEK_VERSION } from './format.js';
import { checkKeyBytes, encodeId } from './inputs.js';

/** One KEK version in a keyring. */
export interface KeyringKek {
  /** 1..255 UTF-8 bytes. */
  readonly id: string;
  /** 0..2^32-1; `addKekVersion` counts up from 1. */
  readonly version: number;
  /** 32 raw bytes, never all zeros. */
  readonly key: Uint8Array;
  /** The version new records are sealed under; exactly one per id. */
  readonly active: boolean;
}

/** A key pair: 32-byte secret (X25519 scalar or Ed25519 seed, never all zeros) and 32-byte public key. */
export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A user's keys. */
export interface Keyring {
  /** Sorted by id (UTF-8 bytes), then version. */
  readonly keks: readonly KeyringKek[];
  /** Key agreement (RFC 7748). */
  readonly x25519: KeyPair;
  /** Signatures (RFC 8032). */
  readonly ed25519: KeyPair;
}

/** u16 count (the encoding's limit). */
const MAX_KEKS = 0xffff;
/** Every key in a keyring. */
export const KEY_LENGTH = 32;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/** Byte-wise order of UTF-8 ids, then versions: the canonical entry order. */
export function compareEntries(a: { idBytes: Uint8Array; version: number }, b: { idBytes: Uint8Array; version: number }): number {
  const n = Math.min(a.idBytes.length, b.idBytes.length);
  for (let i = 0; i < n; i++) {
    const d = (a.idBytes[i] as number) - (b.idBytes[i] as number);
    if (d !== 0) return d;
  }
  return a.idBytes.length - b.idBytes.length || a.version - b.version;
}

/** A checked KEK entry with its encoded id. */
export interface Entry {
  readonly kek: KeyringKek;
  readonly idBytes: Uint8Array;
  readonly version: number;
}

/**
 * Checks a list of KEK entries and returns it in canonical order: unique
 * (id, version), exactly one active version per id.
 */
export function canonicalEntries(keks: unknown): Entry[] {
  if (!Array.isArray(keks)) throw invalid('keyring.keks must be an array');
  if (keks.length > MAX_KEKS) throw invalid(`keyring.keks must hold at most ${MAX_KEKS} entries`);
  const entries = keks.map((value: unknown): Entry => {
    assertObject(value, 'keyring.keks[]');
    const idBytes = encodeId(value.id, 'keyring.keks[].id', MAX_KEK_ID_BYTES);
    assertInteger(value.version, 'keyring.keks[].version', 0, MAX_KEK_VERSION);
    checkKeyBytes(value.key, 'keyring.keks[].key', KEY_LENGTH);
    if (typeof value.active !== 'boolean') throw invalid('keyring.keks[].active must be a boolean');
    const kek: KeyringKek = { id: value.id as string, version: value.version, key: value.key, active: value.active };
    return { kek, idBytes, version: value.version };
  });
  entries.sort(compareEntries);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    const previous = entries[i - 1];
    const sameId = previous !== undefined && previous.kek.id === entry.kek.id;
    if (sameId && previous.version === entry.version) throw invalid('keyring.keks has a duplicate id and version');
    const next = entries[i + 1];
    // Each id's run of versions holds exactly one active entry; check at the run's end.
    if (next === undefined || next.kek.id !== entry.kek.id) {
      let active = 0;
      for (let j = i; j >= 0 && (entries[j] as Entry).kek.id === entry.kek.id; j--) if ((entries[j] as Entry).kek.active) active++;
      if (active !== 1) throw invalid('keyring.keks must have exactly one active version per id');
    }
  }
  return entries;
}

/** Checks an identity key pair's shape; the secret key must not be all zeros. */
export function checkKeyPair(value: unknown, name: string): KeyPair {
  assertObject(value, name);
  checkKeyBytes(value.secretKey, `${name}.secretKey`, KEY_LENGTH);
  assertBytes(value.publicKey, `${name}.publicKey`, KEY_LENGTH);
  return { secretKey: value.secretKey, publicKey: value.publicKey };
}

/** Checks a whole keyring; its KEK entries in canonical order. */
export function checkKeyring(keyring: unknown): { entries: Entry[]; x25519: KeyPair; ed25519: KeyPair } {
  assertObject(keyring, 'keyring');
  return {
    entries: canonicalEntries(keyring.keks),
    x25519: checkKeyPair(keyring.x25519, 'keyring.x25519'),
    ed25519: checkKeyPair(keyring.ed25519, 'keyring.ed25519'),
  };
}

/** Options of {@link addKekVersion}. */
export interface AddKekVersionOptions {
  readonly keyring: Keyring;
  /** The KEK id; a new id starts at version 1. */
  readonly id: string;
  /** Make the new version active (always true for a new id). Default false. */
  readonly activate?: boolean;
}

/** {@link addKekVersion} with the new KEK's key as an explicit input (copied: the keyring owns its keys). */
export function addKekVersionWith(options: AddKekVersionOptions, key: Uint8Array): { keyring: Keyring; kek: KeyringKek } {
  assertObject(options, 'options');
  const { entries, x25519, ed25519: ed } = checkKeyring(options.keyring);
  encodeId(options.id, 'id', MAX_KEK_ID_BYTES);
  if (options.activate !== undefined && typeof options.activate !== 'boolean') throw invalid('activate must be a boolean');
  checkKeyBytes(key, 'key', KEY_LENGTH);
  const id = options.id;
  const versions = entries.filter((e) => e.kek.id === id).map((e) => e.version);
  const version = versions.length === 0 ? 1 : Math.max(...versions) + 1;
  if (version > MAX_KEK_VERSION) throw invalid('id has no KEK version left');
  const active = versions.length === 0 || options.activate === true;
  const kek: KeyringKek = { id, version, key: Uint8Array.from(key), active };
  const keks = entries.map((e) => (active && e.kek.id === id && e.kek.active ? { ...e.kek, active: false } : e.kek));
  return { keyring: normalize([...keks, kek], x25519, ed), kek };
}

/**
 * Adds a KEK version with a fresh random key: version 1 for a new id (then
 * active), else the highest version + 1, active only if `activate` is true
 * (the previous active version then becomes inactive but stays, to open
 * records until they are re-wrapped). Keyrings are values: the input is
 * unchanged, and the result shares its key buffers.
 *
 * @returns `{ keyring, kek }`: the new keyring and the added entry
 * @throws `INVALID_INPUT` on a malformed keyring (an all-zero key included) or id
 */
export function addKekVersion(options: AddKekVersionOptions): { keyring: Keyring; kek: KeyringKek } {
  const key = randomBytes(KEY_LENGTH);
  try {
    return addKekVersionWith(options, key);
  } finally {
    wipe(key);
  }
}

/** Options of {@link setActiveKek}. */
export interface SetActiveKekOptions {
  readonly keyring: Keyring;
  readonly id: string;
  readonly version: number;
}

/**
 * Marks `(id, version)` as the active KEK for `id`; the other versions of
 * `id` become inactive.
 *
 * @returns the new keyring (the input is unchanged)
 * @throws `NOT_FOUND` when the keyring lacks that KEK; `INVALID_INPUT` on a malformed keyring
 */
export function setActiveKek(options: SetActiveKekOptions): Keyring {
  assertObject(options, 'options');
  const { entries, x25519, ed25519: ed } = checkKeyring(options.keyring);
  const { id, version } = options;
  if (!entries.some((e) => e.kek.id === id && e.version === version)) {
    throw new ZeroVaultError('NOT_FOUND', 'the keyring has no KEK with this id and version');
  }
  const keks = entries.map((e) => (e.kek.id === id ? { ...e.kek, active: e.version === version } : e.kek));
  return normalize(keks, x25519, ed);
}

/** Options of {@link activeKek}. */
export interface ActiveKekOptions {
  readonly keyring: Keyring;
  readonly id: string;
}

/**
 * The active KEK for `id`: the one to seal new records under.
 *
 * @throws `NOT_FOUND` when the keyring has no KEK with that id; `INVALID_INPUT` on a malformed keyring
 */
export function activeKek(options: ActiveKekOptions): KeyringKek {
  assertObject(options, 'options');
  const { entries } = checkKeyring(options.keyring);
  const { id } = options;
  const found = entries.find((e) => e.kek.id === id && e.kek.active);
  if (found === undefined) throw new ZeroVaultError('NOT_FOUND', 'the keyring has no KEK with this id');
  return found.kek;
}

function normalize(keks: readonly KeyringKek[], x25519: KeyPair, ed: KeyPair): Keyring {
  return { keks: canonicalEntries(keks).map((e) => e.kek), x25519, ed25519: ed };
}
