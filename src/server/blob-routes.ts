/**
 * The versioned ciphertext routes, `/blobs/:vault[/:id]`, over one user's
 * `BlobStore`. The store enforces versions; this module maps HTTP
 * preconditions onto it (`If-Match: "v"` → `ifVersion: v`,
 * `If-None-Match: *` → `ifVersion: null`) and a stale one onto 412.
 *
 * The same handlers serve the owner's own routes and, after the grant check
 * in `sharing-routes.ts`, a member's `/shared/:owner/blobs/...` routes.
 *
 * @module
 */
import { encodeBase64url } from '../crypto/base64url.js';
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

function noQuery(query: URLSearchParams): void {
  if ([...query.keys()].length > 0) throw invalid('unexpected query parameter');
}

/** One blob request, once its store is chosen (the caller's own, or an owner's within a grant). */
export interface BlobCall {
  readonly blobs: BlobStore;
  readonly vault: string;
  /** The record id; absent for listing. */
  readonly id?: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/** A stale precondition is 412 (RFC 9110 §13.1.1), not the 409 `CONFLICT` maps to elsewhere. */
async function preconditioned(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (isZeroVaultError(err, 'CONFLICT')) return errorResponse(err, 412);
    throw err;
  }
}

function recordId(call: BlobCall): string {
  if (call.id === undefined) throw invalid('id is missing');
  return call.id;
}

/** `GET /blobs/:vault?after=&limit=` → `{ items, next? }`. */
export async function listBlobs(call: BlobCall): Promise<Response> {
  for (const key of call.query.keys()) if (key !== 'after' && key !== 'limit') throw invalid('unexpected query parameter');
  const after = call.query.get('after');
  const limit = parseLimit(call.query.get('limit'));
  const page = await call.blobs.list(call.vault, { ...(after === null ? {} : { after }), ...(limit === undefined ? {} : { limit }) });
  return json(200, page.next === undefined ? { items: page.items } : { items: page.items, next: page.next });
}

/** `GET /blobs/:vault/:id` → `{ data, version }` + `ETag`. */
export async function getBlob(call: BlobCall): Promise<Response> {
  noQuery(call.query);
  const record = await call.blobs.get(call.vault, recordId(call));
  if (record === null) return errorResponse(new ZeroVaultError('NOT_FOUND', 'record not found'));
  return json(200, { data: encodeBase64url(record.data), version: record.version }, { etag: etag(record.version) });
}

/** `PUT /blobs/:vault/:id` with `{ data }` and `If-Match` / `If-None-Match: *` → `{ version }` + `ETag`. */
export function putBlob(call: BlobCall): Promise<Response> {
  return preconditioned(async () => {
    noQuery(call.query);
    const id = recordId(call);
    const { data } = parseJsonBody(call.body, { data: 'bytes' });
    const match = ifMatch(call.headers);
    const noneMatch = call.headers.get('if-none-match');
    if (noneMatch !== null && noneMatch.trim() !== '*') throw invalid('If-None-Match must be *');
    if (noneMatch !== null && match !== undefined) throw invalid('send If-Match or If-None-Match, not both');
    const ifVersion = noneMatch !== null ? null : match;
    const { version } = await call.blobs.put(call.vault, id, data, ifVersion === undefined ? {} : { ifVersion });
    return json(ifVersion === null ? 201 : 200, { version }, { etag: etag(version) });
  });
}

/** `DELETE /blobs/:vault/:id` with an optional `If-Match` → 204. */
export function deleteBlob(call: BlobCall): Promise<Response> {
  return preconditioned(async () => {
    noQuery(call.query);
    const id = recordId(call);
    const match = ifMatch(call.headers);
    await call.blobs.delete(call.vault, id, match === undefined ? {} : { ifVersion: match });
    return json(204, null);
  });
}
