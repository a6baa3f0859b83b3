/**
 * Security-log entries against `security-log-v1.json`: encode == bytes,
 * decode == fields, signatures verify under the signer's key only; one
 * negative vector per parse error; every truncation and byte flip of a
 * golden entry fails (a typed parse error, or a signature that no longer
 * verifies); and each published run of entries gets the client's published
 * verdict (`ROLLBACK` for a broken or forked chain, `DECRYPT_FAILED` for an
 * entry that does not parse or verify).
 */
import { describe, expect, test } from 'vitest';
import { verifyLogRun } from '../../src/client/log/verify.js';
import { toHex } from '../../src/crypto/bytes.js';
import { ed25519PublicKey } from '../../src/crypto/ed25519.js';
import { LOG_ENTRY_LABEL, LOG_TYPES, MAX_LOG_ENTRY_BYTES, createLogEntry, decodeLogEntry, nextLink, signerOf, verifyLogEntry, type LogType } from '../../src/formats/log-entry.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Entry {
  name: string;
  seq: number;
  prevHash: string;
  at: number;
  by: 'client' | 'server';
  type: LogType;
  deviceId?: string;
  address?: string;
  details?: string;
  signature: string;
  bytes: string;
  hash: string;
}
interface Vectors {
  label: string;
  userId: string;
  clientSeed: string;
  clientPublicKey: string;
  serverSeed: string;
  serverPublicKey: string;
  valid: Entry[];
  invalid: InvalidBytes[];
  runs: { name: string; from: number; pin: { seq: number; head: string }; entries: string[]; error: 'ROLLBACK' | 'DECRYPT_FAILED' | null }[];
}
const vectors = readVectors<Vectors>('security-log-v1.json');
const { userId } = vectors;
const keys = { client: bytes(vectors.clientPublicKey), server: bytes(vectors.serverPublicKey) };

describe('security-log entries (security-log-v1.json)', () => {
  test('the types are the documented list, each with one signer', () => {
    expect(LOG_ENTRY_LABEL).toBe(vectors.label);
    expect(LOG_TYPES).toEqual([
      'login', 'login_failed', 'password_changed', 'recovery_key_set', 'recovery_used', 'device_added', 'device_revoked', 'passkey_added', 'passkey_removed',
      'totp_enabled', 'totp_disabled', 'vault_rotated', 'share_granted', 'share_changed', 'share_revoked', 'mfa_failed', 'rate_limited', 'replay', 'forged',
      'token_issued', 'session_revoked',
    ]);
    expect(LOG_TYPES.filter((t) => signerOf(t) === 'server')).toEqual(['login', 'login_failed', 'mfa_failed', 'rate_limited', 'replay', 'forged', 'token_issued', 'session_revoked']);
    expect(toHex(ed25519PublicKey(bytes(vectors.clientSeed)))).toBe(vectors.clientPublicKey);
    expect(toHex(ed25519PublicKey(bytes(vectors.serverSeed)))).toBe(vectors.serverPublicKey);
  });

  test('encode, decode, verify, link', () => {
    vectors.valid.forEach((e, i) => {
      const seed = bytes(e.by === 'client' ? vectors.clientSeed : vectors.serverSeed);
      const { name: _name, by: _by, signature: _sig, bytes: hex, hash, ...fields } = e;
      const created = createLogEntry({ ...fields, prevHash: bytes(e.prevHash), userId, signingKey: seed });
      expect(toHex(created), e.name).toBe(hex);
      const d = decodeLogEntry(bytes(hex));
      expect({
        seq: d.seq,
        prevHash: toHex(d.prevHash),
        at: d.at,
        by: d.by,
        type: d.type,
        ...(d.deviceId === undefined ? {} : { deviceId: d.deviceId }),
        ...(d.address === undefined ? {} : { address: d.address }),
        ...(d.details === undefined ? {} : { details: d.details }),
        signature: toHex(d.signature),
        hash: toHex(d.hash),
      }).toEqual({ ...fields, by: e.by, signature: e.signature, hash });
      expect(verifyLogEntry(userId, d, keys), e.name).toBe(true);
      // The other signer's key, or another account, never verifies it.
      expect(verifyLogEntry(userId, d, { client: keys.server, server: keys.client })).toBe(false);
      expect(verifyLogEntry('bob@example.com', d, keys)).toBe(false);
      const previous = vectors.valid[i - 1];
      expect(toHex(nextLink(previous === undefined ? null : { seq: previous.seq, entry: bytes(previous.bytes) }).prevHash)).toBe(e.prevHash);
    });
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalid, decodeLogEntry);
  });

  test('every truncation and byte flip of a golden entry fails', async () => {
    for (const e of vectors.valid) {
      for (const { what, bytes: corrupted } of corruptions(bytes(e.bytes))) {
        let parsed: ReturnType<typeof decodeLogEntry>;
        try {
          parsed = decodeLogEntry(corrupted);
        } catch {
          await typedFailure(() => decodeLogEntry(corrupted), `${e.name}, ${what}`);
          continue;
        }
        expect(verifyLogEntry(userId, parsed, keys), `${e.name}, ${what}`).toBe(false);
      }
    }
  });

  test('each published run gets its published verdict', async () => {
    expect(vectors.runs.some((r) => r.error === 'ROLLBACK') && vectors.runs.some((r) => r.error === 'DECRYPT_FAILED') && vectors.runs.some((r) => r.error === null)).toBe(true);
    for (const run of vectors.runs) {
      const verify = () => verifyLogRun({ userId, entries: run.entries.map(bytes), from: run.from, pin: { seq: run.pin.seq, head: bytes(run.pin.head) }, keys });
      if (run.error === null) expect(verify().map((e) => e.seq), run.name).toEqual(run.entries.map((_, i) => run.from + i + 1));
      else expect(await typedFailure(verify, run.name), run.name).toBe(run.error);
    }
  });

  test('the encoder refuses bad fields', async () => {
    const base = { userId, seq: 1, prevHash: new Uint8Array(32), at: 0, type: 'password_changed' as const, signingKey: bytes(vectors.clientSeed) };
    for (const bad of [{ seq: 0 }, { seq: 2 ** 32 }, { prevHash: new Uint8Array(31) }, { at: -1 }, { at: 1.5 }, { type: 'nope' as LogType }, { deviceId: '' }, { address: 'a'.repeat(65) }, { details: 'x'.repeat(1025) }]) {
      expect(await typedFailure(() => createLogEntry({ ...base, ...bad }), JSON.stringify(bad).slice(0, 40))).toBe('INVALID_INPUT');
    }
    const longest = createLogEntry({ ...base, type: 'device_added', deviceId: 'd'.repeat(64), address: undefined, details: 'x'.repeat(1024) });
    expect(longest.length).toBeLessThanOrEqual(MAX_LOG_ENTRY_BYTES);
  });
});
