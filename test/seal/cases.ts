/**
 * The published sealed-blob vectors (`test/vectors/zerovault/seal-v1.json`),
 * built deterministically: fixed keys, recorded injected randomness, and
 * crafted invalid blobs. `scripts/gen-seal-vectors.ts` writes the output of
 * {@link buildSealVectors}; `vectors.test.ts` rebuilds it and checks the
 * file is unchanged, then checks every vector against the implementation.
 *
 * Blobs are stored as lists of named parts (a header, chunks, garbage), so
 * the 64 KiB chunks that several invalid vectors share are written once:
 * `blob = concat(parts[name] for name in vector.blob)`.
 */
import { createHash } from 'node:crypto';
import type { Backend } from '../../src/crypto/backend.js';
import { deriveKey } from '../../src/crypto/kdf.js';
import type { ZeroVaultErrorCode } from '../../src/errors.js';
import { sealWith } from '../../src/seal/blob.js';
import type { SealEnv } from '../../src/seal/env.js';
import { CHUNK_SIZE, HEADER_LABEL, MAC_LENGTH, PAYLOAD_LABEL, PRELUDE_LENGTH, STANZA_LENGTH, headerLength } from '../../src/seal/format.js';
import { formatPublicKey, formatSecretKey } from '../../src/seal/keytext.js';
import { assemble, crafter, flip } from './craft.js';
import { pattern, toHex } from './helpers.js';

/** age test-kit outcome categories. */
export type Expect = 'success' | 'header failure' | 'no match' | 'HMAC failure' | 'payload failure';

/** One vector, as published. */
export interface SealVector {
  name: string;
  comment: string;
  expect: Expect;
  /** The `ZeroVaultError` code zerovault throws (failures only). */
  error?: ZeroVaultErrorCode;
  /** Key name of the secret key to open with. */
  identity: string;
  /** Key name of the sender public key to require (`open(…, { senderPublicKey })`), if any. */
  from?: string;
  /** AAD to open with, hex. */
  aad: string;
  /** Part names; the blob is their concatenation. */
  blob: string[];
  /** Success: plaintext hex (only when ≤ 1 KiB), length and SHA-256. */
  plaintext?: string;
  plaintext_length?: number;
  plaintext_sha256?: string;
  /** Payload failure: the authenticated prefix a streaming opener may release before failing. */
  released_length?: number;
  released_sha256?: string;
  /** For blobs from the sealer: its inputs, the injected randomness and intermediate values. */
  sealing?: {
    recipients: string[];
    from?: string;
    file_key: string;
    ephemeral_secret_keys: string[];
    mac_key: string;
    header_mac: string;
    payload_key: string;
  };
}

/** A named key pair, as published. */
export interface VectorKey {
  secret_key: string;
  public_key: string;
  secret_key_text: string;
  public_key_text: string;
}

/** The whole file. */
export interface SealVectorFile {
  description: string[];
  keys: Record<string, VectorKey>;
  parts: Record<string, string>;
  vectors: SealVector[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A seeded randomness source that records what it hands out. */
function recordingRandom(seed: number): { random: (n: number) => Uint8Array; drawn: Uint8Array[] } {
  const drawn: Uint8Array[] = [];
  let call = 0;
  return {
    drawn,
    random: (n) => {
      const out = pattern(n, seed * 1009 + ++call);
      drawn.push(Uint8Array.from(out));
      return out;
    },
  };
}

const KEY_NAMES = ['bob', 'alice', 'carol', 'dave', 'mallory'] as const;
type KeyName = (typeof KEY_NAMES)[number];

/** Builds the vector file. Deterministic: same backend output on every run. */
export async function buildSealVectors(backend: Backend): Promise<SealVectorFile> {
  const keys = new Map<KeyName, { secretKey: Uint8Array; publicKey: Uint8Array }>();
  for (const [i, name] of KEY_NAMES.entries()) {
    const secretKey = pattern(32, 1000 + i);
    keys.set(name, { secretKey, publicKey: backend.x25519PublicKey(secretKey) });
  }
  const key = (name: KeyName) => keys.get(name)!;
  const parts: Record<string, string> = {};
  const addPart = (name: string, bytes: Uint8Array): string => {
    const hex = toHex(bytes);
    if (parts[name] !== undefined && parts[name] !== hex) throw new Error(`part ${name} defined twice`);
    parts[name] = hex;
    return name;
  };
  const vectors: SealVector[] = [];
  const success = (plaintext: Uint8Array) => ({
    expect: 'success' as const,
    ...(plaintext.length <= 1024 ? { plaintext: toHex(plaintext) } : {}),
    plaintext_length: plaintext.length,
    plaintext_sha256: sha256(plaintext),
  });
  const released = (bytes: Uint8Array) => ({ released_length: bytes.length, released_sha256: sha256(bytes) });

  // ---- Valid blobs from the sealer, with their randomness and intermediates.
  let seed = 0;
  const sealed = async (
    name: string,
    comment: string,
    plaintext: Uint8Array,
    opts: { to: KeyName[]; from?: KeyName; aad?: Uint8Array; identity?: KeyName },
  ): Promise<Uint8Array> => {
    const { random, drawn } = recordingRandom(++seed);
    const env: SealEnv = { backend, random };
    const aad = opts.aad ?? new Uint8Array(0);
    const blob = await sealWith(env, plaintext, {
      to: opts.to.map((k) => key(k).publicKey),
      ...(opts.from ? { senderSecretKey: key(opts.from).secretKey } : {}),
      aad,
    });
    const fileKey = drawn[0]!;
    const macOffset = headerLength(opts.to.length) - MAC_LENGTH;
    const mac = blob.subarray(macOffset, macOffset + MAC_LENGTH);
    const header = blob.subarray(0, macOffset + MAC_LENGTH);
    vectors.push({
      name,
      comment,
      ...success(plaintext),
      identity: opts.identity ?? opts.to[0]!,
      ...(opts.from ? { from: opts.from } : {}),
      aad: toHex(aad),
      blob: [addPart(`${name}/header`, header), addPart(`${name}/payload`, blob.subarray(header.length))],
      sealing: {
        recipients: opts.to,
        ...(opts.from ? { from: opts.from } : {}),
        file_key: toHex(fileKey),
        ephemeral_secret_keys: drawn.slice(1).map(toHex),
        mac_key: toHex(deriveKey({ ikm: fileKey, label: HEADER_LABEL }, backend)),
        header_mac: toHex(mac),
        payload_key: toHex(deriveKey({ ikm: fileKey, label: PAYLOAD_LABEL, salt: mac }, backend)),
      },
    });
    return blob;
  };

  const hello = await sealed('hello', 'the worked example of docs/seal-format.md: 13 bytes to one recipient', new TextEncoder().encode('Hello, world!'), { to: ['bob'] });
  await sealed('empty', 'an empty payload is one empty final chunk', new Uint8Array(0), { to: ['bob'] });
  await sealed('one-byte', 'one byte', Uint8Array.of(0x2a), { to: ['bob'] });
  await sealed('three-recipients', 'three stanzas; the identity holds the second', pattern(1000, 3), { to: ['carol', 'bob', 'dave'], identity: 'bob' });
  await sealed('three-recipients-last', 'the same kind of blob, opened by the last recipient', pattern(10, 4), { to: ['carol', 'bob', 'dave'], identity: 'dave' });
  const auth = await sealed('auth', 'auth mode: alice to bob; open requires from = alice', pattern(100, 5), { to: ['bob'], from: 'alice' });
  await sealed('aad', 'bound to aad "zerovault example aad"', pattern(100, 6), { to: ['bob'], aad: new TextEncoder().encode('zerovault example aad') });
  const twoChunkData = pattern(CHUNK_SIZE + 1, 7);
  const twoChunks = await sealed('two-chunks', '64 KiB + 1: a full non-final chunk and a 1-byte final chunk', twoChunkData, { to: ['bob'] });
  const [h1, h2] = [hello.subarray(0, headerLength(1)), twoChunks.subarray(0, headerLength(1))];
  const [c0, c1] = [twoChunks.subarray(headerLength(1), headerLength(1) + CHUNK_SIZE + 16), twoChunks.subarray(headerLength(1) + CHUNK_SIZE + 16)];
  const twoChunksParts = vectors.find((v) => v.name === 'two-chunks')!.blob;
  addPart('two-chunks/c0', c0);
  addPart('two-chunks/c1', c1);
  // Re-express the two-chunk blob by its chunks, so the invalid vectors can share them.
  twoChunksParts.splice(1, 1, 'two-chunks/c0', 'two-chunks/c1');
  delete parts['two-chunks/payload'];

  // ---- Crafted chunks under the two-chunk blob's payload key (same randomness ⇒ same header).
  const craft = await crafter({ backend, random: recordingRandom(vectors.findIndex((v) => v.name === 'two-chunks') + 1).random }, { recipients: [key('bob').publicKey] });
  if (toHex(craft.header) !== toHex(h2)) throw new Error('crafter did not reproduce the header');
  const first = twoChunkData.subarray(0, CHUNK_SIZE);
  addPart('two-chunks/c0-final', await craft.chunk(0, true, first));
  addPart('two-chunks/c1-empty-final', await craft.chunk(1, true, new Uint8Array(0)));
  addPart('two-chunks/c1-not-final', await craft.chunk(1, false, twoChunkData.subarray(CHUNK_SIZE)));
  addPart('two-chunks/c1-final-1-byte-at-counter-2', await craft.chunk(2, true, twoChunkData.subarray(CHUNK_SIZE)));
  addPart('two-chunks/c0-bad-tag', flip(c0, c0.length - 1));
  addPart('two-chunks/c1-bad-tag', flip(c1, c1.length - 1));
  addPart('two-chunks/c1-truncated', c1.subarray(0, c1.length - 1));
  addPart('two-chunks/c1-short', c1.subarray(0, 10));
  addPart('two-chunks/c0-truncated', c0.subarray(0, 1000));
  addPart('byte-00', Uint8Array.of(0));
  addPart('garbage-1000', pattern(1000, 99));

  const base = { identity: 'bob', aad: '' };
  const payloadFailure = (name: string, comment: string, blob: string[], prefix: Uint8Array): void => {
    vectors.push({ name, comment, expect: 'payload failure', error: 'DECRYPT_FAILED', ...base, blob, ...released(prefix) });
  };
  const none = new Uint8Array(0);
  vectors.push({ name: 'full-final-chunk', comment: '64 KiB: one full chunk carrying the final flag (same header as two-chunks)', ...success(first), ...base, blob: ['two-chunks/header', 'two-chunks/c0-final'] });
  payloadFailure('no-payload', 'header only: no chunk at all', ['two-chunks/header'], none);
  payloadFailure('missing-final-chunk', 'truncated at a chunk boundary: the full chunk is not final', ['two-chunks/header', 'two-chunks/c0'], none);
  payloadFailure('final-chunk-truncated', 'the final chunk lost its last byte', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1-truncated'], first);
  payloadFailure('final-chunk-shorter-than-tag', 'the final chunk is 10 bytes, less than a tag', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1-short'], first);
  payloadFailure('truncated-mid-chunk', 'cut 1000 bytes into the first chunk', ['two-chunks/header', 'two-chunks/c0-truncated'], none);
  payloadFailure('reordered', 'chunks swapped', ['two-chunks/header', 'two-chunks/c1', 'two-chunks/c0'], none);
  payloadFailure('duplicated-chunk', 'the first chunk twice', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c0', 'two-chunks/c1'], first);
  payloadFailure('counter-skipped', 'a valid final chunk sealed at counter 2 after chunk 0', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1-final-1-byte-at-counter-2'], first);
  payloadFailure('empty-final-chunk', 'a validly sealed empty final chunk after data (only an empty payload may end so)', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1-empty-final'], first);
  payloadFailure('no-final-flag', 'the last chunk is sealed as non-final', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1-not-final'], first);
  payloadFailure('two-final-chunks', 'a full final chunk followed by another final chunk', ['two-chunks/header', 'two-chunks/c0-final', 'two-chunks/c1'], none);
  payloadFailure('trailing-chunk', 'a valid final chunk sealed at counter 2 after the final chunk', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1', 'two-chunks/c1-final-1-byte-at-counter-2'], first);
  payloadFailure('trailing-byte-after-full-final', 'one zero byte after a full final chunk', ['two-chunks/header', 'two-chunks/c0-final', 'byte-00'], none);
  payloadFailure('trailing-byte', 'one zero byte after the final chunk', ['hello/header', 'hello/payload', 'byte-00'], none);
  payloadFailure('trailing-garbage', '1000 bytes after the final chunk', ['hello/header', 'hello/payload', 'garbage-1000'], none);
  payloadFailure('bad-tag-first-chunk', 'last tag byte of chunk 0 flipped', ['two-chunks/header', 'two-chunks/c0-bad-tag', 'two-chunks/c1'], none);
  payloadFailure('bad-tag-final-chunk', 'last tag byte of the final chunk flipped', ['two-chunks/header', 'two-chunks/c0', 'two-chunks/c1-bad-tag'], first);
  payloadFailure('payload-from-other-blob', 'hello header with the payload of one-byte', ['hello/header', 'one-byte/payload'], none);

  // ---- Header failures: parse errors before any crypto, and low-order shares.
  const headerFailure = (name: string, comment: string, blob: Uint8Array | string[], error: ZeroVaultErrorCode, extra: Partial<SealVector> = {}): void => {
    const names = Array.isArray(blob) ? blob : [addPart(`${name}/blob`, blob)];
    vectors.push({ name, comment, expect: 'header failure', error, ...base, blob: names, ...extra });
  };
  const withByte = (bytes: Uint8Array, index: number, value: number): Uint8Array => {
    const out = Uint8Array.from(bytes);
    out[index] = value;
    return out;
  };
  headerFailure('empty-input', 'zero bytes', new Uint8Array(0), 'INVALID_INPUT');
  headerFailure('bad-magic', 'magic "ZVSA"', withByte(hello, 3, 0x41), 'INVALID_INPUT');
  headerFailure('version-0', 'version 0x00', withByte(hello, 4, 0), 'UNSUPPORTED');
  headerFailure('version-2', 'version 0x02', withByte(hello, 4, 2), 'UNSUPPORTED');
  headerFailure('suite-4', 'suite 0x0004 (0x0002 is X-Wing and 0x0003 passphrase since they were added)', withByte(hello, 6, 4), 'UNSUPPORTED');
  headerFailure('suite-256', 'suite 0x0101', withByte(hello, 5, 1), 'UNSUPPORTED');
  headerFailure('mode-psk', 'HPKE mode 0x01 (psk) is not a blob mode', withByte(hello, 7, 1), 'UNSUPPORTED');
  headerFailure('mode-auth-psk', 'HPKE mode 0x03 (auth psk) is not a blob mode', withByte(hello, 7, 3), 'UNSUPPORTED');
  headerFailure('mode-255', 'mode 0xff', withByte(hello, 7, 0xff), 'UNSUPPORTED');
  headerFailure('count-zero', 'no recipient stanza', assemble(withByte(hello.subarray(0, PRELUDE_LENGTH), 9, 0), hello.subarray(PRELUDE_LENGTH + STANZA_LENGTH)), 'INVALID_INPUT');
  headerFailure('count-1025', 'more stanzas than allowed', withByte(withByte(hello, 8, 0x04), 9, 0x01), 'INVALID_INPUT');
  const authTwo = await crafter({ backend, random: recordingRandom(77).random }, { recipients: [key('bob').publicKey, key('carol').publicKey], senderSecretKey: key('alice').secretKey });
  headerFailure('auth-two-stanzas', 'auth mode with two stanzas (auth blobs have exactly one)', assemble(authTwo.header, ...(await authTwo.chunks(pattern(10)))), 'INVALID_INPUT', { from: 'alice' });
  headerFailure('truncated-prelude', 'nine bytes', hello.subarray(0, 9), 'INVALID_INPUT');
  headerFailure('truncated-stanza', 'cut inside the stanza', hello.subarray(0, 50), 'INVALID_INPUT');
  headerFailure('truncated-mac', 'cut inside the header MAC', hello.subarray(0, h1.length - 1), 'INVALID_INPUT');
  const withEnc = (enc: Uint8Array): Uint8Array => {
    const out = Uint8Array.from(hello);
    out.set(enc, PRELUDE_LENGTH);
    return out;
  };
  const p = new Uint8Array(32).fill(0xff);
  p[0] = 0xed;
  p[31] = 0x7f;
  headerFailure('enc-zero', 'enc is u = 0: all-zero shared secret', withEnc(new Uint8Array(32)), 'INVALID_INPUT');
  headerFailure('enc-one', 'enc is u = 1, a low-order point: all-zero shared secret', withEnc(withByte(new Uint8Array(32), 0, 1)), 'INVALID_INPUT');
  headerFailure('enc-p', 'enc is u = 2^255 - 19 (non-canonical 0): all-zero shared secret', withEnc(p), 'INVALID_INPUT');
  headerFailure('auth-without-from', 'an auth-mode blob opened without from', ['auth/header', 'auth/payload'], 'INVALID_INPUT');

  // ---- No match: no stanza opens for this identity (and sender).
  const noMatch = (name: string, comment: string, blob: string[], extra: Partial<SealVector> = {}): void => {
    vectors.push({ name, comment, expect: 'no match', error: 'DECRYPT_FAILED', ...base, blob, ...extra });
  };
  noMatch('wrong-identity', 'opened by someone else', ['hello/header', 'hello/payload'], { identity: 'mallory' });
  noMatch('wrong-sender', 'auth blob, from = mallory', ['auth/header', 'auth/payload'], { from: 'mallory' });
  noMatch('sender-not-authenticated', 'base-mode blob, but the opener requires from = alice', ['hello/header', 'hello/payload'], { from: 'alice' });
  noMatch('auth-as-base', 'the auth blob with its mode byte set to base', [addPart('auth-as-base/blob', withByte(auth, 7, 0))]);
  noMatch('stanza-tag-flipped', 'last byte of the stanza ciphertext flipped', [addPart('stanza-tag-flipped/blob', flip(hello, PRELUDE_LENGTH + STANZA_LENGTH - 1))]);
  noMatch('stanza-enc-replaced', 'enc replaced by a valid unrelated key', [addPart('stanza-enc-replaced/blob', withEnc(key('mallory').publicKey))]);
  const three = vectors.find((v) => v.name === 'three-recipients')!;
  const threeBlob = Uint8Array.from(Buffer.concat(three.blob.map((n) => Buffer.from(parts[n]!, 'hex'))));
  // Drop carol's stanza and say count = 2: every stanza was sealed with count = 3 in its AAD.
  noMatch('stanza-removed', 'first stanza removed and the count lowered', [addPart('stanza-removed/blob', assemble(withByte(threeBlob.subarray(0, PRELUDE_LENGTH), 9, 2), threeBlob.subarray(PRELUDE_LENGTH + STANZA_LENGTH)))]);

  // ---- HMAC failure: a stanza opens but the header MAC does not match.
  const hmacFailure = (name: string, comment: string, blob: string[], extra: Partial<SealVector> = {}): void => {
    vectors.push({ name, comment, expect: 'HMAC failure', error: 'DECRYPT_FAILED', ...base, blob, ...extra });
  };
  hmacFailure('mac-flipped', 'last byte of the header MAC flipped', [addPart('mac-flipped/header', flip(h1, h1.length - 1)), 'hello/payload']);
  hmacFailure('aad-missing', 'the aad blob opened without aad', ['aad/header', 'aad/payload']);
  hmacFailure('aad-wrong', 'the aad blob opened with other aad', ['aad/header', 'aad/payload'], { aad: toHex(new TextEncoder().encode('zerovault example aaD')) });
  // The one-byte blob's stanza (a valid stanza for bob, another file key) in the hello header.
  const oneByte = Buffer.from(parts['one-byte/header']!, 'hex');
  const swapped = Uint8Array.from(h1);
  swapped.set(oneByte.subarray(PRELUDE_LENGTH, PRELUDE_LENGTH + STANZA_LENGTH), PRELUDE_LENGTH);
  hmacFailure('stanza-swapped', "another blob's valid stanza for the same recipient", [addPart('stanza-swapped/header', swapped), 'hello/payload']);

  return {
    description: [
      'zerovault sealed blob v1 test vectors (docs/seal-format.md).',
      'blob = concatenation of parts[name] for each name in vector.blob (hex). Keys are named in "keys".',
      'Open each blob with keys[identity].secret_key, requiring sender keys[from].public_key when "from" is present, with AAD "aad" (hex).',
      'expect: success (plaintext SHA-256 must match) | header failure | no match | HMAC failure | payload failure (age test-kit categories).',
      '"error" is the ZeroVaultError code zerovault throws. On a payload failure a streaming opener may release at most the first released_length bytes (released_sha256) before failing.',
      '"sealing" lists, for blobs made by the sealer, the injected randomness (file key, then one ephemeral X25519 secret key per stanza) and intermediate values, so a sealer can be checked byte for byte.',
    ],
    keys: Object.fromEntries(
      [...keys].map(([name, k]) => [
        name,
        { secret_key: toHex(k.secretKey), public_key: toHex(k.publicKey), secret_key_text: formatSecretKey(k.secretKey), public_key_text: formatPublicKey(k.publicKey) },
      ]),
    ),
    parts,
    vectors,
  };
}
