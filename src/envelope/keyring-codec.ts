/**
 * The keyring's canonical byte encoding (specified in `docs/format.md`): one
 * byte string per keyring, parsed strictly.
 *
 * ```
 * "ZK" | version 0x01 | x25519 secret | x25519 public | ed25519 secret |
 * ed25519 public | u16 count | count × (k | KEK id (k bytes) | u32 version |
 * active 0/1 | 32-byte key)
 * ```
 *
 * @module
 */
import { getBackend } from '#backend';
import { ed25519PublicKey } from '../crypto/ed25519.js';
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { equal, fromUtf8, i2osp } from '../crypto/bytes.js';
import { KEY_LENGTH, canonicalEntries, checkKeyPair, checkKeyring, compareEntries, type Keyring, type KeyringKek } from './keyring.js';

/** Magic of the keyring encoding: "ZK". */
const KEYRING_MAGIC = [0x5a, 0x4b] as const;
/** The keyring encoding version. */
const KEYRING_VERSION = 1;
/** magic (2) | version (1) | 4 × 32-byte keys | count (2). */
const FIXED_LENGTH = 3 + 4 * KEY_LENGTH + 2;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/**
 * The canonical encoding of a keyring (`docs/format.md`): entries sorted,
 * one active version per id, so equal keyrings encode to equal bytes. Holds
 * secrets; wipe it when done.
 *
 * @throws `INVALID_INPUT` on a malformed keyring (an all-zero key included)
 */
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

/** {@link decodeKeyring} with an explicit backend. */
export function decodeKeyringWith(bytes: Uint8Array, backend: Backend): Keyring {
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
  checkKeyPair(x25519, 'keyring.x25519');
  checkKeyPair(ed, 'keyring.ed25519');
  // Public keys are redundant; a mismatch means the bytes were not written by us.
  if (!equal(backend.x25519PublicKey(x25519.secretKey), x25519.publicKey)) throw invalid('keyring x25519 key pair is inconsistent');
  if (!equal(ed25519PublicKey(ed.secretKey), ed.publicKey)) throw invalid('keyring ed25519 key pair is inconsistent');
  return { keks, x25519, ed25519: ed };
}

/**
 * Decodes {@link encodeKeyring}'s output strictly: canonical order, no
 * trailing bytes, no all-zero key, public keys matching their secret keys.
 *
 * @returns a keyring whose buffers are new copies
 * @throws `UNSUPPORTED` for an unknown keyring version; `INVALID_INPUT` otherwise
 */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  return decodeKeyringWith(bytes, getBackend());
}
