/**
 * The P256-SHA256 OPAQUE suite (RFC 9807 §7 with the RFC 9497 `P256-SHA256`
 * OPRF). Kept apart from `suite.ts` so P-256 is linked only where it is
 * used: the client imports this module on demand through `loadSuite`, the
 * synchronous server imports it statically and calls
 * {@link registerP256Suite} before it resolves a suite.
 *
 * @module
 */
import { P256 } from '../crypto/group-p256.js';
import { makeSuite, registerSuite, type Suite } from './suite.js';

/** P256-SHA256: P-256 group and OPRF, HKDF/HMAC/Hash with SHA-256; encoding id 0x02. */
export const P256_SUITE: Suite = makeSuite('P256-SHA256', P256, 'SHA-256');

/** Registers {@link P256_SUITE} (idempotent), so synchronous code can resolve it by name or id. */
export function registerP256Suite(): void {
  registerSuite(P256_SUITE);
}
