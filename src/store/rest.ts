/**
 * `restStore({ baseUrl })`: a `BlobStore` speaking the zerovault server's
 * blob routes (DESIGN.md "Server contract"):
 *
 * | call | request | success |
 * | --- | --- | --- |
 * | get | `GET {base}/blobs/:vault/:id` | 200 `{ "data": b64url }` + `ETag: "v"`; 404 → `null` |
 * | put | `PUT {base}/blobs/:vault/:id`, body `{ "data": b64url }`, `If-Match: "v"` or `If-None-Match: *` | 200/201 + `ETag: "v"` |
 * | delete | `DELETE {base}/blobs/:vault/:id`, optional `If-Match: "v"` | 200/204; 404 → nothing to delete |
 * | list | `GET {base}/blobs/:vault?after=&limit=` | 200 `{ "items": [{ "id", "version" }], "next"? }` |
 *
 * Bytes travel as unpadded base64url inside JSON, like every other route of
 * the contract. The version is the `ETag` (a quoted decimal); a JSON
 * `version` field is accepted too (a cross-origin browser sees `ETag` only if
 * the server exposes it) and must agree when both are present.
 *
 * Requests go through the SDK's one transport (`transport.ts`): status
 * mapping: 404 as above, 409/412 → `CONFLICT`, 401 → `AUTH_FAILED` (or
 * `CLOSED` for a session the server no longer has), 403 → `FORBIDDEN`,
 * 429 → `RATE_LIMITED` with `retryAfterMs`, 400/413/422 → `INVALID_INPUT`,
 * 408/5xx, a thrown `fetch` and a timeout → `NETWORK`, anything else or a
 * malformed body → `NETWORK` ("invalid server response"). The server's JSON is
 * never trusted: every field is type-checked, base64url is decoded strictly,
 * list pages must be ordered, bounded and make progress.
 *
 * @module
 */
import { equal, fromBase64url, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { TRANSPORT_DEFAULTS, exchange, invalidResponse, parseJsonObject, statusError, type Reply, type TransportOptions } from '../transport.js';
import {
  assertData,
  assertIds,
  assertName,
  conflict,
  isName,
  isVersion,
  MAX_BLOB_BYTES,
  parseDeleteOptions,
  parseListOptions,
  parsePutOptions,
  type BlobRecord,
  type BlobStore,
  type DeleteOptions,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type PutOptions,
  type PutResult,
} from './types.js';

/** Options for {@link restStore}. */
export interface RestStoreOptions {
  /** The server's base URL (`http:` or `https:`, no query or fragment), e.g. `https://api.example.com/zv`. */
  readonly baseUrl: string | URL;
  /** The `fetch` to use; default: the global `fetch`, read at call time. In-process servers pass their handler. */
  readonly fetch?: (request: Request) => Promise<Response>;
  /**
   * Adds authentication (the session's request MAC) to a request. Called
   * once per attempt with a fresh `Request`, so every retry gets its own
   * timestamp and nonce and is never a replay. It may read a clone of the
   * body and must resolve to the request to send.
   */
  readonly sign?: (request: Request) => Promise<Request>;
  /** Per-attempt timeout (request and response body), in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Extra attempts for requests that are safe to repeat. Default 3. */
  readonly retries?: number;
  /** Backoff base in ms: attempt n waits a random time below `min(maxRetryDelayMs, retryDelayMs · 2^n)`. Default 200. */
  readonly retryDelayMs?: number;
  /** Backoff ceiling in ms. Default 5 000. */
  readonly maxRetryDelayMs?: number;
}

/** A REST `BlobStore`; `getMany` issues bounded concurrent GETs (there is no batch route). */
export type RestStore = BlobStore & Required<Pick<BlobStore, 'getMany'>>;

// Largest acceptable response body: base64url of the largest blob plus JSON framing.
const MAX_RESPONSE_CHARS = Math.ceil((MAX_BLOB_BYTES * 4) / 3) + 4096;
const GET_MANY_CONCURRENCY = 6;
const ETAG = /^(?:W\/)?"([1-9][0-9]{0,15})"$/;

/** The version from `ETag` and/or the JSON `version`: at least one, and they agree. */
function replyVersion(reply: Reply, body: Record<string, unknown> | undefined): number {
  const etag = reply.headers.get('etag');
  let fromHeader: number | undefined;
  if (etag !== null) {
    const match = ETAG.exec(etag.trim());
    fromHeader = match === null ? undefined : Number(match[1]);
    if (!isVersion(fromHeader)) throw invalidResponse();
  }
  const fromBody = body?.version;
  if (fromBody !== undefined && !isVersion(fromBody)) throw invalidResponse();
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) throw invalidResponse();
  const version = fromHeader ?? fromBody;
  if (version === undefined) throw invalidResponse();
  return version;
}

function integerOption(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ZeroVaultError('INVALID_INPUT', `${name} must be an integer of at least ${min}`);
  }
  return value;
}

class RestBlobStore implements RestStore {
  readonly #base: string;
  readonly #sign: ((request: Request) => Promise<Request>) | undefined;
  readonly #transport: TransportOptions;

  constructor(base: string, options: RestStoreOptions) {
    this.#base = base;
    this.#sign = options.sign;
    this.#transport = {
      fetch: options.fetch,
      timeoutMs: integerOption(options.timeoutMs, 'timeoutMs', TRANSPORT_DEFAULTS.timeoutMs, 1),
      retries: integerOption(options.retries, 'retries', TRANSPORT_DEFAULTS.retries, 0),
      retryDelayMs: integerOption(options.retryDelayMs, 'retryDelayMs', TRANSPORT_DEFAULTS.retryDelayMs, 0),
      maxRetryDelayMs: integerOption(options.maxRetryDelayMs, 'maxRetryDelayMs', TRANSPORT_DEFAULTS.maxRetryDelayMs, 0),
      maxResponseChars: MAX_RESPONSE_CHARS,
    };
  }

  #url(vault: string, id?: string): string {
    const path = `${this.#base}/blobs/${encodeURIComponent(vault)}`;
    return id === undefined ? path : `${path}/${encodeURIComponent(id)}`;
  }

  #send(method: string, url: string, headers: Record<string, string>, body: string | undefined, retry: boolean): Promise<Reply> {
    return exchange(this.#transport, { method, url, headers, body, retry, sign: this.#sign });
  }

  async get(vault: string, id: string): Promise<BlobRecord | null> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    return this.#get(vault, id);
  }

  async #get(vault: string, id: string): Promise<BlobRecord | null> {
    // GET is safe: retrying cannot change anything.
    const reply = await this.#send('GET', this.#url(vault, id), { accept: 'application/json' }, undefined, true);
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw statusError(reply);
    const body = parseJsonObject(reply.text);
    if (typeof body.data !== 'string') throw invalidResponse();
    let data: Uint8Array;
    try {
      data = fromBase64url(body.data, 'data');
    } catch {
      throw invalidResponse();
    }
    if (data.length > MAX_BLOB_BYTES) throw invalidResponse();
    return { data, version: replyVersion(reply, body) };
  }

  async getMany(vault: string, ids: readonly string[]): Promise<(BlobRecord | null)[]> {
    assertName(vault, 'vault');
    assertIds(ids);
    const list = [...ids];
    const out: (BlobRecord | null)[] = new Array<BlobRecord | null>(list.length).fill(null);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const i = next++;
        out[i] = await this.#get(vault, list[i] as string);
      }
    };
    await Promise.all(Array.from({ length: Math.min(GET_MANY_CONCURRENCY, list.length) }, worker));
    return out;
  }

  async put(vault: string, id: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    assertData(data);
    const ifVersion = parsePutOptions(options);
    const bytes = new Uint8Array(data);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (ifVersion === null) headers['if-none-match'] = '*';
    else if (ifVersion !== undefined) headers['if-match'] = `"${ifVersion}"`;
    // Retry only conditional writes. A precondition makes a PUT apply at most
    // once: if an attempt landed but its response was lost, the repeat finds
    // the version moved and fails with 412 instead of writing again, so no
    // one else's write can be overwritten. An unconditional PUT repeated late
    // could overwrite a newer write by someone else (a lost update), so it
    // is sent once and a transport failure is reported as `NETWORK`
    // (outcome unknown).
    const reply = await this.#send('PUT', this.#url(vault, id), headers, JSON.stringify({ data: toBase64url(bytes) }), ifVersion !== undefined);
    if (reply.status === 200 || reply.status === 201) {
      const version = replyVersion(reply, reply.text.length === 0 ? undefined : parseJsonObject(reply.text));
      if (typeof ifVersion === 'number' && version <= ifVersion) throw invalidResponse();
      return { version };
    }
    const stale = reply.status === 412 || reply.status === 409 || (reply.status === 404 && typeof ifVersion === 'number');
    if (!stale) throw statusError(reply);
    if (reply.attempt > 0) {
      // A repeat failed its precondition: maybe because an earlier attempt
      // landed. If the record now holds exactly our bytes (sealed records are
      // randomized, so no one else writes them), that write was ours.
      const current = await this.#get(vault, id);
      if (current !== null && equal(current.data, bytes) && (ifVersion === null || (ifVersion !== undefined && current.version > ifVersion))) {
        return { version: current.version };
      }
    }
    throw conflict();
  }

  async delete(vault: string, id: string, options?: DeleteOptions): Promise<void> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    const ifVersion = parseDeleteOptions(options);
    const headers: Record<string, string> = {};
    if (ifVersion !== undefined) headers['if-match'] = `"${ifVersion}"`;
    // As for PUT: `If-Match` deletes exactly version `ifVersion` at most once,
    // so it is safe to repeat. An unconditional DELETE repeated late could
    // delete a record someone re-created meanwhile, so it is sent once.
    const reply = await this.#send('DELETE', this.#url(vault, id), headers, undefined, ifVersion !== undefined);
    if (reply.status === 200 || reply.status === 204) return;
    if (reply.status === 404 && ifVersion === undefined) return;
    const stale = reply.status === 412 || reply.status === 409 || reply.status === 404;
    if (!stale) throw statusError(reply);
    // A repeat that finds the record gone: an earlier attempt (or another
    // client) deleted it, and "gone" is the state asked for.
    if (reply.attempt > 0 && (await this.#get(vault, id)) === null) return;
    throw conflict();
  }

  async list(vault: string, options?: ListOptions): Promise<ListPage> {
    assertName(vault, 'vault');
    const { after, limit } = parseListOptions(options);
    const query = new URLSearchParams();
    if (after !== undefined) query.set('after', after);
    query.set('limit', String(limit));
    const reply = await this.#send('GET', `${this.#url(vault)}?${query.toString()}`, { accept: 'application/json' }, undefined, true);
    if (reply.status === 404) return { items: [] };
    if (reply.status !== 200) throw statusError(reply);
    return parsePage(parseJsonObject(reply.text), after, limit);
  }
}

/** Validates a list page: bounded, valid, strictly ordered after `after`, and a `next` that makes progress. */
function parsePage(body: Record<string, unknown>, after: string | undefined, limit: number): ListPage {
  const { items, next } = body;
  if (!Array.isArray(items) || items.length > limit) throw invalidResponse();
  const out: ListEntry[] = [];
  let previous = after;
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null) throw invalidResponse();
    const { id, version } = item as Record<string, unknown>;
    if (!isName(id) || !isVersion(version) || (previous !== undefined && id <= previous)) throw invalidResponse();
    out.push({ id, version });
    previous = id;
  }
  if (next === undefined || next === null) return { items: out };
  if (!isName(next) || (after !== undefined && next <= after) || (previous !== undefined && next < previous)) throw invalidResponse();
  return { items: out, next };
}

/**
 * Creates a `BlobStore` that talks to a zerovault server's blob routes.
 *
 * Retries (with exponential backoff and full jitter): GET and list always;
 * conditional PUT and DELETE, which cannot apply twice; never unconditional
 * writes. Every attempt is signed afresh and bounded by `timeoutMs`.
 *
 * A `Client` without a `store` option builds this store itself, signed with
 * each session's request MAC; there is nothing to pass for that case. Build
 * one yourself for a service of your own that serves the same blob routes
 * behind its own authentication, and hand it to the `Client`:
 *
 * @example
 * const store = restStore({
 *   baseUrl: 'https://blobs.example.com/zv',
 *   sign: async (request) => {
 *     const signed = new Request(request)
 *     signed.headers.set('authorization', `Bearer ${await getAccessToken()}`) // your app's token
 *     return signed
 *   },
 * })
 * const client = new Client({ url: 'https://api.example.com/zv', store })
 *
 * @throws `INVALID_INPUT` on bad options; operations throw as described in the module comment
 */
export function restStore(options: RestStoreOptions): RestStore {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', 'baseUrl must be an absolute URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ZeroVaultError('INVALID_INPUT', 'baseUrl must be an http(s) URL without query, fragment or credentials');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'fetch must be a function');
  if (options.sign !== undefined && typeof options.sign !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'sign must be a function');
  return new RestBlobStore(url.origin + url.pathname.replace(/\/+$/, ''), options);
}
