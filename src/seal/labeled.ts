/**
 * `LabeledExtract` and `LabeledExpand` (RFC 9180 §4): HKDF with the
 * `"HPKE-v1"` version label and a `suite_id`, shared by the KEM (whose
 * `suite_id` is `"KEM" || kem_id`) and the key schedule (`"HPKE" || ids`).
 *
 * @module
 */
import type { Backend, HashName } from '../crypto/backend.js';
import { concat, i2osp, utf8, wipe } from '../crypto/bytes.js';

const VERSION = utf8('HPKE-v1');

/**
 * `LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm)`.
 * The concatenation holds the secret `ikm`, so it is wiped after use.
 */
export function labeledExtract(
  backend: Backend,
  hash: HashName,
  suiteId: Uint8Array,
  salt: Uint8Array,
  label: string,
  ikm: Uint8Array,
): Uint8Array {
  const labeledIkm = concat(VERSION, suiteId, utf8(label), ikm);
  try {
    return backend.hkdfExtract(hash, salt, labeledIkm);
  } finally {
    wipe(labeledIkm);
  }
}

/**
 * `LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)`.
 */
export function labeledExpand(
  backend: Backend,
  hash: HashName,
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const labeledInfo = concat(i2osp(length, 2), VERSION, suiteId, utf8(label), info);
  return backend.hkdfExpand(hash, prk, labeledInfo, length);
}
