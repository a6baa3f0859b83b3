/**
 * Grants: a vault's KEK versions and a role, sealed by the vault's owner to
 * one grantee with HPKE auth mode (RFC 9180 §5.1.3, via `zerovault/seal`).
 *
 *     "ZG" (0x5a 0x47) | 0x01 | role (u8: 1 read, 2 write) | epoch (u32) | sealed blob
 *     aad       = "zerovault/v1/grant" || 0x00 || lp(owner) || lp(vault) || lp(grantee) || the 8 header bytes
 *     plaintext = count (u8, 1..255) || count × ( kekVersion (u32) || active (u8: 0 or 1) || key (32) )
 *
 * The sealed blob is `seal(plaintext, { to: grantee X25519, senderSecretKey:
 * owner X25519 secret, aad })`; the grantee opens it with its secret key and
 * `senderPublicKey` = the owner's X25519 key from the owner's verified key log, so a
 * grant opens only if the owner made it for exactly this (owner, vault,
 * grantee, role, epoch). Versions ascend strictly; exactly one is active
 * (the one new records are sealed under).
 *
 * Auth mode authenticates the owner *to the grantee only* (the grantee could
 * compute the same shared secret), so a grant proves nothing to third
 * parties: who may write is the owner-signed membership list's job.
 *
 * @module
 */
import { concat, utf8, wipe } from '../crypto/bytes.js';
import { loadOnDemand } from '../crypto/lazy.js';
import { ZeroVaultError } from '../errors.js';
import type * as sealApi from '../seal/index.js';
import { Reader, labelled, lp, u32, u8 } from './codec.js';

type SealModule = typeof sealApi;

/** HPKE sealing, loaded on first use: only sharing needs it, so apps that never share don't download it. */
function loadSeal(): Promise<SealModule> {
  return loadOnDemand(() => import('../seal/index.js'));
}

/** A member's role in a shared vault. */
export type Role = 'read' | 'write';

/** One KEK version carried by a grant. */
export interface GrantKek {
  readonly version: number;
  /** 32 bytes. */
  readonly key: Uint8Array;
  readonly active: boolean;
}

/** Where a grant belongs; bound into its AAD. Ids are normalized. */
export interface GrantPlace {
  readonly owner: string;
  readonly vault: string;
  readonly grantee: string;
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

const LABEL = 'zerovault/v1/grant';
const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x47;
const VERSION = 1;
const HEADER_LENGTH = 8;
const ROLE_CODES: Readonly<Record<Role, number>> = { read: 1, write: 2 };

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'grant is malformed');
}

/** The role's wire code (1 read, 2 write). */
export function roleCode(role: Role): number {
  return ROLE_CODES[role];
}

/** The role of a wire code, or `undefined`. */
export function roleOf(code: number): Role | undefined {
  return code === 1 ? 'read' : code === 2 ? 'write' : undefined;
}

/** Asserts `value` is a role. */
export function assertRole(value: unknown, name = 'role'): asserts value is Role {
  if (value !== 'read' && value !== 'write') throw new ZeroVaultError('INVALID_INPUT', `${name} must be 'read' or 'write'`);
}

function header(role: Role, epoch: number): Uint8Array {
  if (!Number.isSafeInteger(epoch) || epoch < 1 || epoch > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'epoch out of range');
  return concat(Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u8(roleCode(role)), u32(epoch));
}

function aad(place: GrantPlace, head: Uint8Array): Uint8Array {
  return labelled(LABEL, lp(utf8(place.owner)), lp(utf8(place.vault)), lp(utf8(place.grantee)), head);
}

function encodeKeks(keks: readonly GrantKek[]): Uint8Array {
  if (keks.length < 1 || keks.length > 255) throw new ZeroVaultError('INVALID_INPUT', 'a grant carries 1 to 255 KEK versions');
  checkKeks(keks, () => new ZeroVaultError('INVALID_INPUT', 'grant KEKs must ascend by version with exactly one active'));
  return concat(u8(keks.length), ...keks.map((k) => concat(u32(k.version), u8(k.active ? 1 : 0), k.key)));
}

function checkKeks(keks: readonly GrantKek[], bad: () => ZeroVaultError): void {
  let active = 0;
  keks.forEach((k, i) => {
    if (!Number.isSafeInteger(k.version) || k.version < 0 || k.version > 0xffffffff || k.key.length !== 32) throw bad();
    if (i > 0 && (keks[i - 1] as GrantKek).version >= k.version) throw bad();
    if (k.active) active++;
  });
  if (active !== 1) throw bad();
}

function decodeKeks(bytes: Uint8Array): GrantKek[] {
  const reader = new Reader(bytes, malformed);
  const count = reader.u8();
  if (count === 0) throw malformed();
  const keks: GrantKek[] = [];
  for (let i = 0; i < count; i++) {
    const version = reader.u32();
    const flag = reader.u8();
    if (flag > 1) throw malformed();
    keks.push({ version, active: flag === 1, key: reader.bytes(32) });
  }
  reader.end();
  checkKeks(keks, malformed);
  return keks;
}

/**
 * Parses a grant's clear header (no crypto).
 * @throws `INVALID_INPUT` when malformed; `UNSUPPORTED` for an unknown version
 */
export function parseGrantHeader(grant: Uint8Array): { role: Role; epoch: number } {
  if (grant.length < 3 || grant[0] !== MAGIC_0 || grant[1] !== MAGIC_1) throw malformed();
  if (grant[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown grant version');
  if (grant.length <= HEADER_LENGTH) throw malformed();
  const role = roleOf(grant[3] as number);
  const epoch = new DataView(grant.buffer, grant.byteOffset + 4, 4).getUint32(0);
  if (role === undefined || epoch < 1) throw malformed();
  return { role, epoch };
}

/** Seals a grant (see the module comment). */
export async function sealGrant(options: SealGrantOptions): Promise<Uint8Array> {
  assertRole(options.role);
  const head = header(options.role, options.epoch);
  const plaintext = encodeKeks(options.keks);
  try {
    const { seal } = await loadSeal();
    const sealed = await seal(plaintext, { to: options.recipient, senderSecretKey: options.sender, aad: aad(options, head) });
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
  const { role, epoch } = parseGrantHeader(grant);
  const head = grant.subarray(0, HEADER_LENGTH);
  const { open } = await loadSeal();
  const plaintext = await open(grant.subarray(HEADER_LENGTH), { secretKey: options.secretKey, senderPublicKey: options.sender, aad: aad(options, head) });
  try {
    return { role, epoch, keks: decodeKeks(plaintext) };
  } finally {
    wipe(plaintext);
  }
}
