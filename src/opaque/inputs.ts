/**
 * Boundary checks for the public OPAQUE API: passwords, user ids,
 * identities and context, each accepted as a string (UTF-8, not normalized)
 * or bytes, copied, and length-checked. Errors name the parameter only.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertObject, isBytes } from '../crypto/assert.js';
import { utf8 } from '../crypto/bytes.js';
import type { IdentityBytes } from './envelope.js';

/** Text or bytes; text is encoded as UTF-8 as is (no Unicode normalization). */
export type TextOrBytes = string | Uint8Array;

/**
 * Optional application identities (RFC 9807 §4, §10.3). When absent each
 * defaults to the party's public key. Both sides must use the same values,
 * at registration and at every login.
 */
export interface Identities {
  /** The client's identity, e.g. a user name. */
  client?: TextOrBytes;
  /** The server's identity, e.g. a domain name. */
  server?: TextOrBytes;
}

/** Longest password accepted, in UTF-8 bytes (the OPRF input limit of RFC 9497 is 65535). */
export const MAX_PASSWORD_BYTES = 4096;
/** Longest user id accepted, in UTF-8 bytes. */
export const MAX_USER_ID_BYTES = 1024;
/** Longest identity or context, in bytes (a 2-byte length prefix, RFC 9807 §4, §6.4.2.1). */
export const MAX_IDENTITY_BYTES = 0xffff;

/** A lone UTF-16 surrogate: TextEncoder would turn it into U+FFFD, making two strings one password. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A private byte copy of text or bytes with `[min, max]` bytes, else
 * `INVALID_INPUT`. Strings must be well-formed Unicode.
 */
export function toBytes(value: unknown, name: string, min: number, max: number): Uint8Array {
  let bytes: Uint8Array;
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new ZeroVaultError('INVALID_INPUT', `${name} is not well-formed Unicode`);
    bytes = utf8(value);
  }
  else if (isBytes(value)) bytes = Uint8Array.from(value);
  else throw new ZeroVaultError('INVALID_INPUT', `${name} must be a string or a Uint8Array`);
  if (bytes.length < min || bytes.length > max) {
    bytes.fill(0);
    throw new ZeroVaultError('INVALID_INPUT', `${name} must be ${min} to ${max} bytes`);
  }
  return bytes;
}

/** The password as bytes (1 to {@link MAX_PASSWORD_BYTES}). */
export function passwordBytes(password: unknown): Uint8Array {
  return toBytes(password, 'password', 1, MAX_PASSWORD_BYTES);
}

/** The credential identifier: the user id as bytes (1 to {@link MAX_USER_ID_BYTES}). */
export function userIdBytes(userId: unknown): Uint8Array {
  return toBytes(userId, 'userId', 1, MAX_USER_ID_BYTES);
}

/** The optional context (default empty). */
export function contextBytes(context: unknown): Uint8Array {
  return context === undefined ? new Uint8Array(0) : toBytes(context, 'context', 0, MAX_IDENTITY_BYTES);
}

/** The optional identities; an identity, when given, must not be empty. */
export function identityBytes(identities: unknown): IdentityBytes {
  if (identities === undefined) return {};
  assertObject(identities, 'identities');
  const { client, server } = identities;
  return {
    client: client === undefined ? undefined : toBytes(client, 'identities.client', 1, MAX_IDENTITY_BYTES),
    server: server === undefined ? undefined : toBytes(server, 'identities.server', 1, MAX_IDENTITY_BYTES),
  };
}
