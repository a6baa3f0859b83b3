/**
 * Grants: a vault's KEK versions and a role, sealed by the vault's owner to
 * one grantee with HPKE auth mode (RFC 9180 §5.1.3, via `zerovault/seal`).
 * The bytes (header, AAD, KEK list) are `formats/grant.ts`.
 *
 * The sealed blob is `seal(plaintext, { to: grantee X25519, senderSecretKey:
 * owner X25519 secret, aad })`; the grantee opens it with its secret key and
 * `senderPublicKey` = the owner's X25519 key from the owner's verified key log, so a
 * grant opens only if the owner made it for exactly this (owner, vault,
 * grantee, role, epoch).
 *
 * Auth mode authenticates the owner *to the grantee only* (the grantee could
 * compute the same shared secret), so a grant proves nothing to third
 * parties: who may write is the owner-signed membership list's job.
 *
 * @module
 */
import { concat, wipe } from '../../crypto/bytes.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import {
  GRANT_HEADER_LENGTH,
  decodeGrantHeader,
  decodeGrantKeks,
  encodeGrantHeader,
  encodeGrantKeks,
  grantAad,
  type GrantKek,
  type GrantPlace,
  type Role,
} from '../../formats/grant.js';
import type * as sealApi from '../../seal/index.js';

type SealModule = typeof sealApi;

/** HPKE sealing, loaded on first use: only sharing needs it, so apps that never share don't download it. */
function loadSeal(): Promise<SealModule> {
  return loadOnDemand(() => import('../../seal/index.js'));
}

/** Inputs of {@link sealGrant}. */
export interface SealGrantOptions extends GrantPlace {
  readonly role: Role;
  readonly epoch: number;
  readonly keks: readonly GrantKek[];
  /** The grantee's X25519 public key. */
  readonly recipient: Uint8Array;
  /** The owner's X25519 secret key. */
  readonly sender: Uint8Array;
}

/** Inputs of {@link openGrant}. */
export interface OpenGrantOptions extends GrantPlace {
  readonly grant: Uint8Array;
  /** The grantee's X25519 secret key. */
  readonly secretKey: Uint8Array;
  /** The owner's X25519 public key. */
  readonly sender: Uint8Array;
}

/** An opened grant. */
export interface OpenedGrant {
  readonly role: Role;
  readonly epoch: number;
  readonly keks: readonly GrantKek[];
}

/** Seals a grant (see the module comment). */
export async function sealGrant(options: SealGrantOptions): Promise<Uint8Array> {
  const head = encodeGrantHeader({ role: options.role, epoch: options.epoch });
  const plaintext = encodeGrantKeks(options.keks);
  try {
    const { seal } = await loadSeal();
    const sealed = await seal(plaintext, { to: options.recipient, senderSecretKey: options.sender, aad: grantAad(options, head) });
    return concat(head, sealed);
  } finally {
    wipe(plaintext);
  }
}

/**
 * Opens a grant made for `grantee` by `owner`.
 * @throws `INVALID_INPUT` / `UNSUPPORTED` for a malformed header; `DECRYPT_FAILED`
 *   when it was not sealed by that owner for exactly this place, role and epoch
 */
export async function openGrant(options: OpenGrantOptions): Promise<OpenedGrant> {
  const grant = Uint8Array.from(options.grant);
  const { role, epoch } = decodeGrantHeader(grant);
  const head = grant.subarray(0, GRANT_HEADER_LENGTH);
  const { open } = await loadSeal();
  const plaintext = await open(grant.subarray(GRANT_HEADER_LENGTH), { secretKey: options.secretKey, senderPublicKey: options.sender, aad: grantAad(options, head) });
  try {
    return { role, epoch, keks: decodeGrantKeks(plaintext) };
  } finally {
    wipe(plaintext);
  }
}
