/**
 * Key events against `key-events-v1.json`: encode == bytes, decode ==
 * fields, the published log verifies and every append of it is accepted by
 * the server's rule; one negative vector per parse error; each invalid log
 * fails on the client (`AUTH_FAILED`) and its last append on the server; and
 * every truncation and byte flip of a golden event fails on both sides with
 * a typed error.
 */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { GENESIS_PREV, KEY_EVENT_LABEL, MAX_KEY_EVENT_BYTES, checkKeyEventAppend, createKeyEvent, decodeKeyEvent, verifyKeyLog } from '../../src/formats/key-event.js';
import type { ZeroVaultErrorCode } from '../../src/errors.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Event {
  name: string;
  seq: number;
  prev: string;
  userId: string;
  x25519: string;
  ed25519: string;
  signingSeed: string;
  signature: string;
  bytes: string;
  hash: string;
}
interface Vectors {
  valid: Event[];
  invalid: InvalidBytes[];
  logs: { name: string; userId: string; events: string[]; error: 'AUTH_FAILED'; appendError: ZeroVaultErrorCode | null }[];
}
const vectors = readVectors<Vectors>('key-events-v1.json');
const log = vectors.valid.map((e) => bytes(e.bytes));
const userId = vectors.valid[0]?.userId as string;

describe('key events (key-events-v1.json)', () => {
  test('encode, decode, verify, append', () => {
    expect(KEY_EVENT_LABEL).toBe('zerovault/v1/key-event');
    expect(MAX_KEY_EVENT_BYTES).toBe(168 + 254);
    expect(toHex(GENESIS_PREV)).toBe(vectors.valid[0]?.prev);
    vectors.valid.forEach((e, i) => {
      const created = createKeyEvent({ seq: e.seq, prev: bytes(e.prev), userId: e.userId, x25519: bytes(e.x25519), ed25519: bytes(e.ed25519), signingKey: bytes(e.signingSeed) });
      expect(toHex(created), e.name).toBe(e.bytes);
      const d = decodeKeyEvent(bytes(e.bytes));
      expect({ seq: d.seq, prev: toHex(d.prev), userId: d.userId, x25519: toHex(d.x25519), ed25519: toHex(d.ed25519), signature: toHex(d.signature), hash: toHex(d.hash) }).toEqual({
        seq: e.seq,
        prev: e.prev,
        userId: e.userId,
        x25519: e.x25519,
        ed25519: e.ed25519,
        signature: e.signature,
        hash: e.hash,
      });
      expect(checkKeyEventAppend(userId, log.slice(0, i), bytes(e.bytes))).toBe(e.seq);
    });
    expect(verifyKeyLog(userId, log).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalid, decodeKeyEvent);
    const e = vectors.valid[0] as Event;
    const base = { seq: 1, prev: bytes(e.prev), userId: e.userId, x25519: bytes(e.x25519), ed25519: bytes(e.ed25519), signingKey: bytes(e.signingSeed) };
    expect(await typedFailure(() => createKeyEvent({ ...base, seq: 0 }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => createKeyEvent({ ...base, userId: 'Alice@example.com' }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => createKeyEvent({ ...base, prev: new Uint8Array(31) }))).toBe('INVALID_INPUT');
  });

  test('invalid logs fail on the client and their last append on the server', async () => {
    expect(vectors.logs.length).toBeGreaterThanOrEqual(8);
    for (const l of vectors.logs) {
      const events = l.events.map(bytes);
      expect(await typedFailure(() => verifyKeyLog(l.userId, events), l.name), l.name).toBe(l.error);
      const last = events[events.length - 1];
      if (last !== undefined) expect(await typedFailure(() => checkKeyEventAppend(l.userId, events.slice(0, -1), last), l.name), l.name).toBe(l.appendError);
    }
  });

  test('every truncation and byte flip of a golden event fails on client and server', async () => {
    const i = 1; // the second event: signed by the first event's key
    for (const { what, bytes: bad } of corruptions(log[i] as Uint8Array)) {
      expect(await typedFailure(() => verifyKeyLog(userId, [log[0] as Uint8Array, bad]), what)).toBe('AUTH_FAILED');
      expect(['INVALID_INPUT', 'UNSUPPORTED']).toContain(await typedFailure(() => checkKeyEventAppend(userId, log.slice(0, i), bad), what));
    }
  });
});
