/**
 * Access tokens for the app's own routes (docs/protocol.md, "Tokens for the
 * app's own routes"): the signing key, the published JWKS, and the token
 * itself.
 *
 * The Ed25519 signing key is derived from the server setup (HKDF-SHA256,
 * label `zerovault/v1/token-signing-key`), so every instance that shares the
 * setup signs with the same key and publishes the same JWKS: there is no new
 * secret to store or rotate separately. Its `kid` is the key's RFC 7638
 * thumbprint. JOSE is `jose`'s, never hand-written.
 *
 * @module
 */
import { SignJWT, calculateJwkThumbprint, importJWK, type CryptoKey } from 'jose';
import { toBase64url, wipe } from '../crypto/bytes.js';
import { ed25519PublicKey } from '../crypto/ed25519.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import { randomId } from './sessions.js';

/** Options of `createServer({ tokens })`. */
export interface TokenOptions {
  /** The `iss` of every token; default `"zerovault"`. */
  issuer?: string;
  /** The `aud` of every token; default `"zerovault"`. */
  audience?: string;
  /** Token lifetime in seconds, 30 to 300; default 300. */
  ttlSeconds?: number;
}

/** {@link TokenOptions} with every default applied. */
export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** Lifetime bounds in seconds: tokens are short-lived by design (issue 14: ≤ 5 min). */
export const MIN_TOKEN_TTL_SECONDS = 30;
export const MAX_TOKEN_TTL_SECONDS = 300;
const MAX_NAME_LENGTH = 256;

function name(value: string | undefined, fallback: string, field: string): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_LENGTH) {
    throw new ZeroVaultError('INVALID_INPUT', `tokens.${field} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return v;
}

/**
 * Validates `createServer({ tokens })` and applies the defaults.
 * @throws `INVALID_INPUT` on a malformed option or a lifetime outside 30–300 s
 */
export function tokenSettings(options: TokenOptions | undefined): TokenSettings {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new ZeroVaultError('INVALID_INPUT', 'tokens must be an object');
  const ttlSeconds = o.ttlSeconds ?? MAX_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < MIN_TOKEN_TTL_SECONDS || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new ZeroVaultError('INVALID_INPUT', `tokens.ttlSeconds must be an integer from ${MIN_TOKEN_TTL_SECONDS} to ${MAX_TOKEN_TTL_SECONDS}`);
  }
  return { issuer: name(o.issuer, 'zerovault', 'issuer'), audience: name(o.audience, 'zerovault', 'audience'), ttlSeconds };
}

/** One public key of the JWKS: public members only. */
export interface PublicTokenJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

/** What the server signs a token about. */
export interface TokenSubject {
  /** The normalized user id (`sub`). */
  readonly userId: string;
  /** The zerovault session id (`sid`). */
  readonly sessionId: string;
  /** The session's end, in ms since the epoch: no token outlives its session. */
  readonly sessionExpiresAt: number;
  /** RFC 7638 thumbprint of the DPoP proof's key (`cnf.jkt`). */
  readonly jkt: string;
  /** How the session was authenticated (`amr`): `['pwd']` after a password login, `['swk']` after a device login. */
  readonly amr: readonly string[];
  /** The remembered device the session is bound to (`did`), when any. */
  readonly deviceId?: string;
}

/** A signed access token and its lifetime in seconds. */
export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
}

/** The token signer of one server: its JWKS and `issue`. */
export interface TokenSigner {
  readonly settings: TokenSettings;
  /** The published key set (the same for every server built from the same setup). */
  jwks(): Promise<{ keys: [PublicTokenJwk] }>;
  /** Signs an access token for `subject` at `now` (ms since the epoch). */
  issue(subject: TokenSubject, now: number): Promise<IssuedToken>;
}

interface SigningKey {
  readonly publicJwk: PublicTokenJwk;
  readonly privateKey: CryptoKey;
}

async function signingKey(setup: Uint8Array): Promise<SigningKey> {
  const seed = deriveKey({ ikm: setup, label: LABELS.tokenSigningKey, length: 32 });
  try {
    const x = toBase64url(ed25519PublicKey(seed));
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }, 'sha256');
    // Non-extractable: after import the seed lives only inside the CryptoKey.
    const privateKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x, d: toBase64url(seed) }, 'EdDSA', { extractable: false });
    if (privateKey instanceof Uint8Array) throw new ZeroVaultError('STORAGE', 'token signing key unavailable');
    return { publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }, privateKey };
  } finally {
    wipe(seed);
  }
}

/**
 * The token signer of a server built from `setup` (a validated private copy).
 * The key is derived once, on first use, and shared by every request.
 */
export function createTokenSigner(setup: Uint8Array, settings: TokenSettings): TokenSigner {
  let key: Promise<SigningKey> | undefined;
  const getKey = (): Promise<SigningKey> => {
    key ??= signingKey(setup);
    return key;
  };
  return {
    settings,
    async jwks() {
      return { keys: [(await getKey()).publicJwk] };
    },
    async issue(subject, now) {
      const { publicJwk, privateKey } = await getKey();
      const iat = Math.floor(now / 1000);
      // A token never outlives the session it was issued for (logout still revokes at once
      // for zerovault's own routes; the app's routes see at most `ttlSeconds` more).
      const exp = Math.min(iat + settings.ttlSeconds, Math.floor(subject.sessionExpiresAt / 1000));
      const claims = {
        sid: subject.sessionId,
        cnf: { jkt: subject.jkt },
        amr: [...subject.amr],
        ...(subject.deviceId === undefined ? {} : { did: subject.deviceId }),
      };
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: publicJwk.kid })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(subject.userId)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomId())
        .sign(privateKey);
      return { token, expiresIn: Math.max(0, exp - iat) };
    },
  };
}
