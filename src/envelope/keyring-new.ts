/**
 * New keyrings: fresh identity key pairs. Apart from `keyring.ts` because
 * deriving an Ed25519 public key needs the Edwards-curve code, which a page
 * that only opens and seals records never loads.
 *
 * @module
 */
import { getBackend } from '#backend';
import { assertObject } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { wipe } from '../crypto/bytes.js';
import { ed25519PublicKey } from '../crypto/ed25519.js';
import { randomBytes } from '../crypto/random.js';
import { checkKeyBytes } from './inputs.js';
import type { Keyring } from './keyring.js';

const KEY_LENGTH = 32;

/** The random values a new keyring holds: its identity secret keys. Internal (tests fix them). */
export interface KeyringSecrets {
  /** X25519 secret key (32 bytes, not all zeros). */
  readonly x25519: Uint8Array;
  /** Ed25519 seed (32 bytes, not all zeros). */
  readonly ed25519: Uint8Array;
}

/** {@link createKeyring} with an explicit backend and identity secrets (copied: the keyring owns its keys). */
export function createKeyringWith(secrets: KeyringSecrets, backend: Backend): Keyring {
  assertObject(secrets, 'secrets');
  checkKeyBytes(secrets.x25519, 'secrets.x25519', KEY_LENGTH);
  checkKeyBytes(secrets.ed25519, 'secrets.ed25519', KEY_LENGTH);
  const x = Uint8Array.from(secrets.x25519);
  const e = Uint8Array.from(secrets.ed25519);
  return {
    keks: [],
    x25519: { secretKey: x, publicKey: backend.x25519PublicKey(x) },
    ed25519: { secretKey: e, publicKey: ed25519PublicKey(e) },
  };
}

/**
 * A new keyring: fresh X25519 and Ed25519 identity key pairs, no KEKs (add
 * them with `addKekVersion`).
 */
export function createKeyring(): Keyring {
  const x25519 = randomBytes(KEY_LENGTH);
  const ed = randomBytes(KEY_LENGTH);
  try {
    return createKeyringWith({ x25519, ed25519: ed }, getBackend());
  } finally {
    wipe(x25519, ed);
  }
}

