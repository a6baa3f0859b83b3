/**
 * The passkey side of `Session` that needs no passkey code: the re-login
 * `addPasskey` and `removePasskey` may need, and loading that code (with the first passkey call, never with the
 * page). A session pending enrolment may add a passkey as its first factor:
 * the registration makes it full, and it opens before the passkey's slot is
 * written (the slot needs the root key).
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import type * as Passkeys from '../passkeys/index.js';
import { factorConfirmedBy, reauthenticateSession } from './session-mfa.js';
import type { AddPasskeyOptions, AddedPasskey, RemovePasskeyOptions, SessionState } from './types.js';

/** The passkey code, loaded with the first passkey call. */
export function passkeyCode(): Promise<typeof Passkeys> {
  return loadOnDemand(() => import('../passkeys/index.js'));
}

/** What the passkey code needs of a session; keys are borrowed (they throw `CLOSED` once it is closed). */
export function passkeyHost(s: SessionState, signal: AbortSignal | undefined): Passkeys.PasskeyHost {
  const { keys } = s;
  const host = { endpoint: s.endpoint, store: s.store, userId: s.userId, signing: () => keys.sessionKey(), rootKey: () => keys.rootKey(), signal, log: s };
  return keys.isActive ? host : { ...host, enrolled: (reply: Record<string, unknown>) => factorConfirmedBy(s, reply) };
}

/** `Session.addPasskey`. @throws as documented there */
export async function addPasskeyTo(s: SessionState, options: AddPasskeyOptions): Promise<AddedPasskey> {
  s.keys.sessionKey();
  // The argument checks live with the passkey code (they would only weigh on the page's first bundle).
  const code: typeof Passkeys = await passkeyCode();
  const checkAddPasskey: (options: unknown) => asserts options is AddPasskeyOptions = code.checkAddPasskey;
  checkAddPasskey(options);
  const pending = !s.keys.isActive;
  return s.keys.use(async () => {
    // A session pending enrolment comes from a password login moments ago: it is fresh.
    if (!pending) await reauthenticateSession(s, options);
    return code.addPasskey(passkeyHost(s, options.signal), options.name);
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
  const code: typeof Passkeys = await passkeyCode();
  const checkRemovePasskey: (id: unknown, options: unknown) => asserts options is RemovePasskeyOptions = code.checkRemovePasskey;
  checkRemovePasskey(id, options);
  const own = id === s.passkeyId;
  await s.keys.use(async () => {
    if (!own) await reauthenticateSession(s, options);
    await code.removePasskey(passkeyHost(s, options.signal), id, own);
  });
}
