/**
 * The end of a login whose session key is agreed by X25519 rather than by
 * OPAQUE: a remembered device's and a passkey's. The server's reply names
 * the session, its expiry and the server's ephemeral key; the shared secret
 * goes through that login's key schedule (`formats/device.ts`,
 * `formats/passkey.ts`) to the session key, and that to the request-MAC
 * key, exactly as after an OPAQUE login. Secrets are wiped on every path.
 *
 * @module
 */
import { wipe } from '../crypto/bytes.js';
import { requestMacKey } from '../crypto/request-mac.js';
import { ZeroVaultError } from '../errors.js';
import { deviceSharedSecret } from '../formats/device.js';
import { bytesField, stringField, type SigningKey } from './api.js';

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The session's signing key from the login's final reply.
 * @param derive - the login's key schedule: shared secret and server ephemeral → 32-byte session key
 * @throws `NETWORK` for a malformed reply, or a server ephemeral that gives no usable shared secret
 */
export function keyedSession(done: Record<string, unknown>, ephemeralSecret: Uint8Array, derive: (shared: Uint8Array, serverEphemeral: Uint8Array) => Uint8Array): SigningKey {
  const sessionId = stringField(done, 'sessionId', SESSION_ID);
  const expiresAt = typeof done.expiresAt === 'number' ? done.expiresAt : Number.POSITIVE_INFINITY;
  const serverEphemeral = bytesField(done, 'ephemeral');
  let shared: Uint8Array;
  try {
    shared = deviceSharedSecret(ephemeralSecret, serverEphemeral);
  } catch {
    // A malformed or low-order key: the session cannot be keyed (the server keeps an unusable session).
    throw new ZeroVaultError('NETWORK', 'invalid server response');
  }
  let sessionKey: Uint8Array;
  try {
    sessionKey = derive(shared, serverEphemeral);
  } finally {
    wipe(shared);
  }
  const macKey = requestMacKey(sessionKey, sessionId);
  wipe(sessionKey);
  return { sessionId, macKey, expiresAt };
}
