/**
 * A tiny in-test server for the blob routes of DESIGN.md's server contract,
 * as a `fetch` function over any `BlobStore`. It follows the contract
 * strictly enough to test `restStore` against: JSON bodies with unpadded
 * base64url bytes, `ETag`/`If-Match`/`If-None-Match: *`, 412 on a stale
 * version, 404 for a missing record.
 */
import { fromBase64url, toBase64url } from '../../src/crypto/bytes.js';
import { isZeroVaultError } from '../../src/errors.js';
import { memoryStore } from '../../src/store/memory.js';
import type { BlobStore } from '../../src/store/types.js';

export const BASE = 'https://zv.test/api/zv';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

const STATUS: Record<string, number> = { CONFLICT: 412, INVALID_INPUT: 400, NOT_FOUND: 404 };

function parseVersionHeader(value: string | null): number | undefined {
  if (value === null) return undefined;
  const match = /^"([1-9][0-9]*)"$/.exec(value);
  if (match === null) throw Object.assign(new Error('bad If-Match'), { status: 400 });
  return Number(match[1]);
}

/** A `fetch` that serves `GET|PUT|DELETE /blobs/:vault/:id` and `GET /blobs/:vault` from `store`. */
export function fakeBlobServer(store: BlobStore = memoryStore()): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const prefix = new URL(BASE).pathname + '/blobs/';
    if (!url.pathname.startsWith(prefix)) return json(404, { code: 'NOT_FOUND' });
    const parts = url.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
    try {
      if (parts.length === 1) {
        if (request.method !== 'GET') return json(405, { code: 'INVALID_INPUT' });
        const after = url.searchParams.get('after');
        const limit = url.searchParams.get('limit');
        const page = await store.list(parts[0] as string, {
          ...(after === null ? {} : { after }),
          ...(limit === null ? {} : { limit: Number(limit) }),
        });
        return json(200, page.next === undefined ? { items: page.items } : page);
      }
      if (parts.length !== 2) return json(404, { code: 'NOT_FOUND' });
      const [vault, id] = parts as [string, string];
      if (request.method === 'GET') {
        const record = await store.get(vault, id);
        if (record === null) return json(404, { code: 'NOT_FOUND' });
        return json(200, { data: toBase64url(record.data) }, { etag: `"${record.version}"` });
      }
      if (request.method === 'PUT') {
        const body = (await request.json()) as { data?: unknown };
        if (typeof body.data !== 'string') return json(400, { code: 'INVALID_INPUT' });
        const data = fromBase64url(body.data);
        const ifMatch = parseVersionHeader(request.headers.get('if-match'));
        const ifNoneMatch = request.headers.get('if-none-match');
        if (ifNoneMatch !== null && ifNoneMatch !== '*') return json(400, { code: 'INVALID_INPUT' });
        const ifVersion = ifNoneMatch === '*' ? null : ifMatch;
        const { version } = await store.put(vault, id, data, ifVersion === undefined ? {} : { ifVersion });
        return json(200, { version }, { etag: `"${version}"` });
      }
      if (request.method === 'DELETE') {
        const ifVersion = parseVersionHeader(request.headers.get('if-match'));
        if (ifVersion === undefined && (await store.get(vault, id)) === null) return json(404, { code: 'NOT_FOUND' });
        await store.delete(vault, id, ifVersion === undefined ? {} : { ifVersion });
        return new Response(null, { status: 204 });
      }
      return json(405, { code: 'INVALID_INPUT' });
    } catch (err) {
      if (isZeroVaultError(err)) return json(STATUS[err.code] ?? 500, { code: err.code });
      const status = (err as { status?: number }).status ?? 500;
      return json(status, { code: 'INVALID_INPUT' });
    }
  };
}
