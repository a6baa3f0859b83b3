/**
 * `zerovault/ksf-worker`: run OPAQUE's key stretching (Argon2id) in a Web
 * Worker, so a login never freezes the page.
 *
 * ```ts
 * // ksf.worker.ts: the worker's module
 * import { serveKsf } from 'zerovault/ksf-worker'
 * serveKsf()
 *
 * // main.ts
 * import { Client } from 'zerovault'
 * import { createWorkerKsf } from 'zerovault/ksf-worker'
 * const ksf = createWorkerKsf(new Worker(new URL('./ksf.worker.js', import.meta.url), { type: 'module' }))
 * const client = new Client({ url, ksfRunner: ksf.run })
 * ```
 *
 * The client keeps pinning the profile; the worker re-checks it against the
 * same floor and ceiling and computes exactly what the client would. Worker
 * failures, termination and timeouts are `ZeroVaultError`s with code
 * `WORKER`. See `docs/browser.md`.
 *
 * @module
 */
export { createWorkerKsf, type KsfWorkerLike, type WorkerKsf, type WorkerKsfOptions } from './crypto/ksf-worker-runner.js';
/** The event names and listener shape a {@link KsfWorkerLike} must accept. */
export type { Listener as KsfWorkerListener, WorkerEvent as KsfWorkerEvent } from './crypto/ksf-worker-runner.js';
export { serveKsf, type KsfWorkerScope } from './crypto/ksf-worker-serve.js';
export type { KsfJob, KsfRunner } from './crypto/ksf-runner.js';
export { KSF_MESSAGE_TYPE } from './crypto/ksf-worker-messages.js';
