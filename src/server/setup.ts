/**
 * Server setup helpers: create the OPAQUE server setup once, keep it as text
 * in a secret store or environment variable, load it at start.
 *
 * @module
 */
import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { createServerSetup as createOpaqueServerSetup, getServerPublicKey, type SuiteName } from '../opaque/index.js';

const PREFIX = 'zvsetup1.';

/**
 * Creates a new OPAQUE server setup (OPRF seed + server key pair). Create it
 * once per deployment and keep it secret and outside the database: changing
 * it invalidates every registration, and losing it to an attacker who also
 * has the database enables offline guessing. Store it with
 * {@link serverSetupToText}, load it with {@link serverSetupFromText}.
 *
 * @param options - `suite`: `ristretto255-SHA512` (default) or `P256-SHA256`
 */
export function createServerSetup(options: { suite?: SuiteName } = {}): Uint8Array {
  return createOpaqueServerSetup(options);
}

/** The setup as text, `zvsetup1.<base64url>`, for a secret store or environment variable. */
export function serverSetupToText(setup: Uint8Array): string {
  getServerPublicKey(setup); // validates
  return PREFIX + toBase64url(setup);
}

/**
 * Parses {@link serverSetupToText} output.
 * @throws `INVALID_INPUT` on anything else
 */
export function serverSetupFromText(text: string): Uint8Array {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!trimmed.startsWith(PREFIX)) throw new ZeroVaultError('INVALID_INPUT', 'setup text must start with zvsetup1.');
  const setup = fromBase64url(trimmed.slice(PREFIX.length), 'setup');
  getServerPublicKey(setup);
  return setup;
}
