/**
 * `zerovault/verify` (edge and browser-safe build): verifies, on every
 * request to the app's own routes, the zerovault access token and the DPoP
 * proof a `session.fetch` sends. The Node build adds `sqliteReplayStore` and
 * `postgresReplayStore` (see `../verify.ts`).
 *
 * Every export is listed by name.
 *
 * @module
 */
export { createVerifier } from './verifier.js';
export { memoryReplayStore } from './memory.js';
export type {
  ClosableReplayStore,
  NodeMiddleware,
  NodeMiddlewareOptions,
  NodeRequestLike,
  NodeResponseLike,
  ReplayStore,
  VerifiedHandler,
  VerifiedRequest,
  Verifier,
  VerifierOptions,
} from './types.js';
