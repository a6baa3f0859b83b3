/**
 * The sharing half of a session, as one module the client imports on
 * demand (at login, and with a session's first vault or sharing call), so
 * none of it is in the bundle a page loads up front: publishing this
 * account's keys to the key directory, the session's sharing context (key
 * directory, pins, sharing routes), and the sharing state of its own vaults.
 *
 * The security log (`client/log/`) rides along: it is read and written
 * with the account's identity key, which the login already loads here, so
 * it adds no chunk (and no byte) to what the page loads up front.
 *
 * The code only a vault with sharing needs (membership lists, grants,
 * record signatures: `owned-vault.ts`, `member-host.ts`) is one more import
 * away, made only for such a vault.
 *
 * @module
 */
import type { Keyring } from '../../envelope/index.js';
import type { Endpoint, SigningKey } from '../api.js';
import { publishOwnKeys } from './directory.js';
import { SharingApi } from './api.js';

export { OwnedSharing } from './owned-sharing.js';
export { createSharingContext, type SharingInit } from './context.js';
export { recordEvent, securityLog } from '../log/index.js';

/**
 * Makes sure this account's keys are in its key log on the server
 * (`directory.ts`, `publishOwnKeys`), over a session's signed requests.
 * @throws `AUTH_FAILED` when the log does not verify or holds other keys
 */
export async function publishKeys(endpoint: Endpoint, signing: SigningKey, userId: string, keyring: Keyring): Promise<void> {
  await publishOwnKeys(new SharingApi(endpoint, () => signing), userId, keyring);
}
