/**
 * The versioned ciphertext routes, `/blobs/:vault[/:id]`, over one user's
 * `BlobStore`. The store enforces versions; this module maps HTTP
 * preconditions onto it (`If-Match: "v"` → `ifVersion: v`,
 * `If-None-Match: *` → `ifVersion: null`) and a stale one onto 412.
 *
 * @module
 */
import { toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import type { BlobStore } from '../store/types.js';
import { errorResponse, json, parseJsonBody } from './http.js';

const ETAG = /^"([1-9][0-9]{0,15})"$/;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function etag(version: number): string {
  return `"${version}"`;
}

function ifMatch(headers: Headers): number | undefined {
  const value = headers.get('if-match');
  if (value === null) return undefined;
  const match = ETAG.exec(value.trim());
  if (match === null) throw invalid('If-Match must be one quoted version');
  return Number(match[1]);
}

function parseLimit(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw invalid('limit must be a positive integer');
  return Number(value);
}

/** Handles one `/blobs/...` request for an authenticated user. */
export async function blobRoute(blobs: BlobStore, method: string, path: string, params: URLSearchParams, headers: Headers, body: Uint8Array): Promise<Response> {
  const parts = path.split('/').slice(2); // ['', 'blobs', vault, id?]
  try {
    if (parts.length === 1) {
      const vault = parts[0] as string;
      if (method !== 'GET') return errorResponse(invalid('method not allowed'), 405, { allow: 'GET' });
      for (const key of params.keys()) if (key !== 'after' && key !== 'limit') throw invalid('unexpected query parameter');
      const after = params.get('after');
      const limit = parseLimit(params.get('limit'));
      const page = await blobs.list(vault, { ...(after === null ? {} : { after }), ...(limit === undefined ? {} : { limit }) });
      return json(200, page.next === undefined ? { items: page.items } : { items: page.items, next: page.next });
    }
    if (parts.length !== 2) return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such route'));
    const [vault, id] = parts as [string, string];
    if ([...params.keys()].length > 0) throw invalid('unexpected query parameter');
    switch (method) {
      case 'GET': {
        const record = await blobs.get(vault, id);
        if (record === null) return errorResponse(new ZeroVaultError('NOT_FOUND', 'record not found'));
        return json(200, { data: toBase64url(record.data), version: record.version }, { etag: etag(record.version) });
      }
      case 'PUT': {
        const { data } = parseJsonBody(body, { data: 'bytes' });
        const match = ifMatch(headers);
        const noneMatch = headers.get('if-none-match');
        if (noneMatch !== null && noneMatch.trim() !== '*') throw invalid('If-None-Match must be *');
        if (noneMatch !== null && match !== undefined) throw invalid('send If-Match or If-None-Match, not both');
        const ifVersion = noneMatch !== null ? null : match;
        const { version } = await blobs.put(vault, id, data, ifVersion === undefined ? {} : { ifVersion });
        return json(ifVersion === null ? 201 : 200, { version }, { etag: etag(version) });
      }
      case 'DELETE': {
        const match = ifMatch(headers);
        await blobs.delete(vault, id, match === undefined ? {} : { ifVersion: match });
        return json(204, null);
      }
      default:
        return errorResponse(invalid('method not allowed'), 405, { allow: 'GET, PUT, DELETE' });
    }
  } catch (err) {
    if (isZeroVaultError(err, 'CONFLICT')) return errorResponse(err, 412);
    throw err;
  }
}
