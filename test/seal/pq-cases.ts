/**
 * The published vectors of the suites added after 0x0001
 * (`test/vectors/zerovault/seal-pq-v1.json`): X-Wing recipients (suite
 * 0x0002) and a passphrase (suite 0x0003), built deterministically from
 * fixed keys and recorded randomness. `scripts/gen-seal-vectors.ts` writes
 * {@link buildPqVectors}; `pq-vectors.test.ts` rebuilds it, checks the file
 * is unchanged, opens every vector, and recomputes the passphrase stanza
 * with another Argon2id implementation.
 */
import type { Backend } from '../../src/crypto/backend.js';
import * as passphraseStanza from '../../src/seal/passphrase.js';
import { deriveKey } from '../../src/crypto/kdf.js';
import { sealWith } from '../../src/seal/blob.js';
import { HEADER_LABEL, MAC_LENGTH, PAYLOAD_LABEL, headerLength, SUITES } from '../../src/seal/format.js';
import { formatPublicKey, formatSecretKey } from '../../src/seal/keytext.js';
import { PASSPHRASE_ARGON2ID } from '../../src/seal/passphrase.js';
import { xwingPublicKey } from '../../src/crypto/xwing.js';
import { pattern, toHex } from './helpers.js';

/** One vector. */
export interface PqVector {
  name: string;
  comment: string;
  expect: 'success' | 'no match' | 'header failure';
  error?: 'DECRYPT_FAILED' | 'UNSUPPORTED' | 'INVALID_INPUT';
  /** Key name to open with, or absent for a passphrase. */
  identity?: string;
  /** Passphrase to open with (UTF-8 of its NFC form is what Argon2id gets). */
  passphrase?: string;
  blob: string;
  plaintext?: string;
  /** Blobs from the sealer: its injected randomness and intermediate values. */
  sealing?: {
    recipients?: string[];
    file_key: string;
    /** X-Wing: one 64-byte `eseed` per stanza, in order. */
    eseeds?: string[];
    /** Passphrase: the salt and the Argon2id parameters stored in the stanza. */
    salt?: string;
    argon2id?: { iterations: number; memory_kib: number; parallelism: number };
    mac_key: string;
    header_mac: string;
    payload_key: string;
  };
}

/** The whole file. */
export interface PqVectorFile {
  description: string[];
  keys: Record<string, { secret_key: string; public_key: string; secret_key_text: string; public_key_text: string }>;
  vectors: PqVector[];
}

function recording(seed: number): { random: (n: number) => Uint8Array; drawn: Uint8Array[] } {
  const drawn: Uint8Array[] = [];
  let call = 0;
  return {
    drawn,
    random: (n) => {
      const out = pattern(n, seed * 1013 + ++call);
      drawn.push(Uint8Array.from(out));
      return out;
    },
  };
}

function macAndKeys(backend: Backend, blob: Uint8Array, count: number, suite: (typeof SUITES)[keyof typeof SUITES], fileKey: Uint8Array): { mac_key: string; header_mac: string; payload_key: string } {
  const end = headerLength(count, suite);
  const mac = blob.subarray(end - MAC_LENGTH, end);
  return {
    mac_key: toHex(deriveKey({ ikm: fileKey, label: HEADER_LABEL }, backend)),
    header_mac: toHex(mac),
    payload_key: toHex(deriveKey({ ikm: fileKey, label: PAYLOAD_LABEL, salt: mac }, backend)),
  };
}

/** The passphrase of the vectors. */
export const PASSPHRASE = 'correct horse battery staple';

/** Builds the file; deterministic. */
export async function buildPqVectors(backend: Backend): Promise<PqVectorFile> {
  const names = ['xwing-a', 'xwing-b', 'xwing-c'];
  const keys: PqVectorFile['keys'] = {};
  const pk: Record<string, Uint8Array> = {};
  for (const [i, name] of names.entries()) {
    const secretKey = pattern(32, 3000 + i);
    pk[name] = xwingPublicKey(secretKey);
    keys[name] = {
      secret_key: toHex(secretKey),
      public_key: toHex(pk[name]),
      secret_key_text: formatSecretKey(secretKey, 'x-wing'),
      public_key_text: formatPublicKey(pk[name]),
    };
  }
  const vectors: PqVector[] = [];
  const hello = new TextEncoder().encode('Hello, post-quantum world!');

  const x = recording(1);
  const xwingBlob = await sealWith({ backend, random: x.random }, hello, { to: [pk['xwing-a']!, pk['xwing-b']!] });
  const [xFileKey, ...eseeds] = x.drawn;
  const xSealing = { recipients: ['xwing-a', 'xwing-b'], file_key: toHex(xFileKey!), eseeds: eseeds.map(toHex), ...macAndKeys(backend, xwingBlob, 2, SUITES.xwing, xFileKey!) };
  vectors.push(
    { name: 'xwing-two-recipients-a', comment: 'suite 0x0002, two X-Wing stanzas, opened by the first', expect: 'success', identity: 'xwing-a', blob: toHex(xwingBlob), plaintext: toHex(hello), sealing: xSealing },
    { name: 'xwing-two-recipients-b', comment: 'the same blob, opened by the second', expect: 'success', identity: 'xwing-b', blob: toHex(xwingBlob), plaintext: toHex(hello) },
    { name: 'xwing-no-match', comment: 'the same blob, a key it is not sealed to', expect: 'no match', error: 'DECRYPT_FAILED', identity: 'xwing-c', blob: toHex(xwingBlob) },
  );
  const auth = Uint8Array.from(xwingBlob);
  auth[7] = 0x02;
  vectors.push({ name: 'xwing-auth-mode', comment: 'mode 0x02 with suite 0x0002: X-Wing has no authenticated mode', expect: 'header failure', error: 'UNSUPPORTED', identity: 'xwing-a', blob: toHex(auth) });

  const secret = new TextEncoder().encode('Hello, passphrase!');
  const p = recording(2);
  const passBlob = await sealWith({ backend, random: p.random, passphrase: passphraseStanza }, secret, { passphrase: PASSPHRASE });
  const [pFileKey, salt] = p.drawn;
  vectors.push({
    name: 'passphrase',
    comment: 'suite 0x0003, one passphrase stanza with the pinned Argon2id parameters',
    expect: 'success',
    passphrase: PASSPHRASE,
    blob: toHex(passBlob),
    plaintext: toHex(secret),
    sealing: {
      file_key: toHex(pFileKey!),
      salt: toHex(salt!),
      argon2id: { iterations: PASSPHRASE_ARGON2ID.iterations, memory_kib: PASSPHRASE_ARGON2ID.memoryKiB, parallelism: PASSPHRASE_ARGON2ID.parallelism },
      ...macAndKeys(backend, passBlob, 1, SUITES.passphrase, pFileKey!),
    },
  });
  vectors.push({ name: 'passphrase-wrong', comment: 'the same blob, another passphrase', expect: 'no match', error: 'DECRYPT_FAILED', passphrase: 'correct horse battery stapler', blob: toHex(passBlob) });
  const greedy = Uint8Array.from(passBlob);
  new DataView(greedy.buffer).setUint32(10 + 18, 2 ** 20 + 1);
  vectors.push({ name: 'passphrase-memory-above-cap', comment: 'm = 1 GiB + 1 KiB: above what a reader spends, refused before Argon2id runs', expect: 'header failure', error: 'UNSUPPORTED', passphrase: PASSPHRASE, blob: toHex(greedy) });
  const weak = Uint8Array.from(passBlob);
  weak[10 + 16] = 1;
  new DataView(weak.buffer).setUint32(10 + 18, 8192);
  vectors.push({ name: 'passphrase-below-floor', comment: 't = 1, m = 8 MiB: below the KSF floor, refused before Argon2id runs', expect: 'header failure', error: 'UNSUPPORTED', passphrase: PASSPHRASE, blob: toHex(weak) });
  const two = Uint8Array.from(passBlob);
  two[9] = 2;
  vectors.push({ name: 'passphrase-two-stanzas', comment: 'a passphrase stanza is always alone', expect: 'header failure', error: 'INVALID_INPUT', passphrase: PASSPHRASE, blob: toHex(two) });

  return {
    description: [
      'zerovault sealed blobs, suites 0x0002 (X-Wing recipients) and 0x0003 (passphrase): docs/seal-format.md.',
      'Randomness is drawn in order: file key, then one 64-byte eseed per X-Wing stanza (draft-connolly-cfrg-xwing-kem EncapsulateDerand), or the 16-byte salt.',
      'X-Wing secret keys are the 32-byte seed; public keys are 1216 bytes.',
      'Generated by scripts/gen-seal-vectors.ts; checked by test/seal/pq-vectors.test.ts.',
    ],
    keys,
    vectors,
  };
}
