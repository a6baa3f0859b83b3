/**
 * A pluggable place to run the KSF: the OPAQUE client decides *what* to
 * compute (the pinned Argon2id profile, the suite's output length) and a
 * {@link KsfRunner} only decides *where* (e.g. a Web Worker, so the page's
 * main thread does not freeze for the ~0.3–1 s Argon2id takes).
 *
 * The runner is handed a frozen, already validated profile and its result's
 * length is checked, so swapping the runner cannot change the profile through
 * this API. A runner is the app's own code and is trusted to compute
 * Argon2id; a wrong result simply makes the login fail with `AUTH_FAILED`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { isBytes } from './assert.js';
import { wipe } from './bytes.js';
import type { Argon2idImplementation, Argon2idParams } from './ksf.js';

/** One KSF call, as the OPAQUE client hands it to a {@link KsfRunner}. */
export interface KsfJob {
  /** The OPRF output to stretch: as secret as the password. A copy the runner may transfer or keep until it resolves. */
  readonly input: Uint8Array;
  /** The client's pinned Argon2id profile, validated against the floor and ceiling, frozen. */
  readonly params: Argon2idParams;
  /** Output length in bytes (the suite's Nh). */
  readonly outputLength: number;
  /** Which implementation to run (`ksfImplementation`); same output either way. */
  readonly implementation: Argon2idImplementation;
}

/**
 * Runs Argon2id for the OPAQUE client somewhere else (see `createWorkerKsf`
 * in `zerovault/ksf-worker`). Must resolve to a fresh `outputLength`-byte
 * buffer that the client then owns and wipes.
 */
export type KsfRunner = (job: KsfJob) => Promise<Uint8Array>;

/**
 * Runs `job` on `runner` and checks the result: the runner gets its own copy
 * of the input (so transferring it cannot detach the caller's bytes), the
 * copy is wiped afterwards, and anything but a `Uint8Array` of
 * `job.outputLength` bytes is rejected.
 *
 * @throws `INVALID_INPUT` when the runner resolves to something else;
 *   whatever the runner rejects with (e.g. `WORKER`)
 */
export async function runKsf(runner: KsfRunner, job: KsfJob): Promise<Uint8Array> {
  const input = job.input.slice();
  let output: unknown;
  try {
    output = await runner({ input, params: job.params, outputLength: job.outputLength, implementation: job.implementation });
  } finally {
    // A worker runner transfers the copy (its buffer is then detached, empty,
    // and cannot be filled); any other runner leaves it here to wipe.
    if (input.byteLength > 0) wipe(input);
  }
  if (!isBytes(output) || output.length !== job.outputLength) {
    throw new ZeroVaultError('INVALID_INPUT', `ksfRunner must resolve to a Uint8Array of ${job.outputLength} bytes`);
  }
  return output;
}
