/**
 * Ending a session (`Session.logout`): save every open vault's manifest,
 * forget the device when asked, revoke the session on the server, close it.
 * The revocation is sent whatever failed before it: a logout must never
 * leave a live server session behind.
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import { postJson } from '../api.js';
import type { Vault } from '../vault/vault.js';
import { checkLogout, deviceCode, deviceHost } from './session-devices.js';
import type { LogoutOptions, SessionState } from './types.js';

/**
 * `Session.logout` (see there): `vaults` are the session's opened vaults,
 * cleared with the close. Logging out twice is a no-op.
 * @throws `INVALID_INPUT`; the first of what saving a manifest or forgetting the device threw, after the logout
 */
export async function endSession(s: SessionState, vaults: Map<string, Promise<Vault>>, options: LogoutOptions): Promise<void> {
  checkLogout(options);
  if (!s.keys.isOpen) return;
  let flushError: Error | undefined;
  try {
    for (const pending of vaults.values()) {
      const vault = await pending.catch(() => undefined);
      await vault?.flush().catch((err: unknown) => {
        flushError ??= err instanceof Error ? err : new ZeroVaultError('STORAGE', 'saving a manifest failed', { cause: err });
      });
    }
    const deviceId = s.deviceId;
    if (options.forgetDevice === true && deviceId !== undefined) {
      // Its own device: any session may delete it; the server then ends this session too.
      // Whatever fails here (even loading the device code), the revocation below is still sent.
      try {
        await (await deviceCode()).forgetDevice(deviceHost(s, undefined), deviceId);
        s.deviceId = undefined;
      } catch (err) {
        flushError ??= err instanceof Error ? err : new ZeroVaultError('STORAGE', 'forgetting the device failed', { cause: err });
      }
    }
    await postJson(s.endpoint, '/logout', {}, { key: s.keys.sessionKey() }).catch((err: unknown) => {
      // A server that no longer has the session has nothing to revoke.
      if (!(err instanceof ZeroVaultError && err.code === 'CLOSED')) throw err;
    });
  } finally {
    s.keys.close();
    vaults.clear();
  }
  if (flushError !== undefined) throw flushError;
}
