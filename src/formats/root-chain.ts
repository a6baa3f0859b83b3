/**
 * The root-key chain (`_zv/root-prev`, a meta record sealed under the *new*
 * root key while a root-key rotation runs): the earlier root keys, each with
 * the SHA-256 of every meta record's stored bytes it may still open. A
 * session whose root key is the new one reads a record not re-sealed yet
 * through it, but only a record whose exact bytes the rotating session
 * listed: nothing sealed under an old key *after* the rotation began (by
 * whoever may hold that key) is ever accepted. The rotation deletes it once
 * every record is re-sealed. Vectors: `test/vectors/zerovault/root-chain-v1.json`.
 *
 *     "ZO" (0x5a 0x4f) | 0x01 | count (u8, 1..8)
 *       | count × ( rootKey (32) | u16 n | n × ( u8 len | recordId (UTF-8) | digest (32) ) )
 *
 * Newest earlier key first. Compatibility: an unknown version is `UNSUPPORTED`.
 *
 * @module
 */
import { concat } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, str8, u16 } from './codec.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x4f;
const VERSION = 1;
/** Most earlier root keys a chain holds (rotations interrupted one after another). */
export const MAX_CHAIN_KEYS = 8;
const MAX_RECORDS = 0xffff;
const DIGEST_LENGTH = 32;

/** One earlier root key and the records it may still open. */
export interface ChainLink {
  readonly rootKey: Uint8Array;
  readonly records: readonly { readonly id: string; readonly digest: Uint8Array }[];
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'root-key chain is malformed');
}

/**
 * Encodes a chain.
 * @throws `INVALID_INPUT` for 0 or more than 8 links, a key or digest of the wrong size, or a bad record id
 */
export function encodeRootChain(links: readonly ChainLink[]): Uint8Array {
  const bad = (): ZeroVaultError => new ZeroVaultError('INVALID_INPUT', 'a root-key chain holds 1 to 8 well-formed links');
  if (links.length === 0 || links.length > MAX_CHAIN_KEYS) throw bad();
  const parts: Uint8Array[] = [Uint8Array.of(MAGIC_0, MAGIC_1, VERSION, links.length)];
  for (const link of links) {
    if (link.rootKey.length !== 32 || link.records.length > MAX_RECORDS) throw bad();
    parts.push(link.rootKey, u16(link.records.length));
    for (const r of link.records) {
      if (r.digest.length !== DIGEST_LENGTH) throw bad();
      parts.push(str8(r.id, 'recordId'), r.digest);
    }
  }
  return concat(...parts);
}

/**
 * Decodes a chain strictly (no trailing bytes). The parts are copies.
 * @throws `UNSUPPORTED` for an unknown version; `INVALID_INPUT` when malformed
 */
export function decodeRootChain(bytes: Uint8Array): ChainLink[] {
  if (bytes.length < 4 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown root-key chain version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const count = reader.u8();
  if (count === 0 || count > MAX_CHAIN_KEYS) throw malformed();
  const links: ChainLink[] = [];
  for (let i = 0; i < count; i++) {
    const rootKey = reader.bytes(32);
    const n = reader.u16();
    const records: { id: string; digest: Uint8Array }[] = [];
    for (let j = 0; j < n; j++) records.push({ id: reader.str8(), digest: reader.bytes(DIGEST_LENGTH) });
    links.push({ rootKey, records });
  }
  reader.end();
  return links;
}
