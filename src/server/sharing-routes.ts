/**
 * The sharing routes (authenticated; `docs/protocol.md`, "Sharing"):
 *
 * | route | who | body → result |
 * | --- | --- | --- |
 * | `GET /users/:id/keys` | any user | → `{ events }` (404 when none) |
 * | `POST /keys` | the user | `{ event }` → 201 `{ seq }` (appends to the caller's log) |
 * | `PUT /grants/:vault/:grantee` | the owner | `{ role, grant, expiresAt? }` → 200 `{}` |
 * | `DELETE /grants/:vault/:grantee` | the owner | → 204 (404 when none) |
 * | `GET /grants/:vault` | the owner | → `{ items: [{ grantee, role, grant, grantedAt, expiresAt?, lastAccessAt? }] }` |
 * | `GET /shared` | a grantee | → `{ items: [{ owner, vault, role, expiresAt? }] }` (live grants only) |
 * | `GET /shared/:owner/grant/:vault` | the grantee | → `{ role, grant }` (404 when none) |
 * | `GET|PUT|DELETE /shared/:owner/blobs/:vault/:id`, `GET /shared/:owner/blobs/:vault` | a grantee | as `/blobs`, in the owner's namespace |
 *
 * Least privilege on the server: the shared blob routes answer only to a
 * user holding a grant for that exact vault; `read` allows GET and listing,
 * `write` also PUT and DELETE; no member may write the vault's reserved
 * records (`_zv.*`) or read them, except the membership list `_zv.members`.
 * Everything else is 403 `FORBIDDEN` and an `access_denied` event. User ids
 * in paths are percent-encoded and normalized.
 *
 * Time-limited access: a grant's `expiresAt` (ms since the epoch; `null`
 * lifts it; absent on a `PUT` keeps the stored one, so a re-grant after a
 * rotation never lifts an expiry) is checked against the server's clock on
 * every member request: from then on the member's grant and blob routes
 * answer 403 (`access_denied`, reason `expired`) and `/shared` no longer
 * lists the vault. The owner still sees the grant, until its client revokes
 * it. A member's use of a grant is recorded as `lastAccessAt` at most once a
 * minute per grant (a conditional update, {@link LAST_ACCESS_INTERVAL_MS}),
 * never a database write per request.
 *
 * {@link sharingRoutes} lists these routes for the server's one table
 * (`routes.ts`); a store without the sharing methods gets none of them (404).
 *
 * @module
 */
import { equal, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { MAX_KEY_EVENT_BYTES, checkKeyEventAppend, decodeKeyEvent } from '../formats/key-event.js';
import { isName } from '../store/types.js';
import { deleteBlob, getBlob, listBlobs, putBlob, type BlobCall } from './blob-routes.js';
import { errorResponse, json, parseJsonBody, parseJsonObject } from './http.js';
import type { Route, RouteCall } from './router.js';
import type { GrantRole, SharingStore, StoredGrant, StoredSession } from './types.js';
import { normalizeUserId } from '../formats/user-id.js';

/** Largest grant accepted: a 255-version grant is about 9.4 KB. */
const MAX_GRANT_BYTES = 64 * 1024;
const MEMBERS_ID = '_zv.members';
const RESERVED = '_zv';
/** How stale a grant's `lastAccessAt` may get before a member request writes it again. */
export const LAST_ACCESS_INTERVAL_MS = 60_000;

/** The sharing methods of a store, or `null` when it lacks any of them. */
export function sharingOf(store: Partial<SharingStore>): SharingStore | null {
  const names = ['appendKeyEvent', 'getKeyEvents', 'putGrant', 'getGrant', 'deleteGrant', 'listGrantsByOwner', 'listGrantsForGrantee'] as const;
  return names.every((name) => typeof store[name] === 'function') ? (store as SharingStore) : null;
}

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function notFound(message: string): Response {
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

type Call = RouteCall<StoredSession>;

function where(call: Call): { address?: string } {
  return call.context.address === undefined ? {} : { address: call.context.address };
}

/** `GET /users/:user/keys` → `{ events }` (404 when none). */
async function getKeys(sharing: SharingStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const events = await sharing.getKeyEvents(userSegment(call.param('user'), 'user id'));
  if (events.length === 0) return notFound('the user has no published keys');
  return json(200, { events: events.map(toBase64url) });
}

/** `POST /keys` `{ event }` → 201 `{ seq }`: appends to the caller's own log. */
async function appendKey(sharing: SharingStore, call: Call): Promise<Response> {
  const { context, body } = call;
  const me = call.session.userId;
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
  context.emit({ type: 'key_published', userId: me, reason: last === undefined ? 'first' : 'change', ...where(call) });
  return json(201, { seq });
}

/** `PUT /grants/:vault/:grantee` `{ role, grant }` → 200 `{}`; `DELETE` → 204. */
async function putGrant(sharing: SharingStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const me = call.session.userId;
  const vault = vaultSegment(call.param('vault'));
  const grantee = userSegment(call.param('grantee'), 'grantee');
  if (grantee === me) throw invalid('grantee must be another user');
  const { expiresAt, rest } = expiryOf(call.body);
  const input = parseJsonObject(rest, { role: 'string', grant: 'bytes' }, 'body');
  if (input.grant.length === 0 || input.grant.length > MAX_GRANT_BYTES) throw invalid('grant has an invalid length');
  if ((await sharing.getKeyEvents(grantee)).length === 0) return notFound('the grantee has no published keys');
  // Absent: keep the stored expiry. It is also passed along, so a store that predates
  // `keepExpiry` (and ignores it) still never lifts an expiry on a re-grant.
  const kept = expiresAt === undefined ? (await sharing.getGrant(me, vault, grantee))?.expiresAt : undefined;
  const expiry = typeof expiresAt === 'number' ? expiresAt : kept;
  const grant: StoredGrant = { owner: me, vault, grantee, role: role(input.role), data: input.grant, updatedAt: call.context.now(), ...(expiry === undefined ? {} : { expiresAt: expiry }) };
  await sharing.putGrant(grant, { keepExpiry: expiresAt === undefined });
  if (typeof expiresAt === 'number' && (await sharing.getGrant(me, vault, grantee))?.expiresAt !== expiresAt) {
    // Fail closed: a store that drops the expiry would serve the vault forever.
    await sharing.deleteGrant(me, vault, grantee);
    throw new ZeroVaultError('UNSUPPORTED', 'the store cannot keep grant expiry');
  }
  call.context.emit({ type: 'grant_created', userId: me, ...where(call) });
  return json(200, {});
}

/**
 * Splits `expiresAt` off a grant body: `undefined` (keep the stored expiry),
 * `null` (none) or a positive safe integer (ms since the epoch).
 */
function expiryOf(body: Uint8Array): { expiresAt: number | null | undefined; rest: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw invalid('body must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('body must be a JSON object');
  const { expiresAt, ...rest } = value as Record<string, unknown>;
  if (expiresAt !== undefined && expiresAt !== null && !(Number.isSafeInteger(expiresAt) && (expiresAt as number) > 0)) {
    throw invalid('expiresAt must be null or a positive integer');
  }
  return { expiresAt: expiresAt as number | null | undefined, rest };
}

/** Whether a grant has expired at `now`. */
function expired(grant: StoredGrant, now: number): boolean {
  return grant.expiresAt !== undefined && grant.expiresAt <= now;
}

/** Records a member's use of a grant, at most once per {@link LAST_ACCESS_INTERVAL_MS}; a failure never fails the request. */
async function touch(sharing: SharingStore, call: Call, grant: StoredGrant): Promise<void> {
  const at = call.context.now();
  if (sharing.touchGrant === undefined || (grant.lastAccessAt !== undefined && at - grant.lastAccessAt < LAST_ACCESS_INTERVAL_MS)) return;
  try {
    await sharing.touchGrant(grant.owner, grant.vault, grant.grantee, at, LAST_ACCESS_INTERVAL_MS);
  } catch {
    call.context.emit({ type: 'error', reason: 'touch-grant-failed' });
  }
}

/** A 403 for a member request, with its `access_denied` event. */
function denied(call: Call, reason: string): Response {
  call.context.emit({ type: 'access_denied', userId: call.session.userId, reason, ...where(call) });
  return errorResponse(new ZeroVaultError('FORBIDDEN', 'access denied'));
}

async function deleteGrant(sharing: SharingStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const me = call.session.userId;
  const vault = vaultSegment(call.param('vault'));
  const grantee = userSegment(call.param('grantee'), 'grantee');
  if (grantee === me) throw invalid('grantee must be another user');
  if (!(await sharing.deleteGrant(me, vault, grantee))) return notFound('no such grant');
  call.context.emit({ type: 'grant_deleted', userId: me, ...where(call) });
  return json(204, null);
}

/** The times of a grant as the routes send them (absent ones left out). */
function times(g: StoredGrant): { grantedAt: number; expiresAt?: number; lastAccessAt?: number } {
  return {
    grantedAt: g.grantedAt ?? g.updatedAt,
    ...(g.expiresAt === undefined ? {} : { expiresAt: g.expiresAt }),
    ...(g.lastAccessAt === undefined ? {} : { lastAccessAt: g.lastAccessAt }),
  };
}

/** `GET /grants/:vault` → `{ items: [{ grantee, role, grant, grantedAt, expiresAt?, lastAccessAt? }] }` (the owner's view, expired grants included). */
async function listGrants(sharing: SharingStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const grants = await sharing.listGrantsByOwner(call.session.userId, vaultSegment(call.param('vault')));
  return json(200, { items: grants.map((g) => ({ grantee: g.grantee, role: g.role, grant: toBase64url(g.data), ...times(g) })) });
}

/** `GET /shared` → `{ items: [{ owner, vault, role, expiresAt? }] }` (the grantee's view: live grants only). */
async function listShared(sharing: SharingStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const at = call.context.now();
  const grants = (await sharing.listGrantsForGrantee(call.session.userId)).filter((g) => !expired(g, at));
  return json(200, { items: grants.map((g) => ({ owner: g.owner, vault: g.vault, role: g.role, ...(g.expiresAt === undefined ? {} : { expiresAt: g.expiresAt }) })) });
}

/** `GET /shared/:owner/grant/:vault` → `{ role, grant }` (404 when none, 403 once expired). */
async function getSharedGrant(sharing: SharingStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const grant = await sharing.getGrant(userSegment(call.param('owner'), 'owner'), vaultSegment(call.param('vault')), call.session.userId);
  if (grant === null) return notFound('no such grant');
  if (expired(grant, call.context.now())) return denied(call, 'expired');
  await touch(sharing, call, grant);
  return json(200, { role: grant.role, grant: toBase64url(grant.data) });
}

/**
 * `/shared/:owner/blobs/:vault[/:id]`: the owner's blob handler, after the
 * grant check (module comment). `id` is absent for listing.
 */
function sharedBlob(sharing: SharingStore, handler: (call: BlobCall) => Promise<Response>, access: 'read' | 'write', withId: boolean) {
  return async (call: Call): Promise<Response> => {
    const me = call.session.userId;
    const owner = userSegment(call.param('owner'), 'owner');
    const vault = vaultSegment(call.param('vault'));
    const id = withId ? call.param('id') : undefined;
    const deny = (reason: string): Response => denied(call, reason);
    const grant: StoredGrant | null = await sharing.getGrant(owner, vault, me);
    if (grant === null) return deny('no-grant');
    if (expired(grant, call.context.now())) return deny('expired');
    const reading = access === 'read';
    if (!reading && grant.role !== 'write') return deny('read-only');
    if (id !== undefined && id.startsWith(RESERVED) && !(reading && id === MEMBERS_ID)) return deny('reserved');
    await touch(sharing, call, grant);
    const blobs = call.context.store.blobs(owner);
    return handler({ blobs, vault, ...(id === undefined ? {} : { id }), query: call.query, headers: call.headers, body: call.body });
  };
}

/** The sharing rows of the route table (all need a session), over a store's sharing half. */
export function sharingRoutes(sharing: SharingStore): Route[] {
  const row = (method: Route['method'], pattern: string, body: Route['body'], handler: (call: Call) => Promise<Response>): Route => ({
    method,
    pattern,
    auth: 'session',
    body,
    handler,
  });
  return [
    row('GET', '/users/:user/keys', 'none', (call) => getKeys(sharing, call)),
    row('POST', '/keys', 'small', (call) => appendKey(sharing, call)),
    row('PUT', '/grants/:vault/:grantee', 'small', (call) => putGrant(sharing, call)),
    row('DELETE', '/grants/:vault/:grantee', 'none', (call) => deleteGrant(sharing, call)),
    row('GET', '/grants/:vault', 'none', (call) => listGrants(sharing, call)),
    row('GET', '/shared', 'none', (call) => listShared(sharing, call)),
    row('GET', '/shared/:owner/grant/:vault', 'none', (call) => getSharedGrant(sharing, call)),
    row('GET', '/shared/:owner/blobs/:vault', 'none', sharedBlob(sharing, listBlobs, 'read', false)),
    row('GET', '/shared/:owner/blobs/:vault/:id', 'none', sharedBlob(sharing, getBlob, 'read', true)),
    row('PUT', '/shared/:owner/blobs/:vault/:id', 'blob', sharedBlob(sharing, putBlob, 'write', true)),
    row('DELETE', '/shared/:owner/blobs/:vault/:id', 'none', sharedBlob(sharing, deleteBlob, 'write', true)),
  ];
}
