/**
 * Unlock slots: the random root key, wrapped once per way to unlock it.
 *
 * - The **password slot** holds one wrap per OPAQUE export key that may be
 *   current (normally one; two during a password change, so a crash at any
 *   point leaves a password that works). Each entry is
 *   `kid (8) | AES-256-GCM(unlockKey, rootKey)` with
 *   `unlockKey = HKDF(exportKey, "zerovault/v1/root")` and
 *   `kid = HKDF(exportKey, "zerovault/v1/unlock/kid")[0..8]`.
 * - The **recovery slot** holds one wrap under
 *   `HKDF(recoveryExportKey, "zerovault/v1/unlock/recovery")`, where the
 *   recovery export key comes from the OPAQUE recovery credential.
 *
 * Encoding: `"ZS" | 0x01 | count (u8) | count × (kid (8) | u16 length | wrap)`.
 *
 * @module
 */
import { importKey, open as aeadOpen, seal as aeadSeal } from '../crypto/aead.js';
import { concat, equal, utf8, wipe } from '../crypto/bytes.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { ZeroVaultError, decryptFailed } from '../errors.js';

/** Labels of the unlock derivations. */
export const UNLOCK_LABELS = Object.freeze({
  password: LABELS.root,
  kid: LABELS.unlockKid,
  recovery: LABELS.unlockRecovery,
} as const);

const KID_LENGTH = 8;
const MAX_ENTRIES = 8;

/** One wrap of the root key. */
export interface SlotEntry {
  readonly kid: Uint8Array;
  readonly wrapped: Uint8Array;
}

/** The key id of an export key (public, identifies which entry to try). */
export function keyIdOf(exportKey: Uint8Array, label: string = UNLOCK_LABELS.kid): Uint8Array {
  return deriveKey({ ikm: exportKey, label, length: KID_LENGTH });
}

function aadFor(kind: 'password' | 'recovery', kid: Uint8Array): Uint8Array {
  return concat(utf8(`zerovault/v1/slot/${kind}`), kid);
}

/** Wraps the root key for an export key. */
export async function wrapRoot(kind: 'password' | 'recovery', exportKey: Uint8Array, rootKey: Uint8Array): Promise<SlotEntry> {
  const kid = keyIdOf(exportKey);
  const raw = deriveKey({ ikm: exportKey, label: UNLOCK_LABELS[kind], length: 32 });
  try {
    const key = await importKey(raw);
    return { kid, wrapped: await aeadSeal(key, rootKey, aadFor(kind, kid)) };
  } finally {
    wipe(raw);
  }
}

/**
 * Unwraps the root key with an export key, from the entry whose kid matches.
 * @throws `DECRYPT_FAILED` when no entry matches or it does not authenticate
 */
export async function unwrapRoot(kind: 'password' | 'recovery', exportKey: Uint8Array, entries: readonly SlotEntry[]): Promise<Uint8Array> {
  const kid = keyIdOf(exportKey);
  const entry = entries.find((e) => equal(e.kid, kid));
  if (entry === undefined) throw decryptFailed();
  const raw = deriveKey({ ikm: exportKey, label: UNLOCK_LABELS[kind], length: 32 });
  try {
    const key = await importKey(raw);
    return await aeadOpen(key, entry.wrapped, aadFor(kind, kid));
  } finally {
    wipe(raw);
  }
}

/** Encodes slot entries. */
export function encodeSlot(entries: readonly SlotEntry[]): Uint8Array {
  if (entries.length === 0 || entries.length > MAX_ENTRIES) throw new ZeroVaultError('INVALID_INPUT', 'a slot holds 1 to 8 entries');
  const parts: Uint8Array[] = [Uint8Array.of(0x5a, 0x53, 0x01, entries.length)];
  for (const e of entries) {
    if (e.kid.length !== KID_LENGTH || e.wrapped.length > 0xffff) throw new ZeroVaultError('INVALID_INPUT', 'slot entry malformed');
    parts.push(e.kid, Uint8Array.of(e.wrapped.length >>> 8, e.wrapped.length & 0xff), e.wrapped);
  }
  return concat(...parts);
}

/**
 * Decodes a slot strictly.
 * @throws `UNSUPPORTED` for an unknown slot version; `INVALID_INPUT` when malformed
 */
export function decodeSlot(bytes: Uint8Array): SlotEntry[] {
  const bad = (): ZeroVaultError => new ZeroVaultError('INVALID_INPUT', 'unlock slot is malformed');
  if (bytes.length < 4 || bytes[0] !== 0x5a || bytes[1] !== 0x53) throw bad();
  if (bytes[2] !== 0x01) throw new ZeroVaultError('UNSUPPORTED', 'unknown unlock slot version');
  const count = bytes[3] as number;
  if (count === 0 || count > MAX_ENTRIES) throw bad();
  const entries: SlotEntry[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (offset + KID_LENGTH + 2 > bytes.length) throw bad();
    const kid = bytes.slice(offset, offset + KID_LENGTH);
    const length = ((bytes[offset + KID_LENGTH] as number) << 8) | (bytes[offset + KID_LENGTH + 1] as number);
    offset += KID_LENGTH + 2;
    if (offset + length > bytes.length) throw bad();
    entries.push({ kid, wrapped: bytes.slice(offset, offset + length) });
    offset += length;
  }
  if (offset !== bytes.length) throw bad();
  return entries;
}
