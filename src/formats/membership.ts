/**
 * Membership lists: who may read and write a shared vault, signed by its
 * owner. Stored in the clear as the record `_zv.members` of the vault, in the
 * owner's namespace; every member reads it to check who wrote each record
 * (vectors: `test/vectors/zerovault/membership-v1.json`).
 *
 *     "ZA" (0x5a 0x41) | 0x01 | epoch (u32, ≥ 1) | kekVersion (u32) | u8 len | owner | u8 len | vault
 *       | count (u16) | count × ( u8 len | userId | role (u8: 1 read, 2 write) | x25519 public (32) | ed25519 public (32) )
 *       | signature (64)
 *
 * User ids (owner and members) are normalized. Members are sorted strictly
 * by user id bytes; the owner is not listed (it may always write). The keys are the ones the owner accepted for the member
 * when sharing: grants are sealed to that X25519 key, and that Ed25519 key
 * is the one the member's records must be signed with. The signature is Ed25519 by the owner over
 * `"zerovault/v1/membership" || 0x00 || every byte before it`. The epoch
 * grows with every change of members or keys, and clients remember the
 * highest epoch they have seen, so a store cannot bring back an older list.
 * `kekVersion` is the vault's active KEK version when the list was signed:
 * a member refuses to write with a grant whose active version is older, so a
 * store that serves a stale grant (one from before a revocation) cannot make
 * a member seal new records under a key the revoked user holds.
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError, authFailed } from '../errors.js';
import { Reader, compareBytes, str8, u16, u32, u8 } from './codec.js';
import { roleCode, roleOf, type Role } from './grant.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, sign, verify } from './signature.js';
import { isNormalizedUserId } from './user-id.js';

const LABEL = 'zerovault/v1/membership';
const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x41;
const VERSION = 1;
const MAX_MEMBERS = 0xffff;

/** One member of a shared vault. */
export interface Member {
  /** Normalized user id. */
  readonly userId: string;
  readonly role: Role;
  /** The member's X25519 public key, as the owner accepted it: grants are sealed to it. */
  readonly x25519: Uint8Array;
  /** The member's Ed25519 public key, as the owner accepted it: the key its records are signed with. */
  readonly ed25519: Uint8Array;
}

/** A membership list. */
export interface Membership {
  readonly owner: string;
  readonly vault: string;
  readonly epoch: number;
  /** The vault's active KEK version when the list was signed; grants used for writing must carry at least this one. */
  readonly kekVersion: number;
  /** Sorted by user id bytes. */
  readonly members: readonly Member[];
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'membership list is malformed');
}

function sorted(members: readonly Member[]): Member[] {
  const out = [...members].sort((a, b) => compareBytes(utf8(a.userId), utf8(b.userId)));
  out.forEach((m, i) => {
    if (i > 0 && (out[i - 1] as Member).userId === m.userId) throw new ZeroVaultError('INVALID_INPUT', 'members must be distinct');
  });
  return out;
}

function body(list: Membership): Uint8Array {
  if (!Number.isSafeInteger(list.epoch) || list.epoch < 1 || list.epoch > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'epoch out of range');
  if (list.members.length > MAX_MEMBERS) throw new ZeroVaultError('INVALID_INPUT', 'too many members');
  const entries = sorted(list.members).map((m) => {
    if (m.x25519.length !== PUBLIC_KEY_LENGTH || m.ed25519.length !== PUBLIC_KEY_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'member keys must be 32 bytes');
    if (!isNormalizedUserId(m.userId) || m.userId === list.owner) throw new ZeroVaultError('INVALID_INPUT', 'members must be normalized user ids other than the owner');
    return concat(str8(m.userId, 'userId'), u8(roleCode(m.role)), m.x25519, m.ed25519);
  });
  if (!Number.isSafeInteger(list.kekVersion) || list.kekVersion < 0 || list.kekVersion > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'kekVersion out of range');
  if (!isNormalizedUserId(list.owner)) throw new ZeroVaultError('INVALID_INPUT', 'owner must be a normalized user id');
  return concat(Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u32(list.epoch), u32(list.kekVersion), str8(list.owner, 'owner'), str8(list.vault, 'vault'), u16(entries.length), ...entries);
}

/** Encodes a membership list and signs it with the owner's Ed25519 seed. */
export function signMembership(list: Membership, ownerSigningKey: Uint8Array): Uint8Array {
  const b = body(list);
  return concat(b, sign(ownerSigningKey, LABEL, b));
}

/**
 * Parses a membership list strictly, without checking the signature. The
 * result is a copy.
 * @throws `INVALID_INPUT` when malformed; `UNSUPPORTED` for an unknown version
 */
export function decodeMembership(bytes: Uint8Array): Membership & { readonly body: Uint8Array; readonly signature: Uint8Array } {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown membership list version');
  const copy = Uint8Array.from(bytes);
  const reader = new Reader(copy, malformed);
  reader.bytes(3);
  const epoch = reader.u32();
  if (epoch < 1) throw malformed();
  const kekVersion = reader.u32();
  const owner = reader.str8();
  if (!isNormalizedUserId(owner)) throw malformed();
  const vault = reader.str8();
  const count = reader.u16();
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const userId = reader.str8();
    if (!isNormalizedUserId(userId) || userId === owner) throw malformed();
    const role = roleOf(reader.u8());
    if (role === undefined) throw malformed();
    const previous = members[members.length - 1];
    if (previous !== undefined && compareBytes(utf8(previous.userId), utf8(userId)) >= 0) throw malformed();
    const x25519 = reader.bytes(PUBLIC_KEY_LENGTH);
    members.push({ userId, role, x25519, ed25519: reader.bytes(PUBLIC_KEY_LENGTH) });
  }
  const bodyLength = reader.offset;
  const signature = reader.bytes(SIGNATURE_LENGTH);
  reader.end();
  return { owner, vault, epoch, kekVersion, members, body: copy.subarray(0, bodyLength), signature };
}

/**
 * Parses and verifies a membership list for `(owner, vault)`.
 * @throws `AUTH_FAILED` (one message) unless it is well formed, for this
 *   owner and vault, and signed by `ownerEd25519`
 */
export function openMembership(bytes: Uint8Array, expected: { owner: string; vault: string; ownerEd25519: Uint8Array }): Membership {
  let list: ReturnType<typeof decodeMembership>;
  try {
    list = decodeMembership(bytes);
  } catch {
    throw authFailed();
  }
  if (list.owner !== expected.owner || list.vault !== expected.vault || !verify(expected.ownerEd25519, list.signature, LABEL, list.body)) {
    throw authFailed();
  }
  return { owner: list.owner, vault: list.vault, epoch: list.epoch, kekVersion: list.kekVersion, members: list.members };
}
