/**
 * Printable recovery keys: 32 random bytes and a 2-byte checksum in
 * Crockford base32, grouped by five, e.g.
 * `zvrk1-7Q2MX-...` (11 groups). Parsing ignores case, spaces and dashes and
 * reads `I`/`L` as `1` and `O` as `0`, as Crockford's alphabet intends for
 * keys people copy by hand; the checksum catches typos.
 *
 * @module
 */
import { concat, equal } from '../crypto/bytes.js';
import { digest } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const PREFIX = 'zvrk1';
/** Raw recovery key length. */
export const RECOVERY_KEY_LENGTH = 32;

function checksum(key: Uint8Array): Uint8Array {
  return digest('SHA-256', concat(new TextEncoder().encode(PREFIX), key)).subarray(0, 2);
}

/** Formats a 32-byte recovery key as text. */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== RECOVERY_KEY_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'recovery key must be 32 bytes');
  const bytes = concat(key, checksum(key));
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return [PREFIX, ...(out.match(/.{1,5}/g) ?? [])].join('-');
}

/**
 * Parses a recovery key.
 * @throws `INVALID_INPUT` on a wrong prefix, character, length or checksum
 */
export function parseRecoveryKey(text: string): Uint8Array {
  const invalid = (): ZeroVaultError => new ZeroVaultError('INVALID_INPUT', 'recoveryKey is not a valid recovery key');
  if (typeof text !== 'string') throw invalid();
  const compact = text.replace(/[\s-]/g, '').toUpperCase();
  if (!compact.startsWith(PREFIX.toUpperCase())) throw invalid();
  const body = compact.slice(PREFIX.length).replace(/[IL]/g, '1').replace(/O/g, '0');
  if (body.length !== 55) throw invalid();
  const out = new Uint8Array(34);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of body) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw invalid();
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (o < out.length) out[o++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) throw invalid();
  const key = out.slice(0, RECOVERY_KEY_LENGTH);
  if (!equal(out.subarray(RECOVERY_KEY_LENGTH), checksum(key))) throw invalid();
  return key;
}
