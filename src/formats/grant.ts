/**
 * The grant format: a vault's KEK versions and a role, sealed by the vault's
 * owner to one grantee with HPKE auth mode (RFC 9180 §5.1.3). This module
 * holds the bytes (header, AAD, the KEK list); sealing and opening, which
 * need `zerovault/seal`, are the client's (`client/grant.ts`). Vectors:
 * `test/vectors/zerovault/grants-v1.json`.
 *
 *     "ZG" (0x5a 0x47) | 0x01 | role (u8: 1 read, 2 write) | epoch (u32, ≥ 1) | sealed blob
 *     aad       = "zerovault/v1/grant" || 0x00 || lp(owner) || lp(vault) || lp(grantee) || the 8 header bytes
 *     plaintext = count (u8, 1..255) || count × ( kekVersion (u32) || active (u8: 0 or 1) || key (32) )
 *
 * Versions ascend strictly; exactly one is active (the one new records are
 * sealed under).
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, labelled, lp, u32, u8 } from './codec.js';

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

/** A grant's clear header. */
export interface GrantHeader {
  readonly role: Role;
  readonly epoch: number;
}

const LABEL = 'zerovault/v1/grant';
const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x47;
const VERSION = 1;
/** Bytes of a grant's clear header; the sealed blob follows. */
export const GRANT_HEADER_LENGTH = 8;
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

/**
 * Encodes a grant's clear header.
 * @throws `INVALID_INPUT` for an unknown role or an epoch outside 1..2^32-1
 */
export function encodeGrantHeader(header: GrantHeader): Uint8Array {
  assertRole(header.role);
  if (!Number.isSafeInteger(header.epoch) || header.epoch < 1 || header.epoch > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'epoch out of range');
  return concat(Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u8(roleCode(header.role)), u32(header.epoch));
}

/**
 * Parses a grant's clear header (no crypto). A grant must carry a sealed
 * blob after it.
 * @throws `INVALID_INPUT` when malformed; `UNSUPPORTED` for an unknown version
 */
export function decodeGrantHeader(grant: Uint8Array): GrantHeader {
  if (grant.length < 3 || grant[0] !== MAGIC_0 || grant[1] !== MAGIC_1) throw malformed();
  if (grant[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown grant version');
  if (grant.length <= GRANT_HEADER_LENGTH) throw malformed();
  const reader = new Reader(grant.subarray(3, GRANT_HEADER_LENGTH), malformed);
  const role = roleOf(reader.u8());
  const epoch = reader.u32();
  if (role === undefined || epoch < 1) throw malformed();
  return { role, epoch };
}

/** The AAD a grant is sealed with: its place and its header. */
export function grantAad(place: GrantPlace, header: Uint8Array): Uint8Array {
  return labelled(LABEL, lp(utf8(place.owner)), lp(utf8(place.vault)), lp(utf8(place.grantee)), header);
}

function checkKeks(keks: readonly GrantKek[], bad: () => ZeroVaultError): void {
  if (keks.length < 1 || keks.length > 255) throw bad();
  let active = 0;
  keks.forEach((k, i) => {
    if (!Number.isSafeInteger(k.version) || k.version < 0 || k.version > 0xffffffff || k.key.length !== 32) throw bad();
    if (i > 0 && (keks[i - 1] as GrantKek).version >= k.version) throw bad();
    if (k.active) active++;
  });
  if (active !== 1) throw bad();
}

/**
 * Encodes the KEK list a grant seals.
 * @throws `INVALID_INPUT` unless 1..255 versions ascend strictly, with 32-byte keys and exactly one active
 */
export function encodeGrantKeks(keks: readonly GrantKek[]): Uint8Array {
  checkKeks(keks, () => new ZeroVaultError('INVALID_INPUT', 'a grant carries 1 to 255 KEK versions, ascending, with exactly one active'));
  return concat(u8(keks.length), ...keks.map((k) => concat(u32(k.version), u8(k.active ? 1 : 0), k.key)));
}

/**
 * Decodes the KEK list of an opened grant strictly. The keys are copies.
 * @throws `INVALID_INPUT` when malformed
 */
export function decodeGrantKeks(bytes: Uint8Array): GrantKek[] {
  const reader = new Reader(bytes, malformed);
  const count = reader.u8();
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
