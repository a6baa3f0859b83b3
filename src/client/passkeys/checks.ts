/**
 * Argument checks of `Client.loginWithPasskey`, `Session.addPasskey` and
 * `Session.removePasskey`. They
 * run once the passkey code has loaded and before any request, so they cost
 * the page's first bundle nothing.
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import { normalizeUserId } from '../../formats/user-id.js';
import type { PasskeyLoginOptions } from '../account/client-options.js';
import type { AddPasskeyOptions, RemovePasskeyOptions } from '../account/types.js';

function signalOf(signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && (typeof AbortSignal === 'undefined' || !(signal instanceof AbortSignal))) throw new ZeroVaultError('INVALID_INPUT', 'signal must be an AbortSignal');
  return signal;
}

function checkCommon(options: { signal?: unknown; currentPassword?: unknown }): void {
  const { signal, currentPassword } = options;
  signalOf(signal);
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

/** Validates `loginWithPasskey`'s options. @throws `INVALID_INPUT` */
export function checkPasskeyLogin(value: unknown): { userId: string | undefined; password: string | (() => Promise<string>) | undefined; signal: AbortSignal | undefined } {
  if (typeof value !== 'object' || value === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const { userId, password, signal } = value as PasskeyLoginOptions;
  if (password !== undefined && typeof password !== 'function' && (typeof password !== 'string' || password.length === 0)) {
    throw new ZeroVaultError('INVALID_INPUT', 'password must be a non-empty string or a function');
  }
  return { userId: userId === undefined ? undefined : normalizeUserId(userId), password, signal: signalOf(signal) };
}
