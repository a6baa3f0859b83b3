/**
 * The sharing routes (authenticated; `docs/protocol.md`, "Sharing"):
 *
 * | route | who | body → result |
 * | --- | --- | --- |
 * | `GET /users/:id/keys` | any user | → `{ events }` (404 when none) |
 * | `POST /keys` | the user | `{ event }` → 201 `{ seq }` (appends to the caller's log) |
 * | `PUT /grants/:vault/:grantee` | the owner | `{ role, grant }` → 200 `{}` |
 * | `DELETE /grants/:vault/:grantee` | the owner | → 204 (404 when none) |
 * | `GET /grants/:vault` | the owner | → `{ items: [{ grantee, role, grant }] }` |
 * | `GET /shared` | a grantee | → `{ items: [{ owner, vault, role }] }` |
 * | `GET /shared/:owner/grant/:vault` | the grantee | → `{ role, grant }` (404 when none) |
 * | `GET|PUT|DELETE /shared/:owner/blobs/:vault/:id`, `GET /shared/:owner/blobs/:vault` | a grantee | as `/blobs`, in the owner's namespace |
 *
 * Least privilege on the server: the shared blob routes answer only to a
 * user holding a grant for that exact vault; `read` allows GET and listing,
 * `write` also PUT and DELETE; no member may write the vault's reserved
 * records (`_zv.*`) or read them, except the membership list `_zv.members`.
 * Everything else is 403 `AUTH_FAILED` and an `access_denied` event. User ids
 * in paths are percent-encoded and normalized.
 *
 * @module
 */
import { equal, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { MAX_KEY_EVENT_BYTES, checkKeyEventAppend, decodeKeyEvent } from '../formats/key-event.js';
import { isName } from '../store/types.js';
import type { RouteContext } from './account-routes.js';
import { blobRoute } from './blob-routes.js';
import { errorResponse, json, parseJsonBody } from './http.js';
import type { GrantRole, SharingStore, StoredGrant, StoredSession } from './types.js';
import { normalizeUserId } from '../formats/user-id.js';

/** Largest grant accepted: a 255-version grant is about 9.4 KB. */
const MAX_GRANT_BYTES = 64 * 1024;
const MEMBERS_ID = '_zv.members';
const RESERVED = '_zv';

/** True for the paths this module answers. */
export function isSharingPath(path: string): boolean {
  return path === '/keys' || path === '/shared' || path.startsWith('/users/') || path.startsWith('/grants/') || path.startsWith('/shared/');
}

/** The sharing methods of a store, or `null` when it lacks any of them. */
export function sharingOf(store: Partial<SharingStore>): SharingStore | null {
  const names = ['appendKeyEvent', 'getKeyEvents', 'putGrant', 'getGrant', 'deleteGrant', 'listGrantsByOwner', 'listGrantsForGrantee'] as const;
  return names.every((name) => typeof store[name] === 'function') ? (store as SharingStore) : null;
}

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function notFound(message = 'no such route'): Response {
  return errorResponse(new ZeroVaultError('NOT_FOUND', message));
}

function userSegment(segment: string | undefined, name: string): string {
  if (segment === undefined) throw invalid(`${name} is missing`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw invalid(`${name} is not percent-encoded correctly`);
  }
  return normalizeUserId(decoded);
}

function vaultSegment(segment: string | undefined): string {
  if (!isName(segment) || segment.startsWith(RESERVED)) throw invalid('vault must be a vault name');
  return segment;
}

function role(value: string): GrantRole {
  if (value !== 'read' && value !== 'write') throw invalid("role must be 'read' or 'write'");
  return value;
}

function noQuery(params: URLSearchParams): void {
  if ([...params.keys()].length > 0) throw invalid('unexpected query parameter');
}

/** Handles one sharing request of an authenticated session. */
export async function sharingRoute(
  context: RouteContext,
  session: StoredSession,
  request: { method: string; path: string; params: URLSearchParams; headers: Headers; body: Uint8Array },
): Promise<Response> {
  const sharing = sharingOf(context.store);
  if (sharing === null) return notFound('sharing is not supported by this server');
  const { method, path, params, body } = request;
  const me = session.userId;
  const parts = path.split('/').slice(1);
  const where = context.address === undefined ? {} : { address: context.address };

  // Key directory.
  if (parts[0] === 'users' && parts.length === 3 && parts[2] === 'keys' && method === 'GET') {
    noQuery(params);
    const events = await sharing.getKeyEvents(userSegment(parts[1], 'user id'));
    if (events.length === 0) return notFound('the user has no published keys');
    return json(200, { events: events.map(toBase64url) });
  }
  if (path === '/keys' && method === 'POST') {
    const { event } = parseJsonBody(body, { event: 'bytes' });
    if (event.length > MAX_KEY_EVENT_BYTES) throw invalid('event is too large');
    const log = await sharing.getKeyEvents(me);
    const last = log[log.length - 1];
    const parsedSeq = decodeKeyEvent(event).seq;
    // The same event again (another device of the user published it first) is not an error.
    if (parsedSeq <= log.length && equal(log[parsedSeq - 1] as Uint8Array, event)) return json(200, { seq: parsedSeq });
    const seq = checkKeyEventAppend(me, log, event);
    try {
      await sharing.appendKeyEvent(me, seq, event, context.now());
    } catch (err) {
      if (isZeroVaultError(err, 'CONFLICT')) return errorResponse(new ZeroVaultError('CONFLICT', 'the key log changed meanwhile'));
      throw err;
    }
    context.emit({ type: 'key_published', userId: me, reason: last === undefined ? 'first' : 'change', ...where });
    return json(201, { seq });
  }

  // Grants, owner side.
  if (parts[0] === 'grants' && parts.length === 3 && (method === 'PUT' || method === 'DELETE')) {
    noQuery(params);
    const vault = vaultSegment(parts[1]);
    const grantee = userSegment(parts[2], 'grantee');
    if (grantee === me) throw invalid('grantee must be another user');
    if (method === 'DELETE') {
      if (!(await sharing.deleteGrant(me, vault, grantee))) return notFound('no such grant');
      context.emit({ type: 'grant_deleted', userId: me, ...where });
      return json(204, null);
    }
    const input = parseJsonBody(body, { role: 'string', grant: 'bytes' });
    if (input.grant.length === 0 || input.grant.length > MAX_GRANT_BYTES) throw invalid('grant has an invalid length');
    if ((await sharing.getKeyEvents(grantee)).length === 0) return notFound('the grantee has no published keys');
    await sharing.putGrant({ owner: me, vault, grantee, role: role(input.role), data: input.grant, updatedAt: context.now() });
    context.emit({ type: 'grant_created', userId: me, ...where });
    return json(200, {});
  }
  if (parts[0] === 'grants' && parts.length === 2 && method === 'GET') {
    noQuery(params);
    const grants = await sharing.listGrantsByOwner(me, vaultSegment(parts[1]));
    return json(200, { items: grants.map((g) => ({ grantee: g.grantee, role: g.role, grant: toBase64url(g.data) })) });
  }

  // Grants, grantee side.
  if (path === '/shared' && method === 'GET') {
    noQuery(params);
    const grants = await sharing.listGrantsForGrantee(me);
    return json(200, { items: grants.map((g) => ({ owner: g.owner, vault: g.vault, role: g.role })) });
  }
  if (parts[0] === 'shared' && parts.length === 4 && parts[2] === 'grant' && method === 'GET') {
    noQuery(params);
    const grant = await sharing.getGrant(userSegment(parts[1], 'owner'), vaultSegment(parts[3]), me);
    if (grant === null) return notFound('no such grant');
    return json(200, { role: grant.role, grant: toBase64url(grant.data) });
  }

  // Shared blobs: the owner's namespace, within the grant.
  if (parts[0] === 'shared' && parts[2] === 'blobs' && (parts.length === 4 || parts.length === 5)) {
    const owner = userSegment(parts[1], 'owner');
    const vault = vaultSegment(parts[3]);
    const id = parts[4];
    const deny = (reason: string): Response => {
      context.emit({ type: 'access_denied', userId: me, reason, ...where });
      return errorResponse(new ZeroVaultError('AUTH_FAILED', 'access denied'), 403);
    };
    const grant: StoredGrant | null = await sharing.getGrant(owner, vault, me);
    if (grant === null) return deny('no-grant');
    const reading = method === 'GET';
    if (!reading && grant.role !== 'write') return deny('read-only');
    if (id !== undefined && id.startsWith(RESERVED) && !(reading && id === MEMBERS_ID)) return deny('reserved');
    return blobRoute(context.store.blobs(owner), method, `/blobs/${parts.slice(3).join('/')}`, params, request.headers, body);
  }
  return notFound();
}
