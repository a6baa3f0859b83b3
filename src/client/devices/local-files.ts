/**
 * Remembered devices in a folder (Node): one JSON file per (server, user),
 * `zerovault-device-<32 hex>.json`, the hex being the first 16 bytes of
 * `SHA-256(server || 0x00 || userId)` (no user id in a file name). Written
 * through the backend's private files: atomic, durable, mode 0600.
 *
 *     { "v": 1, "server": …, "userId": …, "deviceId": …, "usedAt": ms,
 *       "key": base64url(W), "wrapped": base64url(AES-256-GCM(W, ds || rootCheck)) }
 *
 * `W` sits beside the wrap because Node has no key store that keeps a
 * non-extractable key across restarts (see `local.ts`).
 *
 * @module
 */
import { getBackend } from '#backend';
import { importKey, open as aeadOpen, seal as aeadSeal } from '../../crypto/aead.js';
import { concat, fromBase64url, toBase64url, toHex, utf8, fromUtf8 } from '../../crypto/bytes.js';
import { digest } from '../../crypto/kdf.js';
import { randomBytes } from '../../crypto/random.js';
import type { PrivateFiles } from '../../crypto/backend.js';
import { ZeroVaultError } from '../../errors.js';
import type { EntryStorage, StoredEntry } from './local.js';

const FILE = /^zerovault-device-[0-9a-f]{32}\.json$/;

function fileOf(server: string, userId: string): string {
  return `zerovault-device-${toHex(digest('SHA-256', concat(utf8(server), Uint8Array.of(0), utf8(userId))).subarray(0, 16))}.json`;
}

function encode(entry: StoredEntry<Uint8Array>): Uint8Array {
  const { v, server, userId, deviceId, usedAt } = entry;
  return utf8(JSON.stringify({ v, server, userId, deviceId, usedAt, key: toBase64url(entry.key), wrapped: toBase64url(entry.wrapped) }));
}

/** Parses a file strictly; `null` for anything we did not write. */
function decode(bytes: Uint8Array): StoredEntry<Uint8Array> | null {
  try {
    const value = JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
    const { v, server, userId, deviceId, usedAt, key, wrapped } = value;
    if (v !== 1 || typeof server !== 'string' || typeof userId !== 'string' || typeof deviceId !== 'string') return null;
    if (typeof usedAt !== 'number' || !Number.isSafeInteger(usedAt) || typeof key !== 'string' || typeof wrapped !== 'string') return null;
    const raw = fromBase64url(key, 'key');
    if (raw.length !== 32) return null;
    return { v: 1, server, userId, deviceId, usedAt, key: raw, wrapped: fromBase64url(wrapped, 'wrapped') };
  } catch {
    return null;
  }
}

/** The entry storage of a folder. @throws `UNSUPPORTED` on a platform without files (browsers) */
export function fileStorage(dir: string): EntryStorage<Uint8Array> {
  const files: PrivateFiles | undefined = getBackend().privateFiles;
  if (files === undefined) throw new ZeroVaultError('UNSUPPORTED', 'deviceDir needs a file system (Node)');
  const read = async (name: string): Promise<StoredEntry<Uint8Array> | null> => {
    const bytes = await files.read(dir, name);
    return bytes === null ? null : decode(bytes);
  };
  return {
    async get(server, userId) {
      const name = fileOf(server, userId);
      const bytes = await files.read(dir, name);
      if (bytes === null) return null;
      const entry = decode(bytes);
      // A file that does not parse, or names another account, can never open: drop it.
      if (entry === null || entry.server !== server || entry.userId !== userId) {
        await files.remove(dir, name);
        return null;
      }
      return entry;
    },
    async all(server) {
      const names = (await files.list(dir)).filter((name) => FILE.test(name));
      const found: StoredEntry<Uint8Array>[] = [];
      for (const name of names) {
        const entry = await read(name);
        // Only an entry in the file its (server, user) names counts: a copied file is not an account.
        if (entry !== null && entry.server === server && fileOf(server, entry.userId) === name) found.push(entry);
      }
      return found;
    },
    async put(entry) {
      await files.write(dir, fileOf(entry.server, entry.userId), encode(entry));
    },
    async delete(server, userId, deviceId) {
      const name = fileOf(server, userId);
      if (deviceId !== undefined) {
        const entry = await read(name);
        if (entry !== null && entry.deviceId !== deviceId) return;
      }
      await files.remove(dir, name);
    },
    async newKey() {
      return randomBytes(32);
    },
    async seal(key, plaintext, aad) {
      return aeadSeal(await importKey(key), plaintext, aad);
    },
    async open(key, sealed, aad) {
      return aeadOpen(await importKey(key), sealed, aad);
    },
  };
}
