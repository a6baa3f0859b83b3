/**
 * A keyring stored as a sealed record under the root key: vault id = the
 * owner, record id {@link KEYRING_RECORD_ID}, the store version of the
 * keyring object (`docs/format.md`).
 *
 * @module
 */
import { getBackend } from '#backend';
import { assertObject } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { wipe } from '../crypto/bytes.js';
import type { Keyring } from './keyring.js';
import { decodeKeyringWith, encodeKeyring } from './keyring-codec.js';
import { drawSealInputs, openRecordWith, sealRecordWith, type SealInputs } from './record.js';

/** The record id under which {@link sealKeyring} stores a keyring (its vault id is the owner). */
export const KEYRING_RECORD_ID: string = 'zerovault/keyring';

/** Options of {@link sealKeyring}. */
export interface SealKeyringOptions {
  /** The root key as a KEK (id and version chosen by the client); `key` is 32 bytes, not all zeros. */
  readonly root: { readonly id: string; readonly version: number; readonly key: Uint8Array };
  /** The keyring's owner (user id); the record's vault id. */
  readonly owner: string;
  /** The store version of the keyring record. */
  readonly version: number;
  readonly keyring: Keyring;
}

/** Options of {@link openKeyring}. */
export interface OpenKeyringOptions {
  readonly root: { readonly id: string; readonly version: number; readonly key: Uint8Array };
  readonly owner: string;
  readonly version: number;
  readonly sealed: Uint8Array;
}

/** {@link sealKeyring} with an explicit backend and explicit random inputs. */
export async function sealKeyringWith(options: SealKeyringOptions, inputs: SealInputs, backend: Backend): Promise<Uint8Array> {
  assertObject(options, 'options');
  const plaintext = encodeKeyring(options.keyring);
  try {
    return await sealRecordWith(
      { kek: options.root, vaultId: options.owner, recordId: KEYRING_RECORD_ID, version: options.version, plaintext },
      inputs,
      backend,
    );
  } finally {
    wipe(plaintext);
  }
}

/**
 * Seals a keyring as a record under the root key: vault id = `owner`, record
 * id = {@link KEYRING_RECORD_ID}, the given store `version`.
 *
 * @throws `INVALID_INPUT` on malformed options (an all-zero root key or
 *   keyring key included), before any crypto
 */
export async function sealKeyring(options: SealKeyringOptions): Promise<Uint8Array> {
  const inputs = drawSealInputs();
  try {
    return await sealKeyringWith(options, inputs, getBackend());
  } finally {
    wipe(inputs.dek);
  }
}

/** {@link openKeyring} with an explicit backend. */
export async function openKeyringWith(options: OpenKeyringOptions, backend: Backend): Promise<Keyring> {
  assertObject(options, 'options');
  const plaintext = await openRecordWith(
    { kek: options.root, vaultId: options.owner, recordId: KEYRING_RECORD_ID, version: options.version, sealed: options.sealed },
    backend,
  );
  try {
    // Authenticated under the root key: a keyring that fails to decode (an all-zero key
    // included) was written so by the root key's holder, and is reported as decodeKeyring does.
    return decodeKeyringWith(plaintext, backend);
  } finally {
    wipe(plaintext);
  }
}

/**
 * Opens a keyring sealed by {@link sealKeyring} for the same `owner` and `version`.
 *
 * @throws as `openRecord`, and as `decodeKeyring`
 */
export function openKeyring(options: OpenKeyringOptions): Promise<Keyring> {
  return openKeyringWith(options, getBackend());
}
