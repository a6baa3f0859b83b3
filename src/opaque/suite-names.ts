/**
 * The names of the OPAQUE suites, apart from their implementations
 * (`suite.ts`), so code that only names a suite, like the client's
 * settings, does not link the group arithmetic.
 *
 * @module
 */

/** The OPAQUE suites we implement, named by their OPRF (RFC 9807 §7). */
export type SuiteName = 'ristretto255-SHA512' | 'P256-SHA256';

/** Every suite name, default first. */
export const SUITE_NAMES: readonly SuiteName[] = Object.freeze(['ristretto255-SHA512', 'P256-SHA256']);

/** The default suite: interoperates with opaque-ke / `@serenity-kit/opaque`. */
export const DEFAULT_SUITE: SuiteName = 'ristretto255-SHA512';
