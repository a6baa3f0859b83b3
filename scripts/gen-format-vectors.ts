/**
 * Writes the published vectors of the wire formats both sides read
 * (`src/formats/`), one file each under test/vectors/zerovault/:
 *
 *   user-ids-v1.json, recovery-keys-v1.json, slots-v1.json, manifest-v1.json,
 *   frames-v1.json, record-signatures-v1.json, key-events-v1.json,
 *   grants-v1.json, membership-v1.json, safety-numbers-v1.json, device-v1.json,
 *   device-slot-v1.json, passkey-slot-v1.json, security-log-v1.json
 *
 * Deterministic: fixed keys and ids, Ed25519's deterministic signatures, and
 * injected randomness where a format seals (slot wraps, grants). Each invalid
 * vector is checked against the implementation as it is built; the tests
 * under test/formats/ check every file against the implementation again.
 *
 * Run: node --import tsx scripts/gen-format-vectors.ts [file.json ...] (all files when none is named)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameVectors, manifestVectors, recordSignatureVectors, recoveryKeyVectors, slotVectors, userIdVectors } from './format-vectors-account.js';
import { deviceVectors } from './format-vectors-device.js';
import { deviceSlotVectors } from './format-vectors-device-slot.js';
import { passkeySlotVectors } from './format-vectors-passkey-slot.js';
import { logVectors } from './format-vectors-log.js';
import { grantVectors, keyEventVectors, membershipVectors, safetyNumberVectors } from './format-vectors-sharing.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors', 'zerovault');

const files: [string, () => Promise<object>][] = [
  ['user-ids-v1.json', userIdVectors],
  ['recovery-keys-v1.json', recoveryKeyVectors],
  ['slots-v1.json', slotVectors],
  ['manifest-v1.json', manifestVectors],
  ['frames-v1.json', frameVectors],
  ['record-signatures-v1.json', recordSignatureVectors],
  ['key-events-v1.json', keyEventVectors],
  ['grants-v1.json', grantVectors],
  ['membership-v1.json', membershipVectors],
  ['safety-numbers-v1.json', safetyNumberVectors],
  ['device-v1.json', deviceVectors],
  ['device-slot-v1.json', deviceSlotVectors],
  ['passkey-slot-v1.json', passkeySlotVectors],
  ['security-log-v1.json', logVectors],
];

const only = process.argv.slice(2);
for (const [name, build] of files) {
  if (only.length > 0 && !only.includes(name)) continue;
  writeFileSync(join(out, name), `${JSON.stringify(await build(), null, 1)}\n`);
  console.log(`wrote ${name}`);
}
