/**
 * The unlock-slot codec: the list of wraps of the account's root key kept in
 * an unlock slot record (`password-slot`, `recovery-slot`). How each wrap is
 * made (HKDF of an export key, AES-256-GCM) is the client's
 * (`client/slots.ts`); this module only reads and writes the list
 * (vectors: `test/vectors/zerovault/slots-v1.json`).
 *
 *     "ZS" (0x5a 0x53) | 0x01 | count (u8, 1..8) | count × ( kid (8) | u16 length (≥ 1) | wrap )
 *
 * Kids are distinct: a reader takes the entry whose kid matches its key, so a
 * list with two entries of one kid would have two meanings.
 *
 * @module
 */
import { concat, equal } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, u16 } from './codec.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x53;
const VERSION = 1;
/** Bytes of a slot entry's key id. */
export const SLOT_KID_LENGTH = 8;
/** Most entries a slot holds. */
export const MAX_SLOT_ENTRIES = 8;

/** One wrap of the root key. */
export interface SlotEntry {
  /** Identifies the export key that unwraps it (public). */
  readonly kid: Uint8Array;
  /** The AEAD wrap of the root key (1..65535 bytes). */
  readonly wrapped: Uint8Array;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'unlock slot is malformed');
}

function checkEntries(entries: readonly SlotEntry[], bad: () => ZeroVaultError): void {
  if (entries.length === 0 || entries.length > MAX_SLOT_ENTRIES) throw bad();
  entries.forEach((e, i) => {
    if (e.kid.length !== SLOT_KID_LENGTH || e.wrapped.length === 0 || e.wrapped.length > 0xffff) throw bad();
    if (entries.slice(0, i).some((other) => equal(other.kid, e.kid))) throw bad();
  });
}

/**
 * Encodes slot entries.
 * @throws `INVALID_INPUT` unless there are 1 to 8 entries with distinct 8-byte kids and 1..65535-byte wraps
 */
export function encodeSlot(entries: readonly SlotEntry[]): Uint8Array {
  checkEntries(entries, () => new ZeroVaultError('INVALID_INPUT', 'a slot holds 1 to 8 well-formed entries with distinct kids'));
  const parts: Uint8Array[] = [Uint8Array.of(MAGIC_0, MAGIC_1, VERSION, entries.length)];
  for (const e of entries) parts.push(e.kid, u16(e.wrapped.length), e.wrapped);
  return concat(...parts);
}

/**
 * Decodes a slot strictly (no trailing bytes). The entries are copies.
 * @throws `UNSUPPORTED` for an unknown slot version; `INVALID_INPUT` when malformed
 */
export function decodeSlot(bytes: Uint8Array): SlotEntry[] {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown unlock slot version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const count = reader.u8();
  if (count === 0 || count > MAX_SLOT_ENTRIES) throw malformed();
  const entries: SlotEntry[] = [];
  for (let i = 0; i < count; i++) {
    const kid = reader.bytes(SLOT_KID_LENGTH);
    entries.push({ kid, wrapped: reader.bytes(reader.u16()) });
  }
  reader.end();
  checkEntries(entries, malformed);
  return entries;
}
