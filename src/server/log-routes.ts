/**
 * The security-log routes (`docs/protocol.md`, "Security log"):
 *
 * | route | who | body → result |
 * | --- | --- | --- |
 * | `GET /log/key` | anyone | → `{ publicKey }` (the key server-signed entries verify with) |
 * | `GET /log?since=N` | the user | → `{ entries, more }`: up to 500 entries numbered above `N`, in order |
 * | `GET /log/head` | the user | → `{ seq, entry? }`: the last entry (what a new entry links to) |
 * | `POST /log` | the user | `{ entry }` → 201 `{ seq }`: appends a client-signed entry |
 *
 * The server serves the bytes it stored, as stored: it never parses them on
 * the way out, so an edited row reaches the client, which judges it. An
 * append must be a client-signed entry that links to the stored head (its
 * number + 1, the hash of its bytes as stored; `CONFLICT` when the head
 * moved meanwhile), and, when the account has published keys, verify under
 * its current identity key, so a stolen session (which has no identity key)
 * cannot break the account's log.
 *
 * @module
 */
import { equal, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { decodeKeyEvent } from '../formats/key-event.js';
import { MAX_LOG_ENTRY_BYTES, decodeLogEntry, nextLink, verifyLogEntry } from '../formats/log-entry.js';
import { json, parseJsonBody } from './http.js';
import { LOG_PAGE } from './log-store.js';
import type { ServerLog } from './log.js';
import type { Route, RouteCall } from './router.js';
import { sharingOf } from './sharing-routes.js';
import type { LogStore, StoredSession } from './types.js';

type Call = RouteCall<StoredSession>;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function onlyQuery(query: URLSearchParams, allowed: readonly string[]): void {
  if ([...query.keys()].some((key) => !allowed.includes(key))) throw invalid('unexpected query parameter');
}

/** `since`: a decimal integer ≥ 0, default 0. */
function sinceOf(query: URLSearchParams): number {
  const text = query.get('since');
  if (text === null) return 0;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(text)) throw invalid('since must be a non-negative integer');
  return Number(text);
}

async function readLog(log: LogStore, server: ServerLog, call: Call): Promise<Response> {
  onlyQuery(call.query, ['since']);
  const since = sinceOf(call.query);
  const userId = call.session.userId;
  const rows = await server.serial(userId, () => log.getLogEntries(userId, since, LOG_PAGE + 1));
  return json(200, { entries: rows.slice(0, LOG_PAGE).map((r) => toBase64url(r.entry)), more: rows.length > LOG_PAGE });
}

async function readHead(log: LogStore, server: ServerLog, call: Call): Promise<Response> {
  onlyQuery(call.query, []);
  const userId = call.session.userId;
  const last = await server.serial(userId, () => log.lastLogEntry(userId));
  return json(200, last === null ? { seq: 0 } : { seq: last.seq, entry: toBase64url(last.entry) });
}

/** The account's current identity key, from its key directory log, or `null` when it published none. */
async function identityKey(call: Call): Promise<Uint8Array | null> {
  const sharing = sharingOf(call.context.store);
  if (sharing === null) return null;
  const events = await sharing.getKeyEvents(call.session.userId);
  const last = events[events.length - 1];
  return last === undefined ? null : decodeKeyEvent(last).ed25519;
}

async function append(log: LogStore, server: ServerLog, call: Call): Promise<Response> {
  onlyQuery(call.query, []);
  const { entry } = parseJsonBody(call.body, { entry: 'bytes' });
  if (entry.length > MAX_LOG_ENTRY_BYTES) throw invalid('entry is too large');
  const parsed = decodeLogEntry(entry);
  if (parsed.by !== 'client') throw invalid('only client-signed entries can be appended');
  const userId = call.session.userId;
  const key = await identityKey(call);
  // `parsed` is a client entry (checked above): only the client key is ever used.
  if (key !== null && !verifyLogEntry(userId, parsed, { client: key, server: key })) throw invalid('entry signature does not verify');
  await server.serial(userId, async () => {
    const link = nextLink(await log.lastLogEntry(userId));
    if (parsed.seq !== link.seq || !equal(parsed.prevHash, link.prevHash)) throw new ZeroVaultError('CONFLICT', 'the security log changed meanwhile');
    await log.appendLogEntry(userId, parsed.seq, entry, call.context.now());
  });
  return json(201, { seq: parsed.seq });
}

/** The log rows of the route table, over a store's log half and the server's log. */
export function logRoutes(log: LogStore, server: ServerLog): Route[] {
  return [
    { method: 'GET', pattern: '/log/key', auth: 'none', body: 'none', handler: async () => json(200, { publicKey: toBase64url(server.publicKey) }) },
    { method: 'GET', pattern: '/log/head', auth: 'session', body: 'none', handler: (c) => readHead(log, server, c) },
    { method: 'GET', pattern: '/log', auth: 'session', body: 'none', handler: (c) => readLog(log, server, c) },
    { method: 'POST', pattern: '/log', auth: 'session', body: 'small', handler: (c) => append(log, server, c) },
  ];
}
