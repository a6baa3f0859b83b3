/**
 * Sealed records (issue 3): `sealRecord` and `openRecord` at 1 KiB and
 * 16 MiB against one raw AES-256-GCM call of the same size on the raw routes
 * (`node:crypto`, WebCrypto with a pre-imported key); the fastest is the
 * baseline. Targets: at 1 KiB seal ≥ 0.3× and open ≥ 0.4× raw ops/s, at
 * 16 MiB ≥ 0.9× raw throughput.
 *
 * Our rows take the KEK two ways: imported once (`importKek`, what a
 * long-lived service should hold) and as 32 raw bytes (what the keyring
 * hands the client's `Vault`). Rows marked "(ref)" are hand-written on
 * node:crypto for context: a bare envelope (fresh DEK, GCM payload,
 * GCM-wrapped DEK, no commitment), and the same plus suite 2's key
 * commitment (one HMAC-SHA-512 block): the native calls every record of the
 * current suite costs, with no parsing, AAD or checks around them; and the
 * open of a suite-1 record (HKDF-SHA-256: three HMACs).
 *
 * A benchmark, not a test: it fails only when the routes disagree on bytes.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes as nodeRandomBytes } from 'node:crypto';
import { importKek, openRecord, sealRecord, type Kek } from '../src/envelope/index.js';
import { getBackend } from '#backend';
import { drawSealInputs, sealRecordWith } from '../src/envelope/record.js';
import { measure, pairedRatio, rawRoutes, fixed, sizeLabel, verdict, type Route, type Table } from './measure.js';
import type { RunSettings } from './options.js';

const TAG = 16;
const NONCE = 12;
const SIZES = [1024, 16 * 1024 * 1024];

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

function target(op: 'seal' | 'open', size: number): number {
  if (size >= 1024 * 1024) return 0.9;
  return op === 'seal' ? 0.3 : 0.4;
}

interface EnvelopeCase {
  readonly op: 'seal' | 'open';
  readonly size: number;
  readonly routes: readonly Route[];
}

async function cases(size: number): Promise<EnvelopeCase[]> {
  const rawKek = new Uint8Array(nodeRandomBytes(32));
  const rawKey = new Uint8Array(nodeRandomBytes(32));
  const nonce = new Uint8Array(nodeRandomBytes(NONCE));
  const plaintext = new Uint8Array(nodeRandomBytes(size));
  const kekBytes: Kek = { id: 'vault-1', version: 1, key: rawKek };
  const kekImported = await importKek(kekBytes);
  const where = { vaultId: 'vault-1', recordId: 'record-0001', version: 7 };
  const keyObject = createSecretKey(rawKey);
  const kekObject = createSecretKey(rawKek);
  const subtle = globalThis.crypto.subtle;
  const cryptoKey = await subtle.importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);

  // One raw AES-256-GCM call: what the envelope is rated against.
  const nodeSeal = (): Uint8Array => {
    const cipher = createCipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: TAG });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const webSeal = async (): Promise<Uint8Array> =>
    new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: TAG * 8 }, cryptoKey, plaintext));
  const sealed = Uint8Array.from(nodeSeal());
  if (!same(sealed, await webSeal())) throw new Error(`raw routes disagree at ${size} B`);
  const nodeOpen = (): Uint8Array => {
    const decipher = createDecipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: TAG });
    decipher.setAuthTag(sealed.subarray(size));
    const body = decipher.update(sealed.subarray(0, size));
    decipher.final();
    return body;
  };
  const webOpen = async (): Promise<Uint8Array> =>
    new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, tagLength: TAG * 8 }, cryptoKey, sealed));
  if (!same(nodeOpen(), plaintext) || !same(await webOpen(), plaintext)) throw new Error(`raw open disagrees at ${size} B`);

  // The floor: an envelope without commitment or AAD encoding, by hand on node:crypto.
  const bareSeal = (): Uint8Array[] => {
    const fresh = nodeRandomBytes(32 + 2 * NONCE);
    const dek = fresh.subarray(0, 32);
    const wrap = createCipheriv('aes-256-gcm', kekObject, fresh.subarray(32, 32 + NONCE), { authTagLength: TAG });
    const wrapped = Buffer.concat([wrap.update(dek), wrap.final(), wrap.getAuthTag()]);
    const cipher = createCipheriv('aes-256-gcm', createSecretKey(dek), fresh.subarray(32 + NONCE), { authTagLength: TAG });
    return [wrapped, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()];
  };
  const bareWrapNonce = new Uint8Array(nodeRandomBytes(NONCE));
  const bareDek = new Uint8Array(nodeRandomBytes(32));
  const bareWrapped = (() => {
    const wrap = createCipheriv('aes-256-gcm', kekObject, bareWrapNonce, { authTagLength: TAG });
    return Buffer.concat([wrap.update(bareDek), wrap.final(), wrap.getAuthTag()]);
  })();
  const bareBody = (() => {
    const cipher = createCipheriv('aes-256-gcm', createSecretKey(bareDek), nonce, { authTagLength: TAG });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  })();
  const bareOpen = (): Uint8Array => {
    const unwrap = createDecipheriv('aes-256-gcm', kekObject, bareWrapNonce, { authTagLength: TAG });
    unwrap.setAuthTag(bareWrapped.subarray(32));
    const dek = unwrap.update(bareWrapped.subarray(0, 32));
    unwrap.final();
    const decipher = createDecipheriv('aes-256-gcm', createSecretKey(dek), nonce, { authTagLength: TAG });
    decipher.setAuthTag(bareBody.subarray(size));
    const body = decipher.update(bareBody.subarray(0, size));
    decipher.final();
    return body;
  };
  if (!same(bareOpen(), plaintext)) throw new Error(`bare envelope disagrees at ${size} B`);

  // The same with suite 2's DEK (64 bytes) and key commitment (one HMAC-SHA-512 block,
  // split into payload key and commitment), raw keys straight to the cipher: the native
  // calls a suite-2 record seal or open makes on node:crypto, with nothing else around them.
  const keysInfo = new Uint8Array(nodeRandomBytes(30));
  const derive = (dek: Uint8Array): { key: Buffer; commitment: Buffer } => {
    const block = createHmac('sha512', dek).update(keysInfo).digest();
    return { key: block.subarray(0, 32), commitment: block.subarray(32) };
  };
  const committedSeal = (): Uint8Array[] => {
    const fresh = nodeRandomBytes(64 + 2 * NONCE);
    const dek = fresh.subarray(0, 64);
    const { key, commitment } = derive(dek);
    const wrap = createCipheriv('aes-256-gcm', kekObject, fresh.subarray(64, 64 + NONCE), { authTagLength: TAG });
    const wrapped = Buffer.concat([wrap.update(dek), wrap.final(), wrap.getAuthTag()]);
    const cipher = createCipheriv('aes-256-gcm', key, fresh.subarray(64 + NONCE), { authTagLength: TAG });
    return [wrapped, commitment, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()];
  };
  const committedDek = new Uint8Array(nodeRandomBytes(64));
  const committedWrapped = (() => {
    const wrap = createCipheriv('aes-256-gcm', kekObject, bareWrapNonce, { authTagLength: TAG });
    return Buffer.concat([wrap.update(committedDek), wrap.final(), wrap.getAuthTag()]);
  })();
  const committedBody = (() => {
    const cipher = createCipheriv('aes-256-gcm', derive(committedDek).key, nonce, { authTagLength: TAG });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  })();
  const committedOpen = (): Uint8Array => {
    const unwrap = createDecipheriv('aes-256-gcm', kekObject, bareWrapNonce, { authTagLength: TAG });
    unwrap.setAuthTag(committedWrapped.subarray(64));
    const dek = unwrap.update(committedWrapped.subarray(0, 64));
    unwrap.final();
    const { key, commitment } = derive(dek);
    if (commitment.length !== 32) throw new Error('unreachable');
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    decipher.setAuthTag(committedBody.subarray(size));
    const body = decipher.update(committedBody.subarray(0, size));
    decipher.final();
    return body;
  };
  if (!same(committedOpen(), plaintext)) throw new Error(`committed envelope disagrees at ${size} B`);

  const record = await sealRecord({ ...where, kek: kekImported, plaintext });
  // A record of the first suite (three HMACs per open), which every release keeps opening.
  const suite1Record = await sealRecordWith({ ...where, kek: kekImported, plaintext }, drawSealInputs(1), getBackend());
  if (!same(await openRecord({ ...where, kek: kekImported, sealed: suite1Record }), plaintext)) throw new Error(`suite-1 record fails at ${size} B`);
  if (!same(await openRecord({ ...where, kek: kekBytes, sealed: record }), plaintext)) throw new Error(`record round-trip fails at ${size} B`);
  if (!same(await openRecord({ ...where, kek: kekImported, sealed: await sealRecord({ ...where, kek: kekBytes, plaintext }) }), plaintext)) {
    throw new Error(`record round-trip (raw KEK) fails at ${size} B`);
  }

  return [
    {
      op: 'seal',
      size,
      routes: [
        { name: 'zerovault sealRecord (imported KEK)', ours: true, fn: () => sealRecord({ ...where, kek: kekImported, plaintext }) },
        { name: 'zerovault sealRecord (raw KEK bytes)', ours: true, fn: () => sealRecord({ ...where, kek: kekBytes, plaintext }) },
        { name: 'raw node:crypto, one call', ours: false, fn: nodeSeal },
        { name: 'raw WebCrypto, one call', ours: false, fn: webSeal },
        { name: '(ref) bare envelope, node:crypto', ours: false, reference: true, fn: bareSeal },
        { name: '(ref) bare + suite-2 commitment, node:crypto', ours: false, reference: true, fn: committedSeal },
      ],
    },
    {
      op: 'open',
      size,
      routes: [
        { name: 'zerovault openRecord (imported KEK)', ours: true, fn: () => openRecord({ ...where, kek: kekImported, sealed: record }) },
        { name: 'zerovault openRecord (raw KEK bytes)', ours: true, fn: () => openRecord({ ...where, kek: kekBytes, sealed: record }) },
        { name: 'raw node:crypto, one call', ours: false, fn: nodeOpen },
        { name: 'raw WebCrypto, one call', ours: false, fn: webOpen },
        { name: '(ref) bare envelope, node:crypto', ours: false, reference: true, fn: bareOpen },
        { name: '(ref) bare + suite-2 commitment, node:crypto', ours: false, reference: true, fn: committedOpen },
        { name: '(ref) zerovault openRecord, a suite-1 record', ours: false, reference: true, fn: () => openRecord({ ...where, kek: kekImported, sealed: suite1Record }) },
      ],
    },
  ];
}

/** Runs the envelope section and returns its table. */
export async function envelopeSection(s: RunSettings): Promise<Table> {
  const rows: string[][] = [];
  for (const size of SIZES) {
    for (const c of await cases(size)) {
      const measured = await measure(c.routes, s);
      const raw = rawRoutes(measured);
      const goal = target(c.op, size);
      for (const m of measured) {
        const ratio = pairedRatio(m, raw);
        rows.push([
          `${c.op}Record`,
          sizeLabel(size),
          m.name,
          fixed(m.opsPerSecond, 0),
          fixed((m.opsPerSecond * size) / 1e6, 1),
          fixed(m.medianMs * 1000, 1),
          fixed(m.bestMs * 1000, 1),
          m.ours ? verdict(ratio, goal) : m.reference ? `${fixed(ratio, 2)}×` : '',
        ]);
      }
    }
  }
  return {
    title: `Sealed records (issue 3): sealRecord / openRecord vs one raw AES-256-GCM call`,
    header: ['op', 'size', 'route', 'ops/s', 'MB/s', 'median µs', 'best µs', 'ours / fastest raw (target)'],
    rows,
    numeric: [3, 4, 5, 6],
    groupBy: [0, 1],
    notes: [
      '',
      'Targets: 1 KiB seal ≥ 0.3×, open ≥ 0.4× raw ops/s; 16 MiB ≥ 0.9× raw throughput. Ratios are paired per round',
      '(ours vs the fastest raw route of the same round), median over rounds. Raw calls use a fixed nonce and no AAD.',
    ],
  };
}
