/**
 * The passkey side of `Session` that needs no passkey code: validating the
 * arguments of `addPasskey` and `removePasskey`, and loading that code
 * (with the first passkey call, never with the page).
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError } from '../../errors.js';
import type * as Passkeys from '../passkeys/index.js';
import type { AddPasskeyOptions, RemovePasskeyOptions } from './types.js';

/** The passkey code, loaded with the first passkey call. */
export function passkeyCode(): Promise<typeof Passkeys> {
  return loadOnDemand(() => import('../passkeys/index.js'));
}

function checkCommon(options: { signal?: unknown; currentPassword?: unknown }): void {
  const { signal, currentPassword } = options;
  if (signal !== undefined && (typeof AbortSignal === 'undefined' || !(signal instanceof AbortSignal))) throw new ZeroVaultError('INVALID_INPUT', 'signal must be an AbortSignal');
  if (currentPassword !== undefined && (typeof currentPassword !== 'string' || currentPassword.length === 0)) {
    throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
  }
}

/** Validates `addPasskey`'s options (the name's rules are checked with the passkey code). @throws `INVALID_INPUT` */
export function checkAddPasskey(options: unknown): asserts options is AddPasskeyOptions {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const { name } = options as AddPasskeyOptions;
  if (typeof name !== 'string' || name.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'name must be a non-empty string');
  checkCommon(options);
}

/** Validates `removePasskey`'s arguments. @throws `INVALID_INPUT` */
export function checkRemovePasskey(id: unknown, options: unknown): asserts options is RemovePasskeyOptions {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{22,1364}$/.test(id)) throw new ZeroVaultError('INVALID_INPUT', 'id must be a passkey id');
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  checkCommon(options);
}
