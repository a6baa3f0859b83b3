/**
 * The passkey half of `memoryServerStore` (`PasskeyStore`), over the
 * store's session map so that deleting a passkey ends its sessions.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { PasskeyStore, StoredPasskey, StoredSession } from './types.js';

const copyPasskey = (p: StoredPasskey): StoredPasskey => ({ ...p, publicKey: Uint8Array.from(p.publicKey), transports: Object.freeze([...p.transports]) });

/** The passkey methods over `sessions`; `byteOrder` sorts ids as the SQL stores do. */
export function memoryPasskeys(sessions: Map<string, StoredSession>, byteOrder: (a: string, b: string) => number): PasskeyStore {
  const passkeys = new Map<string, StoredPasskey>();
  return {
    async addPasskey(passkey, maxPasskeys) {
      if (passkeys.has(passkey.id)) throw new ZeroVaultError('CONFLICT', 'passkey exists');
      const count = [...passkeys.values()].filter((p) => p.userId === passkey.userId).length;
      if (count >= maxPasskeys) throw new ZeroVaultError('CONFLICT', 'too many passkeys');
      passkeys.set(passkey.id, copyPasskey(passkey));
    },
    async getPasskey(credentialId) {
      const passkey = passkeys.get(credentialId);
      return passkey === undefined ? null : copyPasskey(passkey);
    },
    async listPasskeys(userId) {
      return [...passkeys.values()]
        .filter((p) => p.userId === userId)
        .sort((a, b) => a.createdAt - b.createdAt || byteOrder(a.id, b.id))
        .map(copyPasskey);
    },
    async deletePasskey(userId, credentialId) {
      const passkey = passkeys.get(credentialId);
      if (passkey === undefined || passkey.userId !== userId) return false;
      passkeys.delete(credentialId);
      for (const [id, session] of sessions) if (session.userId === userId && session.passkeyId === credentialId) sessions.delete(id);
      return true;
    },
    async usePasskey(credentialId, counter, at, address) {
      const passkey = passkeys.get(credentialId);
      if (passkey === undefined) return false;
      if (!(counter > passkey.counter || (counter === 0 && passkey.counter === 0))) return false;
      passkeys.set(credentialId, { ...passkey, counter, lastSeenAt: at, lastAddress: address });
      return true;
    },
  };
}
