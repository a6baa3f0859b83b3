/**
 * A pluggable place to run the KSF: the OPAQUE client decides *what* to
 * compute (the pinned Argon2id profile, the suite's output length) and a
 * {@link KsfRunner} only decides *where* (e.g. a Web Worker, so the page's
 * main thread does not freeze for the ~0.3–1 s Argon2id takes).
 *
 * The runner is handed a frozen, already validated profile and its result's
 * length is checked, so nothing a runner is given lets it change the
 * profile. But a runner is the app's own code and is trusted completely: one
 * that computes something weaker than the profile (or anything of the right
 * length) at registration registers a weaker credential, and every later
 * login through it succeeds; only mixing runners then fails (`AUTH_FAILED`).
 * The pinned profile is a guarantee for the built-in runner and for
 * `zerovault/ksf-worker`, whose worker checks the profile again and runs the
 * same `argon2id`.
 *
 * @module
 */
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
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
 * @throws `INVALID_INPUT` when the runner resolves to something else; a
 *   `ZeroVaultError` the runner rejects with (e.g. `WORKER`) as it is; any
 *   other rejection as `WORKER`, with the original as `cause`
 */
export async function runKsf(runner: KsfRunner, job: KsfJob): Promise<Uint8Array> {
  const input = job.input.slice();
  let output: unknown;
  try {
    output = await runner({ input, params: job.params, outputLength: job.outputLength, implementation: job.implementation });
  } catch (cause) {
    // Callers branch on `err.code`: an app runner's own error gets one.
    if (isZeroVaultError(cause)) throw cause;
    throw new ZeroVaultError('WORKER', 'the KSF runner failed', { cause });
  } finally {
    // A runner may have transferred this copy (its buffer is then detached
    // and empty, and cannot be filled); otherwise it is wiped here. The
    // worker runner makes and transfers a copy of its own.
    if (input.byteLength > 0) wipe(input);
  }
  if (!isBytes(output) || output.length !== job.outputLength) {
    if (isBytes(output)) wipe(output); // whatever it is, it came from the secret input
    throw new ZeroVaultError('INVALID_INPUT', `ksfRunner must resolve to a Uint8Array of ${job.outputLength} bytes`);
  }
  return output;
}
