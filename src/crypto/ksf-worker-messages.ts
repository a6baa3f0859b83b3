/**
 * The messages between a page (`createWorkerKsf`) and a KSF worker
 * (`serveKsf`), both in `zerovault/ksf-worker`. Structured-clone objects
 * tagged with a versioned `type`, so a worker can serve other messages too:
 *
 * ```
 * page → worker  { type, id, input, params, outputLength, implementation }
 * worker → page  { type, id, output }  |  { type, id, error: { code, message } }
 * ```
 *
 * Each side parses what it receives as untrusted: the worker re-validates the
 * profile against the same floor and ceiling as the client, and the page
 * checks the output's length and the error's code.
 *
 * @module
 */
import { ERROR_CODES, ZeroVaultError, isZeroVaultError, type ZeroVaultErrorCode } from '../errors.js';
import { assertBytes, assertOneOf, isBytes } from './assert.js';
import { assertArgon2idParams } from './ksf.js';
import type { KsfJob } from './ksf-runner.js';

/** The `type` of every message of this protocol; a new layout gets a new version. */
export const KSF_MESSAGE_TYPE = 'zerovault/v1/ksf';

/** The byte lengths the KSF serves: the suites' Nh (SHA-256 and SHA-512), for the input and the output. */
const LENGTHS: readonly number[] = [32, 64];

const IMPLEMENTATIONS = ['auto', 'wasm', 'js'] as const;

/** Longest error message relayed from the worker; ours are short and name parameters only. */
const MAX_MESSAGE = 200;

/** A stretch request, page → worker. */
export interface KsfRequestMessage extends KsfJob {
  readonly type: typeof KSF_MESSAGE_TYPE;
  readonly id: number;
}

/** A reply, worker → page: the output, or a failure with a stable code. */
export type KsfReplyMessage =
  | { readonly type: typeof KSF_MESSAGE_TYPE; readonly id: number; readonly output: Uint8Array }
  | { readonly type: typeof KSF_MESSAGE_TYPE; readonly id: number; readonly error: { readonly code: ZeroVaultErrorCode; readonly message: string } };

/** The request id of a message of this protocol, or `undefined` for any other message (which the receiver ignores). */
export function ksfMessageId(data: unknown): number | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { type, id } = data as { type?: unknown; id?: unknown };
  return type === KSF_MESSAGE_TYPE && typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/**
 * Parses a request in the worker. Reads each field once and validates it as
 * the client does: the profile against the floor and ceiling, the lengths
 * against the suites' Nh.
 *
 * @throws `INVALID_INPUT` naming the bad field
 */
export function parseKsfRequest(data: object): KsfJob {
  const { input, params, outputLength, implementation } = data as Record<string, unknown>;
  assertBytes(input, 'input', LENGTHS);
  assertOneOf(outputLength, 'outputLength', LENGTHS);
  assertOneOf(implementation, 'implementation', IMPLEMENTATIONS);
  return { input, params: assertArgon2idParams(params, 'params'), outputLength, implementation };
}

/** The error a reply carries, rebuilt on the page; a code outside the closed set becomes `WORKER`. */
export function replyError(error: unknown): ZeroVaultError {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code)) {
    return new ZeroVaultError('WORKER', 'the KSF worker sent a malformed reply');
  }
  const text = typeof message === 'string' && message.length <= MAX_MESSAGE ? message : 'the KSF failed in the worker';
  return new ZeroVaultError(code as ZeroVaultErrorCode, text);
}

/**
 * The output a reply carries, if it is a `Uint8Array` of `outputLength`
 * bytes; otherwise `undefined` (and a wrong-length output is wiped).
 */
export function replyOutput(data: object, outputLength: number): Uint8Array | undefined {
  const { output } = data as { output?: unknown };
  if (!isBytes(output)) return undefined;
  if (output.length === outputLength) return output;
  output.fill(0);
  return undefined;
}

/** Wipes the output of a reply nobody waits for any more (late, after a timeout). */
export function discardReply(data: object): void {
  const { output } = data as { output?: unknown };
  if (isBytes(output)) output.fill(0);
}

/** Builds the error reply for `err`: our codes and messages pass, anything else is a fixed `WORKER` message. */
export function errorReply(id: number, err: unknown): KsfReplyMessage {
  const safe =
    isZeroVaultError(err)
      ? { code: err.code, message: err.message }
      : { code: 'WORKER' as const, message: 'the KSF failed in the worker' };
  return { type: KSF_MESSAGE_TYPE, id, error: safe };
}

