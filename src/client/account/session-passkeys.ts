/**
 * The passkey side of `Session` that needs no passkey code: validating the
 * arguments of `addPasskey` and `removePasskey`, the re-login they may
 * need, and loading that code (with the first passkey call, never with the
 * page). A session pending enrolment may add a passkey as its first factor:
 * the registration makes it full, and it opens before the passkey's slot is
 * written (the slot needs the root key).
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError } from '../../errors.js';
import type * as Passkeys from '../passkeys/index.js';
import { factorConfirmedBy, reauthenticateSession } from './session-mfa.js';
import type { AddPasskeyOptions, AddedPasskey, RemovePasskeyOptions, SessionState } from './types.js';

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

/** What the passkey code needs of a session; keys are borrowed (they throw `CLOSED` once it is closed). */
export function passkeyHost(s: SessionState, signal: AbortSignal | undefined): Passkeys.PasskeyHost {
  const { keys } = s;
  const host = { endpoint: s.endpoint, store: s.store, userId: s.userId, signing: () => keys.sessionKey(), rootKey: () => keys.rootKey(), signal };
  return keys.isActive ? host : { ...host, enrolled: (reply: Record<string, unknown>) => factorConfirmedBy(s, reply) };
}

/** `Session.addPasskey`. @throws as documented there */
export async function addPasskeyTo(s: SessionState, options: AddPasskeyOptions): Promise<AddedPasskey> {
  s.keys.sessionKey();
  checkAddPasskey(options);
  const pending = !s.keys.isActive;
  return s.keys.use(async () => {
    // A session pending enrolment comes from a password login moments ago: it is fresh.
    if (!pending) await reauthenticateSession(s, options);
    return (await passkeyCode()).addPasskey(passkeyHost(s, options.signal), options.name);
  }, true);
}

/**
 * Moves the session onto a fresh passkey session of its account (the
 * browser asks for one of its passkeys; `passkeyStepUp`): its `amr` becomes
 * `['hwk', 'user']` and it is bound to that passkey (removing it ends the session).
 * @throws as `Client.loginWithPasskey`; the session stays as it was
 */
export async function passkeyStepUpSession(s: SessionState, signal: AbortSignal | undefined): Promise<void> {
  s.passkeyId = await (await passkeyCode()).passkeyStepUp(s.endpoint, s.userId, s.keys.sessionKey(), signal);
  s.amr = ['hwk', 'user'];
}

/** `Session.removePasskey`; the caller closes the session when `id` is its own passkey. @throws as documented there */
export async function removePasskeyFrom(s: SessionState, id: string, options: RemovePasskeyOptions): Promise<void> {
  s.keys.assertOpen();
  checkRemovePasskey(id, options);
  const own = id === s.passkeyId;
  await s.keys.use(async () => {
    if (!own) await reauthenticateSession(s, options);
    await (await passkeyCode()).removePasskey(passkeyHost(s, options.signal), id, own);
  });
}
