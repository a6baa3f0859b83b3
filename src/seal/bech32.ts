/**
 * Bech32m (BIP 350) for fixed-length byte strings, strict: lowercase only,
 * the expected human-readable part, the expected length, zero padding bits.
 * Any error affecting up to four characters is detected by the checksum;
 * because the length is fixed, insertions and deletions are caught too.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { wipe } from '../crypto/bytes.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHARSET_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) CHARSET_INDEX[CHARSET.charCodeAt(i)] = i;
const BECH32M_CONST = 0x2bc830a3;
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymodStep(chk: number, value: number): number {
  const top = chk >>> 25;
  let next = ((chk & 0x1ffffff) << 5) ^ value;
  for (let i = 0; i < 5; i++) if ((top >>> i) & 1) next ^= GENERATOR[i] as number;
  return next >>> 0;
}

/** The BIP 173 polymod over `hrpExpand(hrp) || data`, `data` in 5-bit groups. */
function polymod(hrp: string, data: Uint8Array): number {
  let chk = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) >>> 5);
  chk = polymodStep(chk, 0);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) & 31);
  for (const value of data) chk = polymodStep(chk, value);
  return chk;
}

/** 8-bit bytes → 5-bit groups, zero-padded. */
function toWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((bytes.length * 8) / 5));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[o++] = (acc >>> bits) & 31;
    }
  }
  if (bits > 0) out[o++] = (acc << (5 - bits)) & 31;
  return out;
}

/** 5-bit groups → bytes; undefined unless the padding is short and zero. */
function fromWords(words: Uint8Array, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const w of words) {
    acc = ((acc << 5) | w) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (o >= length) return undefined;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  const padding = acc & ((1 << bits) - 1);
  if (o !== length || bits >= 5 || padding !== 0) {
    wipe(out);
    return undefined;
  }
  return out;
}

/** Bech32m encoding of `bytes` under `hrp` (lowercase). */
export function bech32mEncode(hrp: string, bytes: Uint8Array): string {
  const words = toWords(bytes);
  const checked = new Uint8Array(words.length + 6);
  checked.set(words, 0);
  const mod = polymod(hrp, checked) ^ BECH32M_CONST;
  for (let i = 0; i < 6; i++) checked[words.length + i] = (mod >>> (5 * (5 - i))) & 31;
  let out = `${hrp}1`;
  for (const w of checked) out += CHARSET[w];
  wipe(words, checked);
  return out;
}

/**
 * Decodes a Bech32m string that must carry exactly `length` bytes under `hrp`.
 *
 * @throws `INVALID_INPUT` (naming `name`) on any deviation
 */
export function bech32mDecode(text: unknown, hrp: string, length: number, name: string): Uint8Array {
  const invalid = (): ZeroVaultError => new ZeroVaultError('INVALID_INPUT', `${name} is not a valid ${hrp}1… key`);
  const wordCount = Math.ceil((length * 8) / 5);
  if (typeof text !== 'string' || text.length !== hrp.length + 1 + wordCount + 6) throw invalid();
  if (!text.startsWith(`${hrp}1`)) throw invalid();
  const words = new Uint8Array(wordCount + 6);
  for (let i = 0; i < words.length; i++) {
    const c = text.charCodeAt(hrp.length + 1 + i);
    const v = c < 128 ? (CHARSET_INDEX[c] as number) : -1;
    if (v < 0) {
      wipe(words);
      throw invalid();
    }
    words[i] = v;
  }
  const ok = polymod(hrp, words) === BECH32M_CONST;
  const bytes = ok ? fromWords(words.subarray(0, wordCount), length) : undefined;
  wipe(words);
  if (bytes === undefined) throw invalid();
  return bytes;
}
