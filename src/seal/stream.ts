/**
 * Streaming sealed blobs over WHATWG streams, byte-for-byte the same format
 * as `seal` / `open`: thin wrappers over `engine.ts`. Memory is bounded by
 * one 64 KiB chunk plus the caller's largest write, whatever the total size.
 *
 * Node: `Readable.toWeb(file).pipeThrough(sealStream({ to }))`, and
 * `Writable.fromWeb` on the way out.
 *
 * @module
 */
import { defaultEnv, type SealEnv } from './env.js';
import { createOpener, startSeal, type PayloadSealer } from './engine.js';
import { openParams, sealParams, type OpenOptions, type SealOptions } from './options.js';

type Controller = TransformStreamDefaultController<Uint8Array>;

function emit(controller: Controller, parts: readonly Uint8Array[]): void {
  for (const part of parts) controller.enqueue(part);
}

/** `sealStream` with an explicit environment (internal). */
export function sealStreamWith(env: SealEnv, options: SealOptions): TransformStream<Uint8Array, Uint8Array> {
  const params = sealParams(options);
  let sealer: PayloadSealer | undefined;
  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      sealer = await startSeal(env, params);
      controller.enqueue(sealer.header);
    },
    async transform(input, controller) {
      emit(controller, await (sealer as PayloadSealer).write(input));
    },
    async flush(controller) {
      emit(controller, await (sealer as PayloadSealer).end());
    },
  });
}

/** `openStream` with an explicit environment (internal). */
export function openStreamWith(env: SealEnv, options: OpenOptions): TransformStream<Uint8Array, Uint8Array> {
  const opener = createOpener(env, openParams(options));
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(input, controller) {
      emit(controller, await opener.write(input));
    },
    async flush(controller) {
      emit(controller, await opener.end());
    },
  });
}

/**
 * A stream that seals what is written to it: the readable side yields the
 * header, then one sealed chunk per 64 KiB of input, then the final chunk
 * when the writable side closes. Same format and options as `seal`.
 *
 * @throws `INVALID_INPUT` at once on malformed options; the stream errors
 *   with `INVALID_INPUT` on a non-`Uint8Array` chunk or a low-order recipient key
 */
export function sealStream(options: SealOptions): TransformStream<Uint8Array, Uint8Array> {
  return sealStreamWith(defaultEnv(), options);
}

/**
 * A stream that opens a sealed blob written to it. Plaintext is emitted one
 * chunk at a time, each only after it authenticates; a chunk is held until
 * the next bytes (or the end of input) show whether it is the final one.
 * The stream errors, after emitting the authenticated prefix, on
 * truncation, trailing data, reordered or duplicated chunks: treat the
 * output as complete only when the stream closes without error.
 *
 * @throws `INVALID_INPUT` at once on malformed options; the stream errors
 *   with the codes of `open`
 */
export function openStream(options: OpenOptions): TransformStream<Uint8Array, Uint8Array> {
  return openStreamWith(defaultEnv(), options);
}
