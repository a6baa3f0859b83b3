/**
 * A record's payload key and key commitment, derived from its DEK (the KDF
 * is specified in `docs/format.md`; `format.ts` says what each suite fixes).
 *
 * @module
 */
import { assertBytes } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { concat, utf8, wipe } from '../crypto/bytes.js';
import { LABELS } from '../crypto/kdf.js';
import { RECORD_SUITES, type RecordSuite } from './format.js';

const EMPTY = new Uint8Array(0);

/**
 * `info || 0x01` for a record label: HKDF-Expand's first (and, here, only)
 * block is `T(1) = HMAC(PRK, info || 0x01)` (RFC 5869 §2.3), and
 * `info = label || 0x00 || prefix` as `deriveKey` builds it.
 */
function expandBlockInput(label: string, suite: RecordSuite): Uint8Array {
  return concat(utf8(label), Uint8Array.of(0), suite.prefix, Uint8Array.of(1));
}

const SUITE1_KEY_INPUT = expandBlockInput(LABELS.recordKey, RECORD_SUITES[1]);
const SUITE1_COMMITMENT_INPUT = expandBlockInput(LABELS.recordCommitment, RECORD_SUITES[1]);
const SUITE2_KEYS_INPUT = expandBlockInput(LABELS.recordKeys, RECORD_SUITES[2]);

/**
 * The payload key and the commitment of a `suite` record, computed from the
 * KDF's definition with every input built once at load (this runs on every
 * seal and open):
 * - suite 1: `HKDF-SHA-256(DEK, salt "", info(label), 32)` for the key and the
 *   commitment labels: one Extract, then one HMAC block per label;
 * - suite 2: `HKDF-Expand-SHA-512(DEK, info("zerovault/v1/record/keys"), 64)`,
 *   one HMAC: bytes 0–31 are the key, 32–63 the commitment.
 *
 * The caller wipes `key`.
 */
export function deriveRecordKeys(dek: Uint8Array, suite: RecordSuite, backend: Backend): { key: Uint8Array; commitment: Uint8Array } {
  assertBytes(dek, 'dek', suite.dekLength);
  if (suite.id === 2) {
    const block = backend.hmac('SHA-512', dek, SUITE2_KEYS_INPUT);
    return { key: block.subarray(0, 32), commitment: block.slice(32) };
  }
  const prk = backend.hkdfExtract('SHA-256', EMPTY, dek);
  try {
    return { key: backend.hmac('SHA-256', prk, SUITE1_KEY_INPUT), commitment: backend.hmac('SHA-256', prk, SUITE1_COMMITMENT_INPUT) };
  } finally {
    wipe(prk);
  }
}

/** The record's 32-byte key commitment (see {@link deriveRecordKeys}). */
export function deriveCommitment(dek: Uint8Array, suite: RecordSuite, backend: Backend): Uint8Array {
  const { key, commitment } = deriveRecordKeys(dek, suite, backend);
  wipe(key);
  return commitment;
}
