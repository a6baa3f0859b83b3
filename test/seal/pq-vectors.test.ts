/**
 * `seal-pq-v1.json`: the file is what the generator builds (so the
 * sealers reproduce every blob from the recorded randomness), every vector
 * behaves as the file says on both backends, and the passphrase stanza is
 * recomputed from docs/seal-format.md with another Argon2id (hash-wasm) and
 * node:crypto, none of zerovault's code.
 */
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argon2id } from 'hash-wasm';
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { createNodeBackend } from '../../src/crypto/backend-node.js';
import { createWebBackend } from '../../src/crypto/backend-web.js';
import { openWith } from '../../src/seal/blob.js';
import * as passphraseStanza from '../../src/seal/passphrase.js';
import { parsePublicKey, parseSecretKey } from '../../src/seal/keytext.js';
import { PASSPHRASE, buildPqVectors, type PqVectorFile } from './pq-cases.js';
import { codeOf, hex, toHex } from './helpers.js';

const file = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'zerovault', 'seal-pq-v1.json'), 'utf8')) as PqVectorFile;

describe('seal-pq-v1.json', () => {
  test('equals the generator output', async () => {
    expect(await buildPqVectors(getBackend())).toEqual(file);
  }, 60_000);

  test('counts and key texts', () => {
    expect(file.vectors.length).toBe(9);
    expect(file.vectors.filter((v) => v.expect === 'success').length).toBe(3);
    for (const k of Object.values(file.keys)) {
      expect(k.public_key_text).toMatch(/^zvxpk1/);
      expect(toHex(parsePublicKey(k.public_key_text))).toBe(k.public_key);
      expect(toHex(parseSecretKey(k.secret_key_text))).toBe(k.secret_key);
    }
  });
});

describe.each([
  ['node', createNodeBackend()],
  ['web-noble', createWebBackend({ subtle: null })],
] as const)('every vector on %s', (_name, backend) => {
  const env = { backend, passphrase: passphraseStanza, random: () => { throw new Error('opening draws no randomness'); } };
  for (const v of file.vectors) {
    test(`${v.name} → ${v.expect}`, async () => {
      const options = v.passphrase === undefined ? { secretKey: hex(file.keys[v.identity!]!.secret_key) } : { passphrase: v.passphrase };
      if (v.expect === 'success') expect(toHex(await openWith(env, hex(v.blob), options))).toBe(v.plaintext);
      else expect(await codeOf(() => openWith(env, hex(v.blob), options))).toBe(v.error);
    }, 60_000);
  }
});

test('zerovault/seal (no Argon2id in its bundle) refuses passphrase blobs with UNSUPPORTED, before any KSF', async () => {
  const { open, seal } = await import('../../src/seal/blob.js');
  const v = file.vectors.find((x) => x.name === 'passphrase')!;
  expect(await codeOf(() => open(hex(v.blob), { passphrase: PASSPHRASE } as never))).toBe('UNSUPPORTED');
  expect(await codeOf(() => seal(new Uint8Array(1), { passphrase: PASSPHRASE } as never))).toBe('UNSUPPORTED');
});

describe('the passphrase stanza, recomputed from the page', () => {
  test('Argon2id (hash-wasm) → AES-256-GCM (zero nonce, aad = prelude || params) → the file key → MAC and payload key', async () => {
    const v = file.vectors.find((x) => x.name === 'passphrase')!;
    const blob = Buffer.from(v.blob, 'hex');
    const params = blob.subarray(10, 32);
    const salt = params.subarray(0, 16);
    expect(salt.toString('hex')).toBe(v.sealing!.salt);
    const [t, p, m] = [params[16]!, params[17]!, params.readUInt32BE(18)];
    expect({ iterations: t, parallelism: p, memory_kib: m }).toEqual(v.sealing!.argon2id);
    const key = await argon2id({ password: v.passphrase!.normalize('NFC'), salt, iterations: t, parallelism: p, memorySize: m, hashLength: 32, outputType: 'binary' });
    const ct = blob.subarray(32, 80);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.alloc(12));
    decipher.setAAD(Buffer.concat([blob.subarray(0, 10), params]));
    decipher.setAuthTag(ct.subarray(32));
    const fileKey = Buffer.concat([decipher.update(ct.subarray(0, 32)), decipher.final()]);
    expect(fileKey.toString('hex')).toBe(v.sealing!.file_key);
    const macKey = Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), Buffer.from('zerovault/v1/seal/header\0'), 32));
    expect(macKey.toString('hex')).toBe(v.sealing!.mac_key);
    const mac = createHmac('sha256', macKey).update(blob.subarray(0, 80)).digest();
    expect(mac.toString('hex')).toBe(v.sealing!.header_mac);
    expect(Buffer.from(hkdfSync('sha256', fileKey, mac, Buffer.from('zerovault/v1/seal/payload\0'), 32)).toString('hex')).toBe(v.sealing!.payload_key);
  }, 60_000);
});
