/**
 * Token-bucket arithmetic shared by every server store, so the memory,
 * SQLite and PostgreSQL limiters agree to the token.
 *
 * @module
 */
import type { BucketPolicy } from './types.js';

/** The tokens a bucket holds at `now`, given its last state. */
export function refill(tokens: number, updatedAt: number, policy: BucketPolicy, now: number): number {
  const elapsed = Math.max(0, now - updatedAt);
  return Math.min(policy.capacity, tokens + elapsed / policy.refillMs);
}
