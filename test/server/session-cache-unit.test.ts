/**
 * SessionCache on its own: how long an entry stands for a claim, which key
 * it keeps, and that every key it lets go of is wiped.
 */
import { describe, expect, test } from 'vitest';
import { randomBytes } from '../../src/crypto/random.js';
import { SessionCache, TRUST_MS } from '../../src/server/session-cache.js';
import type { StoredSession } from '../../src/server/types.js';

const now = 1_800_000_000_000;

function session(id: string, expiresAt = now + 60_000): StoredSession {
  return { id, userId: 'u', sealedMacKey: new Uint8Array(60).fill(id.length), createdAt: now - 1000, expiresAt };
}

describe('SessionCache', () => {
  test('an entry stands for a claim only within TRUST_MS of its confirmation and before its expiry', () => {
    const cache = new SessionCache();
    cache.confirm(session('a'), randomBytes(32), now);
    expect(cache.claim('a', now + TRUST_MS)?.session.id).toBe('a');
    expect(cache.claim('a', now + TRUST_MS + 1)).toBeUndefined();
    expect(cache.claim('a', now - 1)).toBeUndefined();
    cache.confirm(session('b', now + 10), randomBytes(32), now);
    expect(cache.claim('b', now + 10)).toBeUndefined();
    expect(cache.claim('missing', now)).toBeUndefined();
  });

  test('a second confirmation keeps the first key and wipes the one handed over', () => {
    const cache = new SessionCache();
    const first = randomBytes(32);
    const kept = Uint8Array.from(first);
    cache.confirm(session('a'), first, now);
    const second = randomBytes(32);
    cache.confirm(session('a'), second, now + 1);
    expect(second.every((b) => b === 0)).toBe(true);
    expect(cache.macKey(session('a'))).toEqual(kept);
    expect(cache.claim('a', now + 1 + TRUST_MS)?.confirmedAt).toBe(now + 1);
  });

  test('a key is handed out only for the same sealed key', () => {
    const cache = new SessionCache();
    cache.confirm(session('a'), randomBytes(32), now);
    expect(cache.macKey({ ...session('a'), sealedMacKey: new Uint8Array(60).fill(9) })).toBeUndefined();
    expect(cache.refresh({ ...session('a'), sealedMacKey: new Uint8Array(60).fill(9) }, now)).toBe(false);
  });

  test('drop wipes the key; refresh of a dropped session says so', () => {
    const cache = new SessionCache();
    const key = randomBytes(32);
    cache.confirm(session('a'), key, now);
    cache.drop('a');
    expect(key.every((b) => b === 0)).toBe(true);
    expect(cache.macKey(session('a'))).toBeUndefined();
    expect(cache.refresh(session('a'), now)).toBe(false);
    cache.drop('a');
  });

  test('beyond 10,000 sessions the oldest confirmation is evicted and its key wiped', () => {
    const cache = new SessionCache();
    const oldest = randomBytes(32);
    cache.confirm(session('s0'), oldest, now);
    for (let i = 1; i <= 10_000; i++) cache.confirm(session(`s${i}`), randomBytes(32), now);
    expect(oldest.every((b) => b === 0)).toBe(true);
    expect(cache.claim('s0', now)).toBeUndefined();
    expect(cache.claim('s10000', now)).toBeDefined();
  });
});
