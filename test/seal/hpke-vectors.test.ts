/**
 * RFC 9180 test vectors for DHKEM(X25519, HKDF-SHA256): RFC 9180 A.1.1 and
 * the X25519 subset of CIRCL's vector set (all four modes, HKDF-SHA256 and
 * HKDF-SHA512, AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 and export-only),
 * on every backend. Each vector checks DeriveKeyPair, Encap/Decap (and the
 * Auth variants), the key schedule, every encryption in sequence on both
 * sides, the single-shot API at sequence 0, and every export.
 *
 * The sealed-blob suite (AES-256-GCM, base and auth) is a subset; it is
 * counted separately so that a filter bug cannot hide it.
 */
import { expect, test } from 'vitest';
import type { Backend } from '../../src/crypto/backend.js';
import { deriveKeyPair, decap, encap } from '../../src/seal/kem.js';
import { keySchedule, type Mode } from '../../src/seal/keyschedule.js';
import { hpkeOpen, hpkeSeal, receiveExport, sendExport, setupRecipient, setupSender } from '../../src/seal/hpke.js';
import { HKDF_SHA256, HKDF_SHA512, createSuite, type HpkeSuite } from '../../src/seal/suite.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { AEADS, BACKENDS, codeOf, hex, makeBackend, toHex } from './helpers.js';

interface Vector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmE: string;
  ikmR: string;
  ikmS?: string;
  skEm: string;
  pkEm: string;
  skRm: string;
  pkRm: string;
  skSm?: string;
  pkSm?: string;
  psk?: string;
  psk_id?: string;
  enc: string;
  shared_secret: string;
  key_schedule_context: string;
  secret: string;
  key: string;
  base_nonce: string;
  exporter_secret: string;
  encryptions?: { aad: string; plaintext: string; nonce: string; ciphertext: string; seq?: number }[];
  exports?: { exporter_context: string; L: number; exported_value: string }[];
}

const CIRCL = 'hpke-rfc9180/circl_vectors_x25519_only.json';
const RFC = 'hpke-rfc9180/rfc9180_A.1.1.json';

interface Counts {
  vectors: number;
  encryptions: number;
  exports: number;
  ourSuiteBaseAuthEncryptions: number;
  ourSuiteBaseAuthExports: number;
}

function suiteFor(v: Vector, backend: Backend): HpkeSuite {
  const kdf = v.kdf_id === 1 ? HKDF_SHA256 : v.kdf_id === 3 ? HKDF_SHA512 : undefined;
  const aead = AEADS.get(v.aead_id);
  if (kdf === undefined || aead === undefined) throw new Error(`unexpected suite ${v.kdf_id}/${v.aead_id}`);
  return createSuite({ kdf, aead, backend });
}

/** XOR of the base nonce and the big-endian sequence number, as the vectors list it. */
function expectedNonce(baseNonce: Uint8Array, seq: number): string {
  const nonce = Uint8Array.from(baseNonce);
  let v = seq;
  for (let i = nonce.length - 1; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) nonce[i] = (nonce[i] as number) ^ (v % 256);
  return toHex(nonce);
}

async function runVector(v: Vector, backend: Backend, counts: Counts, failures: string[]): Promise<void> {
  const where = `mode=${v.mode} kdf=${v.kdf_id} aead=${v.aead_id}`;
  const check = (what: string, got: string, want: string): void => {
    if (got !== want) failures.push(`${where}: ${what}`);
  };
  const suite = suiteFor(v, backend);
  const auth = v.mode === 2 || v.mode === 3;
  const psk = v.psk === undefined ? {} : { psk: hex(v.psk), pskId: hex(v.psk_id ?? '') };
  const info = hex(v.info);

  // DeriveKeyPair for every party.
  const e = deriveKeyPair(backend, hex(v.ikmE));
  const r = deriveKeyPair(backend, hex(v.ikmR));
  check('skEm', toHex(e.secretKey), v.skEm);
  check('pkEm', toHex(e.publicKey), v.pkEm);
  check('skRm', toHex(r.secretKey), v.skRm);
  check('pkRm', toHex(r.publicKey), v.pkRm);
  let senderSecretKey: Uint8Array | undefined;
  let senderPublicKey: Uint8Array | undefined;
  if (auth) {
    const s = deriveKeyPair(backend, hex(v.ikmS ?? ''));
    check('skSm', toHex(s.secretKey), v.skSm ?? '');
    check('pkSm', toHex(s.publicKey), v.pkSm ?? '');
    senderSecretKey = s.secretKey;
    senderPublicKey = s.publicKey;
  }

  // Encap / Decap (or the Auth variants) and the key schedule.
  const encapsulation = encap(backend, r.publicKey, e, senderSecretKey);
  check('enc', toHex(encapsulation.enc), v.enc);
  check('shared_secret (encap)', toHex(encapsulation.sharedSecret), v.shared_secret);
  check('shared_secret (decap)', toHex(decap(backend, hex(v.enc), r.secretKey, senderPublicKey)), v.shared_secret);
  const schedule = keySchedule(suite, v.mode as Mode, hex(v.shared_secret), info, psk.psk, psk.pskId);
  check('key_schedule_context', toHex(schedule.keyScheduleContext), v.key_schedule_context);
  check('secret', toHex(schedule.secret), v.secret);
  check('key', toHex(schedule.key), v.key);
  check('base_nonce', toHex(schedule.baseNonce), v.base_nonce);
  check('exporter_secret', toHex(schedule.exporterSecret), v.exporter_secret);

  // Full contexts, deterministic through ikmE.
  const senderOptions = { recipientPublicKey: r.publicKey, info, ikmE: hex(v.ikmE), ...psk, ...(senderSecretKey ? { senderSecretKey } : {}) };
  const recipientOptions = { enc: hex(v.enc), recipientSecretKey: r.secretKey, info, ...psk, ...(senderPublicKey ? { senderPublicKey } : {}) };
  const { enc, context: sender } = await setupSender(suite, senderOptions);
  check('setup enc', toHex(enc), v.enc);
  const recipient = await setupRecipient(suite, recipientOptions);
  const encryptions = v.encryptions ?? [];
  const ours = v.kdf_id === 1 && v.aead_id === 2 && (v.mode === 0 || v.mode === 2);
  for (const [index, x] of encryptions.entries()) {
    const seq = x.seq ?? index;
    check(`nonce ${seq}`, expectedNonce(hex(v.base_nonce), seq), x.nonce);
    check(`seq ${seq}`, String(sender.seq), String(seq));
    check(`seal ${seq}`, toHex(await sender.seal(hex(x.plaintext), hex(x.aad))), x.ciphertext);
    check(`open ${seq}`, toHex(await recipient.open(hex(x.ciphertext), hex(x.aad))), x.plaintext);
    counts.encryptions += 1;
    if (ours) counts.ourSuiteBaseAuthEncryptions += 1;
  }
  if (encryptions.length === 0) {
    // Export-only: sealing must be refused.
    check('export-only seal refused', await codeOf(() => sender.seal(new Uint8Array(1))), 'UNSUPPORTED');
  } else {
    // Single-shot at sequence 0.
    const first = encryptions[0]!;
    const sealed = await hpkeSeal(suite, { ...senderOptions, plaintext: hex(first.plaintext), aad: hex(first.aad) });
    check('single-shot enc', toHex(sealed.enc), v.enc);
    check('single-shot ct', toHex(sealed.ciphertext), first.ciphertext);
    const opened = await hpkeOpen(suite, { ...recipientOptions, ciphertext: hex(first.ciphertext), aad: hex(first.aad) });
    check('single-shot pt', toHex(opened), first.plaintext);
  }
  for (const x of v.exports ?? []) {
    const exporterContext = hex(x.exporter_context);
    check(`export S ${x.exporter_context}`, toHex(sender.export(exporterContext, x.L)), x.exported_value);
    check(`export R ${x.exporter_context}`, toHex(recipient.export(exporterContext, x.L)), x.exported_value);
    const sent = await sendExport(suite, { ...senderOptions, exporterContext, length: x.L });
    check(`single-shot export S`, toHex(sent.secret), x.exported_value);
    const received = await receiveExport(suite, { ...recipientOptions, exporterContext, length: x.L });
    check(`single-shot export R`, toHex(received), x.exported_value);
    counts.exports += 1;
    if (ours) counts.ourSuiteBaseAuthExports += 1;
  }
  sender.destroy();
  recipient.destroy();
  counts.vectors += 1;
}

describeVectors('RFC 9180 vectors (CIRCL X25519 subset)', CIRCL, () => {
  const vectors = readVectorJson<Vector[]>(CIRCL);

  test('file holds 32 X25519 vectors: 6168 encryptions, 96 exports; our suite 4 vectors', () => {
    expect(vectors.length).toBe(32);
    expect(vectors.every((v) => v.kem_id === 0x20)).toBe(true);
    expect(vectors.reduce((n, v) => n + (v.encryptions?.length ?? 0), 0)).toBe(6168);
    expect(vectors.reduce((n, v) => n + (v.exports?.length ?? 0), 0)).toBe(96);
    const ours = vectors.filter((v) => v.kdf_id === 1 && v.aead_id === 2);
    expect(ours.map((v) => v.mode).sort()).toEqual([0, 1, 2, 3]);
  });

  for (const [name, create] of BACKENDS) {
    test(`${name}: every vector, every mode, every encryption and export`, async () => {
      const backend = makeBackend(name, create);
      const counts: Counts = { vectors: 0, encryptions: 0, exports: 0, ourSuiteBaseAuthEncryptions: 0, ourSuiteBaseAuthExports: 0 };
      const failures: string[] = [];
      for (const v of vectors) await runVector(v, backend, counts, failures);
      console.log(`[vectors] RFC 9180 CIRCL on ${name}: ${JSON.stringify(counts)}`);
      expect(failures).toEqual([]);
      expect(counts).toEqual({ vectors: 32, encryptions: 6168, exports: 96, ourSuiteBaseAuthEncryptions: 514, ourSuiteBaseAuthExports: 6 });
    });
  }
});

describeVectors('RFC 9180 A.1.1', RFC, () => {
  const vector = readVectorJson<Vector>(RFC);

  for (const [name, create] of BACKENDS) {
    test(`${name}: A.1.1 base mode (AES-128-GCM)`, async () => {
      const backend = makeBackend(name, create);
      const counts: Counts = { vectors: 0, encryptions: 0, exports: 0, ourSuiteBaseAuthEncryptions: 0, ourSuiteBaseAuthExports: 0 };
      const failures: string[] = [];
      await runVector(vector, backend, counts, failures);
      expect(failures).toEqual([]);
      expect(counts.vectors).toBe(1);
      expect(counts.encryptions).toBe(2);
    });
  }
});
