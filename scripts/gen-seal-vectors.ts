/**
 * Writes the published sealed-blob vectors:
 *   test/vectors/zerovault/seal-v1.json       blobs (valid and invalid)
 *   test/vectors/zerovault/seal-keytext.json  zvpk1… / zvsk1… texts
 *   test/vectors/zerovault/seal-pq-v1.json    X-Wing and passphrase blobs
 *
 * Deterministic: fixed keys and injected randomness through the internal
 * sealing path (not exported by the package). `test/seal/vectors.test.ts`
 * rebuilds both and fails if the files differ, so a format change cannot go
 * unnoticed.
 *
 * Run: node --import tsx scripts/gen-seal-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend } from '#backend';
import { buildSealVectors } from '../test/seal/cases.js';
import { buildKeyTextVectors } from '../test/seal/keytext-cases.js';
import { buildPqVectors } from '../test/seal/pq-cases.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors', 'zerovault');
const backend = getBackend();
writeFileSync(join(out, 'seal-v1.json'), `${JSON.stringify(await buildSealVectors(backend), null, 1)}\n`);
writeFileSync(join(out, 'seal-keytext.json'), `${JSON.stringify(buildKeyTextVectors(backend), null, 1)}\n`);
writeFileSync(join(out, 'seal-pq-v1.json'), `${JSON.stringify(await buildPqVectors(backend), null, 1)}\n`);
console.log(`wrote ${out}/seal-v1.json, seal-keytext.json and seal-pq-v1.json`);
