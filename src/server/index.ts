/**
 * `zerovault/server` (edge and browser-safe build): OPAQUE accounts, verified
 * sessions and a versioned ciphertext store behind one
 * `fetch(Request) → Response` handler. The Node build adds
 * `sqliteServerStore` and `postgresServerStore` (see `index-node.ts`).
 *
 * Every export is listed by name: what is not listed here (route table,
 * sessions, parsers) is internal and free to change.
 *
 * @module
 */
export { createServer } from './server.js';
export type { CreateServerOptions, RequestContext, ZeroVaultServer } from './server.js';
export type { MfaMode } from './router.js';
export type { TokenOptions } from './tokens.js';
export type { CorsOptions } from './cors.js';
export type { PasskeyOptions } from './passkey-routes.js';
export { createServerSetup, serverSetupFromText, serverSetupToText } from './setup.js';
export { memoryServerStore } from './memory.js';
export { toNodeHandler } from './node.js';
export type { FetchHandler, NodeHandler, NodeHandlerOptions } from './node.js';
export { normalizeUserId, MAX_USER_ID_LENGTH } from '../formats/user-id.js';
// Automated responses (`onThreat`): the default policy, to compose with, and the policy's types.
export { defaultThreatPolicy } from './threat.js';
export type { ThreatAction, ThreatOptions, ThreatPolicy, ThreatSignal, ThreatSignalKind } from './threat.js';
// What a custom database implements (`ServerStore`), and what monitoring receives.
export type {
  BucketPolicy,
  DeviceStore,
  GrantRole,
  PasskeyStore,
  MfaStore,
  PendingMfa,
  PutGrantOptions,
  ServerEvent,
  ServerEventListener,
  ServerEventType,
  ServerStore,
  SharingStore,
  StoredDevice,
  StoredGrant,
  StoredPasskey,
  StoredMfa,
  StoredSession,
} from './types.js';
// The security log's half of a custom database (docs/security-log.md).
export type { LogStore, StoredLogEntry } from './types.js';
