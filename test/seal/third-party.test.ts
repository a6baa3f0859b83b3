/**
 * An independent opener written from docs/seal-format.md alone: another
 * RFC 9180 library (@hpke/core) for the stanzas, node:crypto for HKDF, HMAC
 * and AES-256-GCM, and none of zerovault's code. It must classify every
 * published vector exactly as the file says (age test-kit categories) and
 * recover every plaintext; and the worked example printed in the page must
 * be the `hello` vector.
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
interface File {
  keys: Record<string, { secret_key: string; public_key: string }>;
  parts: Record<string, string>;
  vectors: { name: string; expect: string; identity: string; from?: string; aad: string; blob: string[]; plaintext_sha256?: string; released_sha256?: string }[];
}
const file = JSON.parse(readFileSync(join(root, 'test/vectors/zerovault/seal-v1.json'), 'utf8')) as File;
const hpke = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const INFO = Buffer.from('zerovault/v1/seal/file-key');

class Failure extends Error {}
const fail = (category: string): never => {
  throw new Failure(category);
};

/** Opens per the page; returns the plaintext or throws Failure(category). */
async function openBlob(blob: Buffer, skR: Buffer, pkS: Buffer | undefined, aad: Buffer): Promise<{ plaintext: Buffer; released: Buffer }> {
  // Step 1: prelude.
  if (blob.length < 10 || !blob.subarray(0, 4).equals(Buffer.from('ZVSB'))) fail('header failure');
  if (blob[4] !== 1 || blob.readUInt16BE(5) !== 1 || (blob[7] !== 0 && blob[7] !== 2)) fail('header failure');
  const mode = blob[7]!;
  const n = blob.readUInt16BE(8);
  if (n < 1 || n > 1024 || (mode === 2 && n !== 1)) fail('header failure');
  const headerEnd = 42 + 80 * n;
  if (blob.length < headerEnd) fail('header failure');
  // Step 2.
  if (mode === 2 && pkS === undefined) fail('header failure');
  if (mode === 0 && pkS !== undefined) fail('no match');
  const prelude = blob.subarray(0, 10);
  // Step 3: try each stanza.
  const recipientKey = await hpke.kem.deserializePrivateKey(skR);
  const senderPublicKey = pkS === undefined ? undefined : await hpke.kem.deserializePublicKey(pkS);
  let fileKey: Buffer | undefined;
  for (let i = 0; i < n && fileKey === undefined; i++) {
    const stanza = blob.subarray(10 + 80 * i, 90 + 80 * i);
    try {
      const pt = await hpke.open(
        { recipientKey, enc: stanza.subarray(0, 32), info: INFO, ...(senderPublicKey ? { senderPublicKey } : {}) },
        stanza.subarray(32),
        prelude,
      );
      fileKey = Buffer.from(pt);
    } catch (err) {
      // Only an AEAD failure means "not for us"; anything else (an all-zero DH) aborts.
      if ((err as Error).name !== 'OpenError') fail('header failure');
    }
  }
  if (fileKey === undefined) return fail('no match');
  if (fileKey.length !== 32) fail('header failure');
  // Step 4: header MAC.
  const macKey = Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), Buffer.from('zerovault/v1/seal/header\0'), 32));
  const mac = createHmac('sha256', macKey).update(blob.subarray(0, headerEnd - 32)).update(aad).digest();
  if (!timingSafeEqual(mac, blob.subarray(headerEnd - 32, headerEnd))) fail('HMAC failure');
  // Step 5: payload.
  const key = Buffer.from(hkdfSync('sha256', fileKey, mac, Buffer.from('zerovault/v1/seal/payload\0'), 32));
  const payload = blob.subarray(headerEnd);
  const pieces: Buffer[] = [];
  for (let o = 0; o < payload.length; o += 65552) pieces.push(payload.subarray(o, o + 65552));
  const released: Buffer[] = [];
  if (pieces.length === 0) throw Object.assign(new Failure('payload failure'), { released: Buffer.alloc(0) });
  for (const [i, piece] of pieces.entries()) {
    const last = i === pieces.length - 1;
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(i, 5, 6);
    nonce[11] = last ? 1 : 0;
    try {
      if (piece.length < 16) throw new Error('shorter than a tag');
      const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      d.setAuthTag(piece.subarray(piece.length - 16));
      const chunk = Buffer.concat([d.update(piece.subarray(0, piece.length - 16)), d.final()]);
      if (last && i > 0 && chunk.length === 0) throw new Error('empty final chunk');
      released.push(chunk);
    } catch {
      throw Object.assign(new Failure('payload failure'), { released: Buffer.concat(released) });
    }
  }
  const plaintext = Buffer.concat(released);
  return { plaintext, released: plaintext };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('an independent opener, from the page alone', () => {
  for (const v of file.vectors) {
    test(`${v.name}: ${v.expect}`, async () => {
      const blob = Buffer.concat(v.blob.map((n) => Buffer.from(file.parts[n]!, 'hex')));
      const skR = Buffer.from(file.keys[v.identity]!.secret_key, 'hex');
      const pkS = v.from === undefined ? undefined : Buffer.from(file.keys[v.from]!.public_key, 'hex');
      let outcome: string;
      try {
        const { plaintext } = await openBlob(blob, skR, pkS, Buffer.from(v.aad, 'hex'));
        outcome = 'success';
        expect(sha256(plaintext)).toBe(v.plaintext_sha256);
      } catch (err) {
        if (!(err instanceof Failure)) throw err;
        outcome = err.message;
        const released = (err as Failure & { released?: Buffer }).released;
        if (v.released_sha256 !== undefined) expect(sha256(Buffer.from(released ?? Buffer.alloc(0)))).toBe(v.released_sha256);
      }
      expect(outcome).toBe(v.expect);
    });
  }

  test('the worked example on the page is the hello vector, and opens', async () => {
    const page = readFileSync(join(root, 'docs/seal-format.md'), 'utf8');
    const block = /The blob \(151 bytes[^\n]*\n\n```\n([0-9a-f\n]+)```/.exec(page);
    expect(block).not.toBeNull();
    const blob = Buffer.from(block![1]!.replace(/\n/g, ''), 'hex');
    const hello = file.vectors.find((v) => v.name === 'hello')!;
    expect(blob.toString('hex')).toBe(Buffer.concat(hello.blob.map((n) => Buffer.from(file.parts[n]!, 'hex'))).toString('hex'));
    const secret = /recipient secret key\s+([0-9a-f]{64})/.exec(page)![1]!;
    const { plaintext } = await openBlob(blob, Buffer.from(secret, 'hex'), undefined, Buffer.alloc(0));
    expect(plaintext.toString()).toBe('Hello, world!');
  });
});
