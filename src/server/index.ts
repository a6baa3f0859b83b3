/**
 * `zerovault/server` (edge and browser-safe build): OPAQUE accounts, verified
 * sessions and a versioned ciphertext store behind one
 * `fetch(Request) → Response` handler. The Node build adds `sqliteStore` and
 * `postgresStore` (see `index-node.ts`).
 *
 * @module
 */
export { createServer, type CreateServerOptions, type RequestInfo, type ZeroVaultServer } from './server.js';
export { memoryServerStore } from './memory.js';
export { toNodeHandler, type NodeHandler, type NodeHandlerOptions } from './node.js';
export { normalizeUserId, MAX_USER_ID_LENGTH } from '../formats/user-id.js';
export type { BucketPolicy, GrantRole, ServerEvent, ServerEventListener, ServerEventType, ServerStore, SharingStore, StoredGrant, StoredSession } from './types.js';
export { generateServerSetup, serverSetupFromText, serverSetupToText } from './setup.js';
