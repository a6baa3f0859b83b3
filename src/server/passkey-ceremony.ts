/**
 * What every passkey route shares (`passkey-routes.ts`,
 * `passkey-factor-routes.ts`): the relying party, the sealed single-use
 * ceremony states, the shape checks of a WebAuthn credential in a body, and
 * assertion verification with `@simplewebauthn/server`.
 *
 * @module
 */
import { verifyAuthenticationResponse, type AuthenticationResponseJSON, type AuthenticatorTransportFuture } from '@simplewebauthn/server';
import { open as aeadOpen, seal as aeadSeal } from '../crypto/aead.js';
import { fromUtf8, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { errorResponse } from './http.js';
import type { RouteContext } from './router.js';
import type { StoredPasskey } from './types.js';

/** Most passkeys one user may register. */
export const MAX_PASSKEYS = 32;
/** The `amr` of a passkey-login session: a hardware-bound key, with user verification (RFC 8176). */
export const PASSKEY_AMR: readonly string[] = Object.freeze(['hwk', 'user']);

/** The relying party a server's passkeys belong to (`createServer({ passkeys })`). */
export interface PasskeyOptions {
  /** The WebAuthn RP id: the site's registrable domain (`example.com`), or `localhost`. */
  readonly rpId: string;
  /** Exact origins the ceremonies may come from (`https://app.example.com`). */
  readonly origins: readonly string[];
  /** The name an authenticator shows; default the RP id. */
  readonly rpName?: string;
}

/** Validated {@link PasskeyOptions}. */
export interface RelyingParty {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: string[];
}

const PENDING_ID = /^[A-Za-z0-9_-]{22}$/;
const TRANSPORTS: readonly string[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

/**
 * Checks `createServer`'s `passkeys` option.
 * @throws `INVALID_INPUT`
 */
export function relyingParty(options: PasskeyOptions): RelyingParty {
  if (typeof options !== 'object' || options === null) throw invalid('passkeys must be an object');
  const { rpId, origins, rpName } = options;
  if (typeof rpId !== 'string' || !/^[a-z0-9.-]{1,253}$/.test(rpId)) throw invalid('passkeys.rpId must be a lower-case domain');
  if (!Array.isArray(origins) || origins.length === 0) throw invalid('passkeys.origins must list at least one origin');
  const checked = origins.map((origin: unknown) => {
    if (typeof origin !== 'string') throw invalid('passkeys.origins must hold origins');
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw invalid('passkeys.origins must hold origins');
    }
    if (url.origin !== origin || (url.protocol !== 'https:' && url.hostname !== 'localhost' && url.hostname !== '127.0.0.1')) throw invalid('passkeys.origins must hold https origins');
    return origin;
  });
  if (rpName !== undefined && (typeof rpName !== 'string' || rpName.length === 0 || rpName.length > 64)) throw invalid('passkeys.rpName must be 1 to 64 characters');
  return { rpId, rpName: rpName ?? rpId, origins: checked };
}

export function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

export function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

export function noQuery(query: URLSearchParams): void {
  if ([...query.keys()].length > 0) throw invalid('unexpected query parameter');
}

export function authFailed(): Response {
  return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401);
}

/** The bucket of one passkey's logins. */
export function passkeyBucket(credentialId: string): string {
  return `login-passkey:${credentialId}`;
}

export function transportsOf(value: unknown): AuthenticatorTransportFuture[] {
  if (!Array.isArray(value)) return [];
  return value.filter((t): t is AuthenticatorTransportFuture => typeof t === 'string' && TRANSPORTS.includes(t)).slice(0, 8);
}

/** A JSON object from the body, with `id` and `response` present (the library checks the rest). */
export function credentialJson(value: Record<string, unknown> | undefined): Record<string, unknown> & { id: string } {
  if (value === undefined || typeof value.id !== 'string' || typeof value.response !== 'object' || value.response === null) throw invalid('response must be a WebAuthn credential');
  return value as Record<string, unknown> & { id: string };
}

// Other AADs than OPAQUE's and the device logins' pending states: no kind of id opens another's state.

export async function putState(context: RouteContext, id: string, aad: Uint8Array, value: Record<string, string>): Promise<void> {
  await context.store.putPending(id, await aeadSeal(context.key, utf8(JSON.stringify(value)), aad), context.now() + context.limits.loginTimeoutMs);
}

export async function takeState(context: RouteContext, id: string, aad: Uint8Array): Promise<Record<string, string> | null> {
  if (!PENDING_ID.test(id)) throw invalid('the ceremony id is malformed');
  const sealed = await context.store.takePending(id, context.now());
  if (sealed === null) return null;
  try {
    return JSON.parse(fromUtf8(await aeadOpen(context.key, sealed, aad))) as Record<string, string>;
  } catch {
    // Another kind of pending state sent here: no such ceremony.
    return null;
  }
}


/**
 * Verifies an assertion of `passkey` for `challenge` (base64url), this RP and
 * its origins, with user verification (`@simplewebauthn/server`).
 * @returns the authenticator's new signature counter, or `null` when it does not verify
 */
export async function verifyAssertion(rp: RelyingParty, passkey: StoredPasskey, response: Record<string, unknown>, challenge: string): Promise<number | null> {
  try {
    const verified = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      credential: { id: passkey.id, publicKey: Uint8Array.from(passkey.publicKey), counter: passkey.counter, transports: transportsOf(passkey.transports) },
      requireUserVerification: true,
    });
    return verified.verified ? verified.authenticationInfo.newCounter : null;
  } catch {
    return null;
  }
}

