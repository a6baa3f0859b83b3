/**
 * The server's one route table (relative to `basePath`; JSON bodies, bytes as
 * unpadded base64url; the wire format is in docs/protocol.md). Every row
 * says method, pattern, who may call it, how large a body it takes, and its
 * handler; `router.ts` matches it and `server.ts` runs every row the same
 * way. A path that matches no pattern is 404; a known path with another
 * method is 405 with `Allow`.
 *
 * @module
 */
import { loginFinish, loginStart, logout, registerFinish, registerStart } from './account-routes.js';
import { deviceRoutes } from './device-routes.js';
import { devicesOf } from './device-store.js';
import { passkeyRoutes, type PasskeyOptions } from './passkey-routes.js';
import { passkeysOf } from './passkey-store.js';
import { deleteBlob, getBlob, listBlobs, putBlob, type BlobCall } from './blob-routes.js';
import type { Route, RouteCall } from './router.js';
import { sharingOf, sharingRoutes } from './sharing-routes.js';
import { mfaOf } from './mfa-store.js';
import { mfaRoutes } from './mfa-routes.js';
import { issueToken, publishJwks } from './token-routes.js';
import { logRoutes } from './log-routes.js';
import { logOf } from './log-store.js';
import type { ServerLog } from './log.js';
import type { ServerStore, StoredSession } from './types.js';

/** The caller's own blobs: `/blobs/:vault[/:id]` over `store.blobs(userId)`. */
function ownBlob(handler: (call: BlobCall) => Promise<Response>, withId: boolean) {
  return (call: RouteCall<StoredSession>): Promise<Response> =>
    handler({
      blobs: call.context.store.blobs(call.session.userId),
      vault: call.param('vault'),
      ...(withId ? { id: call.param('id') } : {}),
      query: call.query,
      headers: call.headers,
      body: call.body,
    });
}

/**
 * The route table of a server over `store`. The sharing rows are present
 * only when the store implements the sharing methods (otherwise those paths
 * are 404, which tells clients to skip sharing); the device rows likewise
 * only with the device methods, the MFA rows only with the MFA methods, and
 * the passkey rows only with the passkey methods and the server's
 * `passkeys` option (the relying party), and the security-log rows only
 * with the log methods and the server's log.
 * A row's `pending` lists the pending sessions it serves; every other row
 * answers a pending session 403 `MFA_REQUIRED`.
 */
export function routeTable(store: ServerStore, options: { passkeys?: PasskeyOptions | undefined; log?: ServerLog | undefined } = {}): Route[] {
  const sharing = sharingOf(store);
  const devices = devicesOf(store);
  const passkeys = options.passkeys === undefined ? null : passkeysOf(store);
  const mfa = mfaOf(store);
  const log = logOf(store);
  return [
    { method: 'POST', pattern: '/register/start', auth: 'none', body: 'small', handler: (c) => registerStart(c.context, c.body) },
    { method: 'POST', pattern: '/register/finish', auth: 'optional', body: 'small', handler: (c) => registerFinish(c.context, c.body, c.session) },
    { method: 'POST', pattern: '/login/start', auth: 'none', body: 'small', handler: (c) => loginStart(c.context, c.body) },
    { method: 'POST', pattern: '/login/finish', auth: 'none', body: 'small', handler: (c) => loginFinish(c.context, c.body) },
    // A pending session may always log out.
    { method: 'POST', pattern: '/logout', auth: 'session', body: 'small', pending: ['mfa', 'enroll'], handler: (c) => logout(c.context, c.session, c.body) },
    { method: 'GET', pattern: '/blobs/:vault', auth: 'session', body: 'none', handler: ownBlob(listBlobs, false) },
    { method: 'GET', pattern: '/blobs/:vault/:id', auth: 'session', body: 'none', handler: ownBlob(getBlob, true) },
    { method: 'PUT', pattern: '/blobs/:vault/:id', auth: 'session', body: 'blob', handler: ownBlob(putBlob, true) },
    { method: 'DELETE', pattern: '/blobs/:vault/:id', auth: 'session', body: 'none', handler: ownBlob(deleteBlob, true) },
    { method: 'POST', pattern: '/token', auth: 'session', body: 'small', handler: issueToken },
    { method: 'GET', pattern: '/.well-known/jwks.json', auth: 'none', body: 'none', handler: publishJwks },
    ...(sharing === null ? [] : sharingRoutes(sharing)),
    ...(devices === null ? [] : deviceRoutes(devices)),
    ...(passkeys === null || options.passkeys === undefined ? [] : passkeyRoutes(passkeys, options.passkeys, mfa)),
    ...(mfa === null ? [] : mfaRoutes(mfa)),
    ...(log === null || options.log === undefined ? [] : logRoutes(log, options.log)),
  ];
}
