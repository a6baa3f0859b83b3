/**
 * Passkeys in a root-key rotation (`session.rotateRootKey`): every passkey
 * slot gets the new root key, without the authenticator: the slot's public
 * key and sealer seed come from the account's passkey registry (read under
 * the old root key before the rotation commits), `resealPasskeySlot` seals
 * and signs, and the slot is written over. A passkey keeps logging in and
 * unlocking as before.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import type { RegistryPasskey } from '../../formats/passkey-registry.js';
import type { PasskeyHost } from './manage.js';
import { readPasskeyRegistry, readPasskeySlot, writePasskeySlot } from './registry.js';
import { resealPasskeySlot } from './slot.js';

/** The passkey registry as the rotation reads it before it commits (under the old root key). */
export async function passkeysBeforeRotation(host: PasskeyHost): Promise<RegistryPasskey[]> {
  return readPasskeyRegistry(host.store, host.rootKey());
}

/**
 * Re-seals every passkey slot to `host.rootKey()` (the new root key). Safe to run again.
 * @param registry - from {@link passkeysBeforeRotation}; its sealer seeds are wiped here
 */
export async function resealPasskeys(host: PasskeyHost, registry: readonly RegistryPasskey[]): Promise<void> {
  try {
    for (const passkey of registry) {
      if (passkey.slot === null) continue;
      const slot = await readPasskeySlot(host.store, passkey.credentialId);
      if (slot === null) continue;
      const place = { userId: host.userId, credentialId: passkey.credentialId };
      const resealed = await resealPasskeySlot({ ...place, slot, rootKey: host.rootKey(), publicKey: passkey.slot.publicKey, sealerSeed: passkey.slot.sealerSeed });
      await writePasskeySlot(host.store, passkey.credentialId, resealed);
    }
  } finally {
    for (const passkey of registry) if (passkey.slot !== null) wipe(passkey.slot.sealerSeed);
  }
}
