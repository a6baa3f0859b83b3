/**
 * The platform a sealing operation runs on: the crypto backend and the
 * randomness source. Production always uses the build's backend and the
 * platform CSPRNG ({@link defaultEnv}); only internal callers (the vector
 * generator, the backend-parity tests) pass anything else. Nothing in the
 * `zerovault/seal` entry point lets a caller inject randomness.
 *
 * @module
 */
import { getBackend } from '#backend';
import type { Backend } from '../crypto/backend.js';
import { randomBytes } from '../crypto/random.js';
import type { StanzaCode } from './header.js';

/** Backend and randomness for one operation. */
export interface SealEnv {
  /** The crypto route. */
  readonly backend: Backend;
  /** `length` fresh random bytes. */
  readonly random: (length: number) => Uint8Array;
  /**
   * The passphrase stanza code (`passphrase.ts`), where the caller provides
   * it: the CLI does; the `zerovault/seal` entry does not, so that Argon2id
   * never enters its bundle (passphrase blobs are then `UNSUPPORTED` there).
   */
  readonly passphrase?: StanzaCode;
}

/** The build's backend and the platform CSPRNG, read when called. */
export function defaultEnv(): SealEnv {
  return { backend: getBackend(), random: randomBytes };
}
