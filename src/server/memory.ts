/**
 * `memoryServerStore()`: the server's database in process memory, for tests,
 * demos and single-process prototypes. Everything is lost on exit.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { memoryStore } from '../store/memory.js';
import type { BlobStore } from '../store/types.js';
import { refill } from './bucket.js';
import { memoryPasskeys } from './memory-passkeys.js';
import { memoryLog } from './log-store.js';
import { IDLE_BUCKET_MS, type BucketPolicy, type ServerStore, type StoredDevice, type StoredGrant, type StoredSession } from './types.js';

interface MemoryMfa {
  sealedTotpSecret: Uint8Array | null;
  totpConfirmed: boolean;
  totpLastStep: number | null;
  strict: boolean;
  recoveryCodes: Set<string>;
}

const grantKey = (owner: string, vault: string, grantee: string): string => `${owner}\u0000${vault}\u0000${grantee}`;
const copyGrant = (g: StoredGrant): StoredGrant => ({ ...g, data: Uint8Array.from(g.data) });
const deviceKey = (userId: string, id: string): string => `${userId}\u0000${id}`;
const copyDevice = (d: StoredDevice): StoredDevice => ({ ...d, signingKey: Uint8Array.from(d.signingKey) });
const copySession = (s: StoredSession): StoredSession => ({
  ...s,
  sealedMacKey: Uint8Array.from(s.sealedMacKey),
  ...(s.amr === undefined ? {} : { amr: Object.freeze([...s.amr]) }),
});

/** UTF-8 byte order, as the SQL stores sort (`COLLATE "C"`, SQLite's BINARY). */
function byteOrder(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/** Creates an in-memory {@link ServerStore}. */
export function memoryServerStore(): ServerStore {
  const users = new Map<string, Uint8Array>();
  const pending = new Map<string, { sealed: Uint8Array; expiresAt: number }>();
  const sessions = new Map<string, StoredSession>();
  const nonces = new Map<string, number>();
  const buckets = new Map<string, { tokens: number; updatedAt: number }>();
  const blobStores = new Map<string, BlobStore>();
  const keyLogs = new Map<string, Uint8Array[]>();
  const grants = new Map<string, StoredGrant>();
  const devices = new Map<string, StoredDevice>();
  const mfa = new Map<string, MemoryMfa>();
  const mfaTries = new Map<string, number>();
  const mfaOfUser = (userId: string): MemoryMfa => {
    let entry = mfa.get(userId);
    if (entry === undefined) {
      entry = { sealedTotpSecret: null, totpConfirmed: false, totpLastStep: null, strict: false, recoveryCodes: new Set() };
      mfa.set(userId, entry);
    }
    return entry;
  };
  const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  return {
    async getUserRecord(userId) {
      const record = users.get(userId);
      return record === undefined ? null : Uint8Array.from(record);
    },
    async createUser(userId, record) {
      if (users.has(userId)) throw new ZeroVaultError('CONFLICT', 'user exists');
      users.set(userId, Uint8Array.from(record));
    },
    async updateUserRecord(userId, record) {
      if (!users.has(userId)) throw new ZeroVaultError('NOT_FOUND', 'user not found');
      users.set(userId, Uint8Array.from(record));
    },
    async putPending(id, sealed, expiresAt) {
      pending.set(id, { sealed: Uint8Array.from(sealed), expiresAt });
    },
    async takePending(id, now) {
      const entry = pending.get(id);
      pending.delete(id);
      return entry === undefined || entry.expiresAt <= now ? null : entry.sealed;
    },
    async createSession(session) {
      if (sessions.has(session.id)) throw new ZeroVaultError('CONFLICT', 'session exists');
      sessions.set(session.id, copySession(session));
    },
    async getSession(id, now) {
      const session = sessions.get(id);
      return session === undefined || session.expiresAt <= now ? null : copySession(session);
    },
    async extendSession(id, expiresAt) {
      const session = sessions.get(id);
      if (session !== undefined && session.expiresAt < expiresAt) sessions.set(id, { ...session, expiresAt });
    },
    async deleteSession(id) {
      sessions.delete(id);
      mfaTries.delete(id);
    },
    async deleteUserSessions(userId, exceptId) {
      for (const [id, session] of sessions) if (session.userId === userId && id !== exceptId) sessions.delete(id);
    },
    async rememberNonce(sessionId, nonce, expiresAt) {
      const key = `${sessionId}:${nonce}`;
      if (nonces.has(key)) return false;
      nonces.set(key, expiresAt);
      return true;
    },
    async useNonce(sessionId, nonce, expiresAt, now) {
      const session = sessions.get(sessionId);
      if (session === undefined || session.expiresAt <= now) return { session: null, fresh: false };
      const key = `${sessionId}:${nonce}`;
      const fresh = !nonces.has(key);
      if (fresh) nonces.set(key, expiresAt);
      return { session: copySession(session), fresh };
    },
    async takeToken(key: string, policy: BucketPolicy, now: number, cost = 1) {
      const current = buckets.get(key);
      const tokens = current === undefined ? policy.capacity : refill(current.tokens, current.updatedAt, policy, now);
      if (cost > 0 && tokens < cost) {
        buckets.set(key, { tokens, updatedAt: now });
        return { allowed: false, retryAfterMs: Math.ceil((cost - tokens) * policy.refillMs) };
      }
      buckets.set(key, { tokens: Math.min(policy.capacity, tokens - cost), updatedAt: now });
      return { allowed: true, retryAfterMs: 0 };
    },
    blobs(userId) {
      let store = blobStores.get(userId);
      if (store === undefined) {
        store = memoryStore();
        blobStores.set(userId, store);
      }
      return store;
    },
    async appendKeyEvent(userId, seq, event) {
      const log = keyLogs.get(userId) ?? [];
      if (seq !== log.length + 1) throw new ZeroVaultError('CONFLICT', 'key log changed');
      keyLogs.set(userId, [...log, Uint8Array.from(event)]);
    },
    async getKeyEvents(userId) {
      return (keyLogs.get(userId) ?? []).map((e) => Uint8Array.from(e));
    },
    async putGrant(grant, options = {}) {
      const key = grantKey(grant.owner, grant.vault, grant.grantee);
      const old = grants.get(key);
      const { expiresAt, lastAccessAt, grantedAt, ...rest } = grant;
      const expiry = options.keepExpiry === true && old !== undefined ? old.expiresAt : expiresAt;
      const last = old === undefined ? lastAccessAt : old.lastAccessAt;
      grants.set(key, {
        ...copyGrant(rest),
        grantedAt: old?.grantedAt ?? grantedAt ?? grant.updatedAt,
        ...(expiry === undefined ? {} : { expiresAt: expiry }),
        ...(last === undefined ? {} : { lastAccessAt: last }),
      });
    },
    async touchGrant(owner, vault, grantee, at, minIntervalMs) {
      const key = grantKey(owner, vault, grantee);
      const grant = grants.get(key);
      if (grant === undefined || (grant.lastAccessAt !== undefined && grant.lastAccessAt > at - minIntervalMs)) return;
      grants.set(key, { ...grant, lastAccessAt: at });
    },
    async getGrant(owner, vault, grantee) {
      const grant = grants.get(grantKey(owner, vault, grantee));
      return grant === undefined ? null : copyGrant(grant);
    },
    async deleteGrant(owner, vault, grantee) {
      return grants.delete(grantKey(owner, vault, grantee));
    },
    async listGrantsByOwner(owner, vault) {
      return [...grants.values()].filter((g) => g.owner === owner && g.vault === vault).sort((a, b) => byteOrder(a.grantee, b.grantee)).map(copyGrant);
    },
    async listGrantsForGrantee(grantee) {
      return [...grants.values()]
        .filter((g) => g.grantee === grantee)
        .sort((a, b) => byteOrder(a.owner, b.owner) || byteOrder(a.vault, b.vault))
        .map(copyGrant);
    },
    async addDevice(device, sessionId, maxDevices) {
      const key = deviceKey(device.userId, device.id);
      if (devices.has(key)) throw new ZeroVaultError('CONFLICT', 'device exists');
      const count = [...devices.values()].filter((d) => d.userId === device.userId).length;
      if (count >= maxDevices) throw new ZeroVaultError('CONFLICT', 'too many devices');
      devices.set(key, copyDevice(device));
      const session = sessions.get(sessionId);
      if (session !== undefined && session.userId === device.userId) sessions.set(sessionId, { ...session, deviceId: device.id });
    },
    async getDevice(userId, deviceId) {
      const device = devices.get(deviceKey(userId, deviceId));
      return device === undefined ? null : copyDevice(device);
    },
    async listDevices(userId) {
      return [...devices.values()]
        .filter((d) => d.userId === userId)
        .sort((a, b) => a.createdAt - b.createdAt || byteOrder(a.id, b.id))
        .map(copyDevice);
    },
    async deleteDevice(userId, deviceId) {
      const existed = devices.delete(deviceKey(userId, deviceId));
      for (const [id, session] of sessions) if (session.userId === userId && session.deviceId === deviceId) sessions.delete(id);
      return existed;
    },
    async touchDevice(userId, deviceId, at, address) {
      const key = deviceKey(userId, deviceId);
      const device = devices.get(key);
      if (device !== undefined) devices.set(key, { ...device, lastSeenAt: at, lastAddress: address });
    },
    ...memoryPasskeys(sessions, byteOrder),
    ...memoryLog(),
    async getMfa(userId) {
      const entry = mfa.get(userId);
      if (entry === undefined || (entry.sealedTotpSecret === null && entry.recoveryCodes.size === 0)) return null;
      return {
        sealedTotpSecret: entry.sealedTotpSecret === null ? null : Uint8Array.from(entry.sealedTotpSecret),
        totpConfirmed: entry.totpConfirmed,
        totpLastStep: entry.totpLastStep,
        strict: entry.strict,
        recoveryCodesLeft: entry.recoveryCodes.size,
      };
    },
    async putTotpSecret(userId, sealedSecret) {
      const entry = mfaOfUser(userId);
      if (entry.totpConfirmed) throw new ZeroVaultError('CONFLICT', 'totp is enabled');
      entry.sealedTotpSecret = Uint8Array.from(sealedSecret);
      entry.totpLastStep = null;
    },
    async confirmTotp(userId, step) {
      const entry = mfa.get(userId);
      if (entry === undefined || entry.sealedTotpSecret === null || entry.totpConfirmed) return false;
      entry.totpConfirmed = true;
      entry.totpLastStep = step;
      return true;
    },
    async useTotpStep(userId, step) {
      const entry = mfa.get(userId);
      if (entry === undefined || !entry.totpConfirmed || (entry.totpLastStep !== null && entry.totpLastStep >= step)) return false;
      entry.totpLastStep = step;
      return true;
    },
    async deleteTotp(userId) {
      const entry = mfa.get(userId);
      if (entry !== undefined) Object.assign(entry, { sealedTotpSecret: null, totpConfirmed: false, totpLastStep: null, strict: false });
    },
    async setStrict(userId, strict) {
      const entry = mfa.get(userId);
      if (entry === undefined || !entry.totpConfirmed) return false;
      entry.strict = strict;
      return true;
    },
    async replaceRecoveryCodes(userId, hashes) {
      mfaOfUser(userId).recoveryCodes = new Set(hashes.map(hex));
    },
    async useRecoveryCode(userId, hash) {
      return mfa.get(userId)?.recoveryCodes.delete(hex(hash)) ?? false;
    },
    async countMfaTry(sessionId, max) {
      if (!sessions.has(sessionId)) return null;
      const tries = mfaTries.get(sessionId) ?? 0;
      if (tries >= max) return null;
      mfaTries.set(sessionId, tries + 1);
      return tries + 1;
    },
    async completeMfa(sessionId, amr, expiresAt) {
      const session = sessions.get(sessionId);
      if (session === undefined) return null;
      const { mfa: _pending, ...full } = session;
      const next = { ...full, amr: Object.freeze([...amr]), expiresAt: Math.max(session.expiresAt, expiresAt) };
      sessions.set(sessionId, next);
      return next.expiresAt;
    },
    async purgeExpired(now) {
      for (const [id, entry] of pending) if (entry.expiresAt <= now) pending.delete(id);
      for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
      for (const id of mfaTries.keys()) if (!sessions.has(id)) mfaTries.delete(id);
      for (const [key, expiresAt] of nonces) if (expiresAt <= now) nonces.delete(key);
      for (const [key, bucket] of buckets) if (bucket.updatedAt <= now - IDLE_BUCKET_MS) buckets.delete(key);
    },
    async close() {},
  };
}
