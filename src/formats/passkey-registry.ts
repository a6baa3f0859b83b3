/**
 * The passkey registry: the account's own list of its passkey slots' public
 * keys, sealed under the root key as the meta record `passkeys` (sealed
 * record v1, `client/account/meta-record.ts`). It is what vouches for a
 * slot's public key when the root key is sealed to it without the
 * authenticator (a root-key rotation), so a server cannot slip in a key of
 * its own; `session.passkeys()` marks a passkey the server lists but the
 * registry does not hold as unverified. This module is the plaintext's
 * bytes (vectors: `test/vectors/zerovault/passkey-slot-v1.json`, `registry`):
 *
 *     "ZQ" (0x5a 0x51) | 0x01 | count (u8, 0..32)
 *       | count × ( lp16(credentialId) | createdAt (u64, ms) | flags (u8) | [publicKey (32) | sealerSeed (32)] | name (u8 length 1..255, UTF-8) )
 *
 * `credentialId` is the raw credential id (16..1023 bytes, `lp16` = u16
 * length ‖ bytes); `flags` is 1 when the passkey has a slot (PRF), then
 * `publicKey` (the slot's X25519 public key) and `sealerSeed` (the Ed25519
 * seed that signs what is sealed into the slot, `passkey-slot.ts`) follow,
 * or 0 for a passkey without PRF (no slot: it logs in, the password
 * unlocks) and nothing follows. Ids are distinct.
 *
 * @module
 */
import { concat, fromBase64url, isZero, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, str8, u16, u64, u8 } from './codec.js';
import { isCredentialId } from './passkey.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x51;
const VERSION = 1;
const FLAG_PRF = 0x01;
/** Most passkeys an account keeps (the server's limit too). */
export const MAX_PASSKEYS = 32;
/** The meta record id of the registry. */
export const PASSKEY_REGISTRY_ID = 'passkeys';

/** One passkey, as the account's own registry holds it. */
export interface RegistryPasskey {
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** The name it was added with. */
  readonly name: string;
  /** When it was added, ms since the epoch (the adding device's clock). */
  readonly createdAt: number;
  /** The slot's keys, or `null` for a passkey without PRF (no slot). */
  readonly slot: RegistrySlotKeys | null;
}

/** What the registry keeps of a passkey slot. */
export interface RegistrySlotKeys {
  /** The slot's X25519 public key: what a new root key is sealed to. */
  readonly publicKey: Uint8Array;
  /** The Ed25519 seed that signs a root key sealed into the slot. */
  readonly sealerSeed: Uint8Array;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'passkey registry is malformed');
}

function check(passkeys: readonly RegistryPasskey[], bad: () => ZeroVaultError): void {
  if (passkeys.length > MAX_PASSKEYS) throw bad();
  passkeys.forEach((p, i) => {
    if (!isCredentialId(p.credentialId)) throw bad();
    if (p.slot !== null && (p.slot.publicKey.length !== 32 || isZero(p.slot.publicKey) || p.slot.sealerSeed.length !== 32 || isZero(p.slot.sealerSeed))) throw bad();
    if (!Number.isSafeInteger(p.createdAt) || p.createdAt < 0) throw bad();
    if (passkeys.slice(0, i).some((other) => other.credentialId === p.credentialId)) throw bad();
  });
}

/**
 * Encodes the registry.
 * @throws `INVALID_INPUT` for more than 32 passkeys, a malformed or repeated id, a bad key, or a name outside 1..255 UTF-8 bytes
 */
export function encodePasskeyRegistry(passkeys: readonly RegistryPasskey[]): Uint8Array {
  check(passkeys, () => new ZeroVaultError('INVALID_INPUT', 'a passkey registry holds at most 32 well-formed passkeys with distinct ids'));
  const parts: Uint8Array[] = [Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u8(passkeys.length)];
  for (const p of passkeys) {
    const id = fromBase64url(p.credentialId, 'credentialId');
    parts.push(u16(id.length), id, u64(p.createdAt));
    parts.push(...(p.slot === null ? [u8(0)] : [u8(FLAG_PRF), p.slot.publicKey, p.slot.sealerSeed]), str8(p.name, 'name'));
  }
  return concat(...parts);
}

/**
 * Decodes the registry strictly (no trailing bytes). Keys are copies.
 * @throws `UNSUPPORTED` for an unknown version; `INVALID_INPUT` when malformed
 */
export function decodePasskeyRegistry(bytes: Uint8Array): RegistryPasskey[] {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown passkey registry version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const count = reader.u8();
  if (count > MAX_PASSKEYS) throw malformed();
  const passkeys: RegistryPasskey[] = [];
  for (let i = 0; i < count; i++) {
    const idLength = reader.u16();
    const credentialId = toBase64url(reader.bytes(idLength));
    const createdAt = reader.u64();
    const flags = reader.u8();
    if (flags !== 0 && flags !== FLAG_PRF) throw malformed();
    const slot = flags === FLAG_PRF ? { publicKey: reader.bytes(32), sealerSeed: reader.bytes(32) } : null;
    passkeys.push({ credentialId, createdAt, slot, name: reader.str8() });
  }
  reader.end();
  check(passkeys, malformed);
  return passkeys;
}
