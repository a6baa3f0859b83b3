/**
 * A passkey as the second factor of a pending password login
 * (docs/protocol.md, "Passkeys"): `POST /mfa/passkey/start` gives request
 * options for the account's passkeys; the browser's assertion goes to
 * `POST /mfa/passkey/verify`, and the session becomes full with `hwk` and
 * `user` in its `amr`. The PRF output, if the authenticator gives one, is
 * wiped unused: the password already unlocks the vault.
 *
 * The login code (`client/mfa`) calls this when the server offers the
 * factor `passkey` and the caller asked for it.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import { postJson, stringField, type Endpoint, type SigningKey } from '../api.js';
import { getAssertion } from './webauthn.js';

const CHALLENGE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Passes the second factor of the pending session `signing` with a passkey.
 * @returns the server's reply (`{ expiresAt, amr }`), for the login code to read
 * @throws `UNSUPPORTED` without WebAuthn; `AUTH_FAILED` when the user
 *   cancels or the server refuses the assertion; `CLOSED` when the pending
 *   session is gone (expired, or its tries used up); `NOT_FOUND` when the
 *   account has no passkey; `RATE_LIMITED`; `NETWORK`
 */
export async function passkeyFactor(endpoint: Endpoint, signing: SigningKey, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
  const started = await postJson(endpoint, '/mfa/passkey/start', {}, { key: signing, signal });
  const challengeId = stringField(started, 'challengeId', CHALLENGE_ID);
  if (typeof started.options !== 'object' || started.options === null) throw new ZeroVaultError('NETWORK', 'invalid server response');
  const assertion = await getAssertion(started.options, signal);
  if (assertion.prfOutput !== null) wipe(assertion.prfOutput);
  return postJson(endpoint, '/mfa/passkey/verify', { challengeId, response: assertion.response }, { key: signing, signal });
}
