/**
 * The published vectors in test/vectors/zerovault/: the files are exactly
 * what the generator builds (so any change to the format shows up here),
 * and every vector behaves as the file says, single-shot and streamed, on
 * the node and noble backends; sealers reproduce every "sealing" blob from
 * the recorded randomness alone.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { createNodeBackend } from '../../src/crypto/backend-node.js';
import { createWebBackend } from '../../src/crypto/backend-web.js';
import { openWith, sealWith } from '../../src/seal/blob.js';
import { SEALED_CHUNK_SIZE, headerLength } from '../../src/seal/format.js';
import { parsePublicKey, parseSecretKey, formatPublicKey, formatSecretKey } from '../../src/seal/keytext.js';
import { openStreamWith } from '../../src/seal/stream.js';
import { buildSealVectors, type SealVectorFile } from './cases.js';
import { buildKeyTextVectors, type KeyTextFile } from './keytext-cases.js';
import { codeOf, codeOfError, hex, join as joinBytes, pipe, replay, toHex } from './helpers.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'zerovault');
const file = JSON.parse(readFileSync(join(dir, 'seal-v1.json'), 'utf8')) as SealVectorFile;
const keyText = JSON.parse(readFileSync(join(dir, 'seal-keytext.json'), 'utf8')) as KeyTextFile;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const blobOf = (names: readonly string[]): Uint8Array => Uint8Array.from(Buffer.concat(names.map((n) => Buffer.from(file.parts[n] ?? 'zz', 'hex'))));
const ENVS = [
  ['node', createNodeBackend()],
  ['web-noble', createWebBackend({ subtle: null })],
] as const;

describe('published files are current', () => {
  test('seal-v1.json equals the generator output', async () => {
    expect(await buildSealVectors(getBackend())).toEqual(file);
  });
  test('seal-keytext.json equals the generator output', () => {
    expect(buildKeyTextVectors(getBackend())).toEqual(keyText);
  });
  test('counts', () => {
    const count = (e: string) => file.vectors.filter((v) => v.expect === e).length;
    expect(file.vectors.length).toBe(57);
    expect([count('success'), count('header failure'), count('no match'), count('HMAC failure'), count('payload failure')]).toEqual([9, 19, 7, 4, 18]);
    expect(new Set(file.vectors.map((v) => v.name)).size).toBe(file.vectors.length);
    for (const v of file.vectors) for (const part of v.blob) expect(file.parts[part], `${v.name}: ${part}`).toBeDefined();
  });
});

describe.each(ENVS)('every blob vector on %s', (_name, backend) => {
  const env = { backend, random: () => { throw new Error('opening draws no randomness'); } };
  for (const v of file.vectors) {
    test(`${v.name} → ${v.expect}`, async () => {
      const blob = blobOf(v.blob);
      const options = {
        secretKey: hex(file.keys[v.identity]!.secret_key),
        ...(v.from === undefined ? {} : { senderPublicKey: hex(file.keys[v.from]!.public_key) }),
        aad: hex(v.aad),
      };
      // Single-shot.
      if (v.expect === 'success') {
        const plaintext = await openWith(env, blob, options);
        expect(plaintext.length).toBe(v.plaintext_length);
        expect(sha256(plaintext)).toBe(v.plaintext_sha256);
        if (v.plaintext !== undefined) expect(toHex(plaintext)).toBe(v.plaintext);
      } else {
        expect(await codeOf(() => openWith(env, blob, options))).toBe(v.error);
      }
      // Streamed, one sealed chunk per write: releases exactly the authenticated prefix.
      const header = Math.min(blob.length, blob.length >= 10 ? headerLength(Math.max(1, ((blob[8] ?? 0) << 8) | (blob[9] ?? 0))) : blob.length);
      const writes = [blob.subarray(0, header)];
      for (let o = header; o < blob.length; o += SEALED_CHUNK_SIZE) writes.push(blob.subarray(o, o + SEALED_CHUNK_SIZE));
      const streamed = await pipe(openStreamWith(env, options), writes);
      const released = joinBytes(streamed.chunks);
      if (v.expect === 'success') {
        expect(codeOfError(streamed.error)).toBe('no error');
        expect(sha256(released)).toBe(v.plaintext_sha256);
      } else {
        expect(codeOfError(streamed.error)).toBe(v.error);
        expect(released.length).toBe(v.released_length ?? 0);
        if (v.released_sha256 !== undefined) expect(sha256(released)).toBe(v.released_sha256);
      }
      // Streamed in one write: never more than the authenticated prefix.
      const whole = await pipe(openStreamWith(env, options), [blob]);
      expect(codeOfError(whole.error)).toBe(v.expect === 'success' ? 'no error' : v.error);
      expect(joinBytes(whole.chunks).length).toBeLessThanOrEqual(v.expect === 'success' ? (v.plaintext_length ?? 0) : (v.released_length ?? 0));
    });
  }

  test('every "sealing" blob reproduces from its recorded randomness', async () => {
    let reproduced = 0;
    for (const v of file.vectors) {
      if (v.sealing === undefined) continue;
      const s = v.sealing;
      const random = replay(hex(s.file_key), ...s.ephemeral_secret_keys.map(hex));
      const plaintext = v.plaintext !== undefined ? hex(v.plaintext) : undefined;
      if (plaintext === undefined) {
        // Large plaintexts are not published; recover them by opening.
        const opened = await openWith({ backend, random }, blobOf(v.blob), { secretKey: hex(file.keys[v.identity]!.secret_key), aad: hex(v.aad) });
        const again = await sealWith({ backend, random }, opened, { to: s.recipients.map((k) => hex(file.keys[k]!.public_key)), aad: hex(v.aad) });
        expect(toHex(again)).toBe(toHex(blobOf(v.blob)));
      } else {
        const again = await sealWith({ backend, random }, plaintext, {
          to: s.recipients.map((k) => hex(file.keys[k]!.public_key)),
          ...(s.from === undefined ? {} : { senderSecretKey: hex(file.keys[s.from]!.secret_key) }),
          aad: hex(v.aad),
        });
        expect(toHex(again)).toBe(toHex(blobOf(v.blob)));
      }
      reproduced += 1;
    }
    expect(reproduced).toBe(8);
  });
});

describe('key text vectors', () => {
  test('valid texts parse, keys format to exactly the text', () => {
    expect(keyText.valid.length).toBe(8);
    for (const v of keyText.valid) {
      const parse = v.kind === 'public' ? parsePublicKey : parseSecretKey;
      const format = v.kind === 'public' ? formatPublicKey : formatSecretKey;
      expect(toHex(parse(v.text))).toBe(v.key);
      expect(format(hex(v.key))).toBe(v.text);
    }
    for (const [name, k] of Object.entries(file.keys)) {
      expect(parseSecretKey(k.secret_key_text), name).toEqual(hex(k.secret_key));
      expect(parsePublicKey(k.public_key_text), name).toEqual(hex(k.public_key));
    }
  });
  test('invalid texts are rejected with INVALID_INPUT', async () => {
    expect(keyText.invalid.length).toBe(18);
    for (const v of keyText.invalid) {
      const parse = v.kind === 'public' ? parsePublicKey : parseSecretKey;
      expect(await codeOf(() => parse(v.text)), v.comment).toBe('INVALID_INPUT');
    }
  });
});
