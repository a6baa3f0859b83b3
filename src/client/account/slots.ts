/**
 * Unlock slots: the random root key, wrapped once per way to unlock it. The
 * slot's byte layout is `formats/slots.ts`; this module makes and opens the
 * wraps, which need the account's key hierarchy and fresh AEAD nonces (the
 * server never unwraps anything, so this stays on the client).
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
 * @module
 */
import { importKey, open as aeadOpen, seal as aeadSeal } from '../../crypto/aead.js';
import { concat, equal, utf8, wipe } from '../../crypto/bytes.js';
import { LABELS, deriveKey } from '../../crypto/kdf.js';
import { decryptFailed } from '../../errors.js';
import { SLOT_KID_LENGTH, type SlotEntry } from '../../formats/slots.js';

/** Labels of the unlock derivations. */
export const UNLOCK_LABELS = Object.freeze({
  password: LABELS.root,
  kid: LABELS.unlockKid,
  recovery: LABELS.unlockRecovery,
} as const);

/** The key id of an export key (public, identifies which entry to try). */
export function keyIdOf(exportKey: Uint8Array, label: string = UNLOCK_LABELS.kid): Uint8Array {
  return deriveKey({ ikm: exportKey, label, length: SLOT_KID_LENGTH });
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
