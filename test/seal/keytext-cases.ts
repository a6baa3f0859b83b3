/**
 * Published key-text vectors (`test/vectors/zerovault/seal-keytext.json`):
 * valid `zvpk1…` / `zvsk1…` encodings and near-misses that must be
 * rejected. Built deterministically by {@link buildKeyTextVectors}.
 */
import type { Backend } from '../../src/crypto/backend.js';
import { formatPublicKey, formatSecretKey } from '../../src/seal/keytext.js';
import { pattern, toHex } from './helpers.js';

/** One valid key text. */
export interface ValidKeyText {
  kind: 'public' | 'secret';
  key: string;
  text: string;
}

/** One text that must be rejected. */
export interface InvalidKeyText {
  kind: 'public' | 'secret';
  text: string;
  comment: string;
}

/** The whole file. */
export interface KeyTextFile {
  description: string[];
  valid: ValidKeyText[];
  invalid: InvalidKeyText[];
}

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** BIP 173 checksum with an arbitrary final constant (1 = Bech32, 0x2bc830a3 = Bech32m), for crafting near-misses. */
function checksum(hrp: string, words: number[], constant: number): number[] {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  const values = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31), ...words, 0, 0, 0, 0, 0, 0];
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ gen[i]!) >>> 0;
  }
  const mod = (chk ^ constant) >>> 0;
  return Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
}

/** Encodes raw 5-bit words with a checksum under `constant`. */
function encodeWords(hrp: string, words: number[], constant: number): string {
  return `${hrp}1${[...words, ...checksum(hrp, words, constant)].map((w) => CHARSET[w]).join('')}`;
}

function wordsOf(text: string, hrp: string): number[] {
  return [...text.slice(hrp.length + 1, -6)].map((c) => CHARSET.indexOf(c));
}

/** Builds the key-text vectors. */
export function buildKeyTextVectors(backend: Backend): KeyTextFile {
  const valid: ValidKeyText[] = [];
  const invalid: InvalidKeyText[] = [];
  const secrets = [new Uint8Array(32), new Uint8Array(32).fill(0xff), pattern(32, 1000), pattern(32, 2000)];
  for (const secretKey of secrets) {
    const publicKey = backend.x25519PublicKey(secretKey);
    valid.push({ kind: 'secret', key: toHex(secretKey), text: formatSecretKey(secretKey) });
    valid.push({ kind: 'public', key: toHex(publicKey), text: formatPublicKey(publicKey) });
  }
  const pk = valid[5]!.text;
  const sk = valid[4]!.text;
  const swapChar = (text: string, i: number): string => {
    const c = text[i]!;
    const next = CHARSET[(CHARSET.indexOf(c) + 1) % 32]!;
    return text.slice(0, i) + next + text.slice(i + 1);
  };
  invalid.push({ kind: 'public', text: swapChar(pk, 10), comment: 'one character changed' });
  invalid.push({ kind: 'public', text: swapChar(pk, pk.length - 1), comment: 'last checksum character changed' });
  invalid.push({ kind: 'public', text: pk.slice(0, 20) + pk[21] + pk[20] + pk.slice(22), comment: 'two adjacent characters swapped' });
  invalid.push({ kind: 'public', text: pk.slice(0, 30) + pk.slice(31), comment: 'one character deleted' });
  invalid.push({ kind: 'public', text: pk.slice(0, 30) + 'q' + pk.slice(30), comment: 'one character inserted' });
  invalid.push({ kind: 'public', text: pk.toUpperCase(), comment: 'uppercase (only lowercase is canonical)' });
  invalid.push({ kind: 'public', text: pk.slice(0, 10) + pk[10]!.toUpperCase() + pk.slice(11), comment: 'mixed case' });
  invalid.push({ kind: 'public', text: `${pk} `, comment: 'trailing space' });
  invalid.push({ kind: 'public', text: sk, comment: 'a secret key where a public key is expected' });
  invalid.push({ kind: 'secret', text: pk, comment: 'a public key where a secret key is expected' });
  invalid.push({ kind: 'public', text: encodeWords('zvpk', wordsOf(pk, 'zvpk'), 1), comment: 'Bech32 (BIP 173) checksum instead of Bech32m' });
  const padded = wordsOf(pk, 'zvpk');
  padded[padded.length - 1] = padded[padded.length - 1]! | 1;
  invalid.push({ kind: 'public', text: encodeWords('zvpk', padded, 0x2bc830a3), comment: 'non-zero padding bits (valid checksum)' });
  invalid.push({ kind: 'public', text: encodeWords('zvpk', wordsOf(pk, 'zvpk').slice(0, -1), 0x2bc830a3), comment: '31.875 bytes of data (valid checksum)' });
  invalid.push({ kind: 'public', text: encodeWords('zvpk', [...wordsOf(pk, 'zvpk'), 0, 0], 0x2bc830a3), comment: '33 bytes of data (valid checksum)' });
  invalid.push({ kind: 'public', text: encodeWords('zvpx', wordsOf(pk, 'zvpk'), 0x2bc830a3), comment: 'wrong human-readable part (valid checksum)' });
  invalid.push({ kind: 'public', text: pk.replace('zvpk1', 'zvpk2'), comment: 'wrong separator' });
  invalid.push({ kind: 'public', text: pk.slice(0, 12) + 'b' + pk.slice(13), comment: 'character outside the Bech32 alphabet ("b")' });
  invalid.push({ kind: 'public', text: '', comment: 'empty' });
  return {
    description: [
      'zerovault key text vectors (docs/seal-format.md, "Keys as text"): Bech32m (BIP 350), HRP "zvpk" (public) and "zvsk" (secret), 32-byte keys, lowercase only.',
      'Each valid text must decode to its key (hex) and the key must encode to exactly that text; every invalid text must be rejected.',
    ],
    valid,
    invalid,
  };
}
