/**
 * The keyring: a user's vault KEKs (by id and version, one active version per
 * id) and identity key pairs (X25519 for key agreement, Ed25519 for
 * signatures). A plain value: every change returns a new keyring. It is
 * stored as a sealed record under the root key; its plaintext encoding is
 * canonical (one byte string per keyring), specified in `docs/format.md`.
 *
 * @module
 */
import { getBackend } from '#backend';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger, assertObject } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { equal, fromUtf8, i2osp, wipe } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { MAX_KEK_ID_BYTES, MAX_KEK_VERSION } from './format.js';
import { encodeId } from './inputs.js';
import { openRecordWith, sealRecordWith, type RecordInternals } from './record.js';

/** One KEK version in a keyring. */
export interface KeyringKek {
  /** 1..255 UTF-8 bytes. */
  readonly id: string;
  /** 0..2^32-1; `addKekVersion` counts up from 1. */
  readonly version: number;
  /** 32 raw bytes. */
  readonly key: Uint8Array;
  /** The version new records are sealed under; exactly one per id. */
  readonly active: boolean;
}

/** A key pair: 32-byte secret (X25519 scalar or Ed25519 seed) and 32-byte public key. */
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

/** Record id under which a keyring is sealed. */
export const KEYRING_RECORD_ID = 'zerovault/keyring';
/** Magic of the keyring encoding: "ZK". */
const KEYRING_MAGIC = [0x5a, 0x4b] as const;
/** The keyring encoding version. */
const KEYRING_VERSION = 1;
/** u16 count. */
const MAX_KEKS = 0xffff;
const KEY_LENGTH = 32;
/** magic (2) | version (1) | 4 × 32-byte keys | count (2). */
const FIXED_LENGTH = 3 + 4 * KEY_LENGTH + 2;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/** Byte-wise order of UTF-8 ids, then versions: the canonical entry order. */
function compareEntries(a: { idBytes: Uint8Array; version: number }, b: { idBytes: Uint8Array; version: number }): number {
  const n = Math.min(a.idBytes.length, b.idBytes.length);
  for (let i = 0; i < n; i++) {
    const d = (a.idBytes[i] as number) - (b.idBytes[i] as number);
    if (d !== 0) return d;
  }
  return a.idBytes.length - b.idBytes.length || a.version - b.version;
}

interface Entry {
  readonly kek: KeyringKek;
  readonly idBytes: Uint8Array;
  readonly version: number;
}

/**
 * Checks a list of KEK entries and returns it in canonical order: unique
 * (id, version), exactly one active version per id.
 */
function canonicalEntries(keks: unknown): Entry[] {
  if (!Array.isArray(keks)) throw invalid('keyring.keks must be an array');
  if (keks.length > MAX_KEKS) throw invalid(`keyring.keks must hold at most ${MAX_KEKS} entries`);
  const entries = keks.map((value: unknown): Entry => {
    assertObject(value, 'keyring.keks[]');
    const idBytes = encodeId(value.id, 'keyring.keks[].id', MAX_KEK_ID_BYTES);
    assertInteger(value.version, 'keyring.keks[].version', 0, MAX_KEK_VERSION);
    assertBytes(value.key, 'keyring.keks[].key', KEY_LENGTH);
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

function checkKeyPair(value: unknown, name: string): KeyPair {
  assertObject(value, name);
  assertBytes(value.secretKey, `${name}.secretKey`, KEY_LENGTH);
  assertBytes(value.publicKey, `${name}.publicKey`, KEY_LENGTH);
  return { secretKey: value.secretKey, publicKey: value.publicKey };
}

function checkKeyring(keyring: unknown): { entries: Entry[]; x25519: KeyPair; ed25519: KeyPair } {
  assertObject(keyring, 'keyring');
  return {
    entries: canonicalEntries(keyring.keks),
    x25519: checkKeyPair(keyring.x25519, 'keyring.x25519'),
    ed25519: checkKeyPair(keyring.ed25519, 'keyring.ed25519'),
  };
}

/**
 * A new keyring with fresh identity key pairs and no KEKs.
 * @internal `backend` is for tests.
 */
export function createKeyringWith(backend: Backend = getBackend()): Keyring {
  const x = randomBytes(KEY_LENGTH);
  const e = randomBytes(KEY_LENGTH);
  return {
    keks: [],
    x25519: { secretKey: x, publicKey: backend.x25519PublicKey(x) },
    ed25519: { secretKey: e, publicKey: ed25519.getPublicKey(e) },
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

/** See the package export `addKekVersion`. */
export function addKekVersion(options: AddKekVersionOptions): { keyring: Keyring; kek: KeyringKek } {
  assertObject(options, 'options');
  const { entries, x25519, ed25519: ed } = checkKeyring(options.keyring);
  encodeId(options.id, 'id', MAX_KEK_ID_BYTES);
  if (options.activate !== undefined && typeof options.activate !== 'boolean') throw invalid('activate must be a boolean');
  const id = options.id;
  const versions = entries.filter((e) => e.kek.id === id).map((e) => e.version);
  const version = versions.length === 0 ? 1 : Math.max(...versions) + 1;
  if (version > MAX_KEK_VERSION) throw invalid('id has no KEK version left');
  const active = versions.length === 0 || options.activate === true;
  const kek: KeyringKek = { id, version, key: randomBytes(KEY_LENGTH), active };
  const keks = entries.map((e) => (active && e.kek.id === id && e.kek.active ? { ...e.kek, active: false } : e.kek));
  return { keyring: normalize([...keks, kek], x25519, ed), kek };
}

/** Options of {@link setActiveKek}. */
export interface SetActiveKekOptions {
  readonly keyring: Keyring;
  readonly id: string;
  readonly version: number;
}

/** See the package export `setActiveKek`. */
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

/** See the package export `activeKek`. */
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

/** See the package export `encodeKeyring`. */
export function encodeKeyring(keyring: Keyring): Uint8Array {
  const { entries, x25519, ed25519: ed } = checkKeyring(keyring);
  let length = FIXED_LENGTH;
  for (const e of entries) length += 1 + e.idBytes.length + 4 + 1 + KEY_LENGTH;
  const out = new Uint8Array(length);
  out.set([...KEYRING_MAGIC, KEYRING_VERSION], 0);
  let offset = 3;
  for (const key of [x25519.secretKey, x25519.publicKey, ed.secretKey, ed.publicKey]) {
    out.set(key, offset);
    offset += KEY_LENGTH;
  }
  out.set(i2osp(entries.length, 2), offset);
  offset += 2;
  for (const e of entries) {
    out[offset++] = e.idBytes.length;
    out.set(e.idBytes, offset);
    offset += e.idBytes.length;
    out.set(i2osp(e.version, 4), offset);
    offset += 4;
    out[offset++] = e.kek.active ? 1 : 0;
    out.set(e.kek.key, offset);
    offset += KEY_LENGTH;
  }
  return out;
}

/** See the package export `decodeKeyring`. @internal `backend` is for tests. */
export function decodeKeyringWith(bytes: Uint8Array, backend: Backend = getBackend()): Keyring {
  assertBytes(bytes, 'bytes');
  if (bytes.length < 2 || bytes[0] !== KEYRING_MAGIC[0] || bytes[1] !== KEYRING_MAGIC[1]) {
    throw invalid('bytes are not a zerovault keyring');
  }
  if (bytes.length < 3) throw invalid('keyring is truncated');
  if (bytes[2] !== KEYRING_VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unsupported keyring version');
  if (bytes.length < FIXED_LENGTH) throw invalid('keyring is truncated');
  const take = (offset: number, length: number): Uint8Array => {
    if (offset + length > bytes.length) throw invalid('keyring is truncated');
    return bytes.slice(offset, offset + length);
  };
  const x25519 = { secretKey: take(3, KEY_LENGTH), publicKey: take(35, KEY_LENGTH) };
  const ed = { secretKey: take(67, KEY_LENGTH), publicKey: take(99, KEY_LENGTH) };
  const count = ((bytes[131] as number) << 8) | (bytes[132] as number);
  let offset = FIXED_LENGTH;
  const keks: KeyringKek[] = [];
  const entryBytes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const k = take(offset, 1)[0] as number;
    if (k === 0) throw invalid('keyring has an empty KEK id');
    const idBytes = take(offset + 1, k);
    const id = fromUtf8(idBytes);
    const v = take(offset + 1 + k, 4);
    const version = (v[0] as number) * 0x100_0000 + (((v[1] as number) << 16) | ((v[2] as number) << 8) | (v[3] as number));
    const flag = take(offset + 5 + k, 1)[0] as number;
    if (flag > 1) throw invalid('keyring has an invalid active flag');
    keks.push({ id, version, key: take(offset + 6 + k, KEY_LENGTH), active: flag === 1 });
    entryBytes.push(idBytes);
    offset += 6 + k + KEY_LENGTH;
  }
  if (offset !== bytes.length) throw invalid('keyring has trailing bytes');
  // Canonical: entries must already be in order (re-encoding gives the same bytes).
  for (let i = 1; i < keks.length; i++) {
    const a = { idBytes: entryBytes[i - 1] as Uint8Array, version: (keks[i - 1] as KeyringKek).version };
    const b = { idBytes: entryBytes[i] as Uint8Array, version: (keks[i] as KeyringKek).version };
    if (compareEntries(a, b) >= 0) throw invalid('keyring entries are not in canonical order');
  }
  canonicalEntries(keks);
  // Public keys are redundant; a mismatch means the bytes were not written by us.
  if (!equal(backend.x25519PublicKey(x25519.secretKey), x25519.publicKey)) throw invalid('keyring x25519 key pair is inconsistent');
  if (!equal(ed25519.getPublicKey(ed.secretKey), ed.publicKey)) throw invalid('keyring ed25519 key pair is inconsistent');
  return { keks, x25519, ed25519: ed };
}

/** Options of `sealKeyring`. */
export interface SealKeyringOptions {
  /** The root key as a KEK (id and version chosen by the client). */
  readonly root: { readonly id: string; readonly version: number; readonly key: Uint8Array };
  /** The keyring's owner (user id); the record's vault id. */
  readonly owner: string;
  /** The store version of the keyring record. */
  readonly version: number;
  readonly keyring: Keyring;
}

/** See the package export `sealKeyring`. */
export async function sealKeyringWith(options: SealKeyringOptions, internals: RecordInternals = {}): Promise<Uint8Array> {
  assertObject(options, 'options');
  const plaintext = encodeKeyring(options.keyring);
  try {
    return await sealRecordWith(
      { kek: options.root, vaultId: options.owner, recordId: KEYRING_RECORD_ID, version: options.version, plaintext },
      internals,
    );
  } finally {
    wipe(plaintext);
  }
}

/** Options of `openKeyring`. */
export interface OpenKeyringOptions {
  readonly root: { readonly id: string; readonly version: number; readonly key: Uint8Array };
  readonly owner: string;
  readonly version: number;
  readonly sealed: Uint8Array;
}

/** See the package export `openKeyring`. */
export async function openKeyringWith(options: OpenKeyringOptions, internals: RecordInternals = {}): Promise<Keyring> {
  assertObject(options, 'options');
  const plaintext = await openRecordWith(
    { kek: options.root, vaultId: options.owner, recordId: KEYRING_RECORD_ID, version: options.version, sealed: options.sealed },
    internals,
  );
  try {
    return decodeKeyringWith(plaintext, internals.backend);
  } finally {
    wipe(plaintext);
  }
}
