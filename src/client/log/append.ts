/**
 * Appending a client-signed entry to the account's security log: linked to
 * the server's current head, signed with the account's identity key
 * (`docs/security-log.md`).
 *
 * @module
 */
import { toBase64url } from '../../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { LOG_GENESIS, createLogEntry, nextLink, type ClientLogType } from '../../formats/log-entry.js';
import { bytesField, requestJson } from '../api.js';
import type { AppendHost } from './host.js';

/** Tries of one append before a lost race is reported (`CONFLICT`). */
const APPEND_TRIES = 8;

/**
 * Appends a client-signed entry: links it to the server's current head,
 * signs it with the account's identity key, and posts it; a head that moved
 * meanwhile (a server entry, another device) is read again.
 * @throws `NETWORK`, `CONFLICT` after too many lost races, `CLOSED`; nothing when the server has no log (404)
 */
export async function appendEntry(host: AppendHost, type: ClientLogType, details?: string): Promise<void> {
  // A lost race is a new head: re-read it and sign again. (Not `retryOnConflict`: this module
  // is linked into the device, passkey and MFA chunks, and the retry helper would then leave
  // the page's first chunk for a chunk of its own, a cost every page pays.)
  for (let attempt = 1; ; attempt++) {
    try {
      const key = host.keys.signing();
      const head = await requestJson(host.endpoint, 'GET', '/log/head', undefined, { key });
      const seq = head.seq;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new ZeroVaultError('NETWORK', 'invalid server response');
      const link = seq === 0 ? { seq: 1, prevHash: LOG_GENESIS } : nextLink({ seq, entry: bytesField(head, 'entry') });
      const entry = createLogEntry({
        userId: host.userId,
        ...link,
        at: Date.now(),
        type,
        deviceId: host.deviceId,
        details,
        signingKey: host.keys.keyring().ed25519.secretKey,
      });
      await requestJson(host.endpoint, 'POST', '/log', { entry: toBase64url(entry) }, { key });
      return;
    } catch (err) {
      // A server without the security log: nothing to record into.
      if (isZeroVaultError(err, 'NOT_FOUND')) return;
      if (!isZeroVaultError(err, 'CONFLICT') || attempt >= APPEND_TRIES) throw err;
    }
  }
}

/**
 * {@link appendEntry} after the operation it records succeeded, best effort:
 * a failure (no log on the server, the network, a race lost too often, a
 * session closed meanwhile) never fails that operation, which is done; the
 * log then lacks the entry, as if the server withheld it. No host: a caller
 * without a session's keys (a member's vault), which records nothing.
 */
export async function recordEvent(host: AppendHost | undefined, type: ClientLogType, details?: string): Promise<void> {
  if (host === undefined) return;
  try {
    await appendEntry(host, type, details);
  } catch {
    // See above.
  }
}
