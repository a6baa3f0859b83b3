/**
 * Generates the vectors of the formats root-key rotation added:
 * `test/vectors/zerovault/recovery-slot-v2.json` (the v2 recovery slot, with
 * every derivation) and `root-chain-v1.json` (the root-key chain). The HPKE
 * ephemeral and the AES-GCM nonces are random, so a run makes new bytes;
 * the tests recompute every derivation from the inputs and open the slot,
 * so any published file checks the code. Run: `npx tsx scripts/gen-rotation-vectors.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '#backend';
import { makeRecoveryEntry } from '../src/client/credentials/recovery-slot.js';
import { toHex } from '../src/crypto/bytes.js';
import { LABELS } from '../src/crypto/kdf.js';
import { encodeRecoverySlot, recoveryExportKeys, recoveryKeysKey } from '../src/formats/recovery-slot.js';
import { encodeRootChain } from '../src/formats/root-chain.js';
import { keyIdOf } from '../src/client/account/slots.js';

const out = join(import.meta.dirname, '../test/vectors/zerovault');
const seq = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
const hex = (b: Uint8Array): string => toHex(b);

async function recoverySlot(): Promise<void> {
  const userId = 'alice@example.com';
  const rootKey = seq(0x80, 32);
  const exportKeys = [seq(0x10, 64), seq(0x50, 64)];
  const entries = [];
  const described = [];
  for (const exportKey of exportKeys) {
    const entry = await makeRecoveryEntry(userId, exportKey, rootKey);
    const { secretKey, macKey } = recoveryExportKeys(exportKey);
    entries.push(entry);
    described.push({
      exportKey: hex(exportKey),
      kid: hex(keyIdOf(exportKey)),
      secretKey: hex(secretKey),
      publicKey: hex(getBackend().x25519PublicKey(secretKey)),
      macKey: hex(macKey),
      keysKey: hex(recoveryKeysKey(rootKey, userId, entry.kid)),
      enc: hex(entry.enc),
      ciphertext: hex(entry.ciphertext),
      tag: hex(entry.tag),
      keys: hex(entry.keys),
    });
  }
  const one = encodeRecoverySlot([entries[0]!]);
  const two = encodeRecoverySlot(entries);
  const header = '5a530201';
  const entryHex = hex(one).slice(10);
  const file = {
    description:
      'zerovault recovery slot v2 (formats/recovery-slot.ts): "ZS" | 0x02 | suite 0x01 | count (1..4) | count × (kid 8 | enc 32 | ciphertext 48 | tag 32 | keys 92). The root key HPKE-sealed (base mode, X25519/HKDF-SHA256/AES-256-GCM) to X25519(HKDF(exportKey, recovery-x25519)), tagged with HMAC-SHA-256 under HKDF(exportKey, recovery-mac); keys = nonce || AES-256-GCM(HKDF(rootKey, recovery-keys, lp(userId) || kid), pk || macKey).',
    generator: 'scripts/gen-rotation-vectors.ts',
    labels: { kid: LABELS.unlockKid, x25519: LABELS.recoverySlotX25519, mac: LABELS.recoverySlotMac, keys: LABELS.recoverySlotKeys },
    userId,
    rootKey: hex(rootKey),
    valid: [
      { name: 'one entry', entries: [described[0]], bytes: hex(one) },
      { name: 'two entries (a recovery key being replaced)', entries: described, bytes: hex(two) },
    ],
    invalid: [
      { name: 'empty', bytes: '', error: 'INVALID_INPUT' },
      { name: 'wrong magic', bytes: `5a57020101${entryHex}`, error: 'INVALID_INPUT' },
      { name: 'v1 read as v2', bytes: `5a530101${entryHex}`, error: 'UNSUPPORTED' },
      { name: 'unknown version 3', bytes: `5a530301 01${entryHex}`.replace(' ', ''), error: 'UNSUPPORTED' },
      { name: 'unknown suite 2', bytes: `5a53020201${entryHex}`, error: 'UNSUPPORTED' },
      { name: 'count 0', bytes: `${header}00`, error: 'INVALID_INPUT' },
      { name: 'count 5', bytes: `${header}05${entryHex.repeat(5)}`, error: 'INVALID_INPUT' },
      { name: 'count 2, one entry', bytes: `${header}02${entryHex}`, error: 'INVALID_INPUT' },
      { name: 'trailing byte', bytes: `${hex(one)}00`, error: 'INVALID_INPUT' },
      { name: 'truncated entry', bytes: hex(one).slice(0, -2), error: 'INVALID_INPUT' },
      { name: 'two entries of one kid', bytes: `${header}02${entryHex}${entryHex}`, error: 'INVALID_INPUT' },
    ],
  };
  writeFileSync(join(out, 'recovery-slot-v2.json'), `${JSON.stringify(file, null, 1)}\n`);
}

function rootChain(): void {
  const links = [
    { rootKey: seq(0xa0, 32), records: [{ id: 'keyring', digest: seq(0x01, 32) }, { id: 'passkeys', digest: seq(0x21, 32) }] },
    { rootKey: seq(0xc0, 32), records: [] },
  ];
  const bytes = encodeRootChain(links);
  const file = {
    description: 'zerovault root-key chain (formats/root-chain.ts), the plaintext of the meta record root-prev: "ZO" | 0x01 | count (1..8) | count × (rootKey 32 | u16 n | n × (u8 len | recordId | sha256 32)).',
    generator: 'scripts/gen-rotation-vectors.ts',
    valid: [{ name: 'two earlier keys', links: links.map((l) => ({ rootKey: hex(l.rootKey), records: l.records.map((r) => ({ id: r.id, digest: hex(r.digest) })) })), bytes: hex(bytes) }],
    invalid: [
      { name: 'empty', bytes: '', error: 'INVALID_INPUT' },
      { name: 'wrong magic', bytes: `5a53${hex(bytes).slice(4)}`, error: 'INVALID_INPUT' },
      { name: 'unknown version', bytes: `5a4f02${hex(bytes).slice(6)}`, error: 'UNSUPPORTED' },
      { name: 'count 0', bytes: '5a4f0100', error: 'INVALID_INPUT' },
      { name: 'count 9', bytes: `5a4f0109${hex(bytes).slice(8)}`, error: 'INVALID_INPUT' },
      { name: 'trailing byte', bytes: `${hex(bytes)}00`, error: 'INVALID_INPUT' },
      { name: 'empty record id', bytes: `5a4f0101${hex(seq(0xa0, 32))}000100${hex(seq(1, 32))}`, error: 'INVALID_INPUT' },
    ],
  };
  writeFileSync(join(out, 'root-chain-v1.json'), `${JSON.stringify(file, null, 1)}\n`);
}

await recoverySlot();
rootChain();
