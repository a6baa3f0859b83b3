/**
 * The client's side of the sharing routes (`docs/protocol.md`, "Sharing"):
 * key logs, grants, and the blob routes of vaults shared with this user.
 * Every request is signed with the session's request MAC. Nothing the server
 * answers here is trusted: key logs, grants and membership lists are
 * verified by the callers (`directory.ts`, `owned-vault.ts`).
 *
 * @module
 */
import { fromBase64url, toBase64url } from '../../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { restStore } from '../../store/rest.js';
import type { BlobStore } from '../../store/types.js';
import { requestJson, signRequest, type Endpoint, type SigningKey } from '../api.js';
import type { Role } from '../../formats/grant.js';

/** A grant as the server lists it (unverified; times in ms since the epoch, the server's record). */
export interface GrantRow {
  readonly grantee: string;
  readonly role: Role;
  readonly grant: Uint8Array;
  readonly grantedAt: number;
  readonly expiresAt?: number;
  readonly lastAccessAt?: number;
}

/** A vault shared with this user, as the server lists it (unverified). */
export interface SharedRow {
  readonly owner: string;
  readonly vault: string;
  readonly role: Role;
  /** When the server stops serving it to this user (ms since the epoch); absent: no expiry. */
  readonly expiresAt?: number;
}

function invalid(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

function text(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) throw invalid();
  return value;
}

function bytes(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw invalid();
  try {
    return fromBase64url(value);
  } catch {
    throw invalid();
  }
}

function time(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid();
  return value as number;
}

/** An optional time field, left out when absent. */
function optionalTime<K extends string>(name: K, value: unknown): { [P in K]?: number } {
  return (value === undefined ? {} : { [name]: time(value) }) as { [P in K]?: number };
}

function role(value: unknown): Role {
  if (value !== 'read' && value !== 'write') throw invalid();
  return value;
}

function items(body: Record<string, unknown>): Record<string, unknown>[] {
  const list = body.items;
  if (!Array.isArray(list)) throw invalid();
  return list.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid();
    return item as Record<string, unknown>;
  });
}

/** Null instead of `NOT_FOUND`. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (isZeroVaultError(err, 'NOT_FOUND')) return null;
    throw err;
  }
}

const segment = (value: string): string => encodeURIComponent(value);

/** The sharing routes, for one session. */
export class SharingApi {
  readonly #endpoint: Endpoint;
  readonly #signing: () => SigningKey;

  /** @param signing - the session's request-signing key, borrowed per request (it throws `CLOSED` once the session is) */
  constructor(endpoint: Endpoint, signing: () => SigningKey) {
    this.#endpoint = endpoint;
    this.#signing = signing;
  }

  #request(method: string, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return requestJson(this.#endpoint, method, path, body, { key: this.#signing() });
  }

  /** `GET /users/:id/keys`: the user's key log, or `null` when it has none. */
  async keyLog(userId: string): Promise<Uint8Array[] | null> {
    const body = await orNull(this.#request('GET', `/users/${segment(userId)}/keys`));
    if (body === null) return null;
    const events = body.events;
    if (!Array.isArray(events) || events.length > 10_000) throw invalid();
    return events.map(bytes);
  }

  /** `POST /keys`: appends an event to this user's key log. */
  async publish(event: Uint8Array): Promise<void> {
    await this.#request('POST', '/keys', { event: toBase64url(event) });
  }

  /**
   * `PUT /grants/:vault/:grantee`: stores (or replaces) a grant. `expiresAt`:
   * a time (ms since the epoch) or `null` (none) sets the expiry; absent
   * keeps the stored one (a re-grant after a rotation).
   */
  async putGrant(vault: string, grantee: string, grantRole: Role, grant: Uint8Array, expiresAt?: number | null): Promise<void> {
    const body = { role: grantRole, grant: toBase64url(grant), ...(expiresAt === undefined ? {} : { expiresAt }) };
    await this.#request('PUT', `/grants/${segment(vault)}/${segment(grantee)}`, body);
  }

  /** `DELETE /grants/:vault/:grantee`: false when there was none. */
  async deleteGrant(vault: string, grantee: string): Promise<boolean> {
    return (await orNull(this.#request('DELETE', `/grants/${segment(vault)}/${segment(grantee)}`))) !== null;
  }

  /** `GET /grants/:vault`: the grants this user made for one of its vaults. */
  async grantsOf(vault: string): Promise<GrantRow[]> {
    const body = await this.#request('GET', `/grants/${segment(vault)}`);
    return items(body).map((item) => ({
      grantee: text(item.grantee),
      role: role(item.role),
      grant: bytes(item.grant),
      grantedAt: time(item.grantedAt),
      ...optionalTime('expiresAt', item.expiresAt),
      ...optionalTime('lastAccessAt', item.lastAccessAt),
    }));
  }

  /** `GET /shared`: the vaults shared with this user. */
  async sharedWithMe(): Promise<SharedRow[]> {
    const body = await this.#request('GET', '/shared');
    return items(body).map((item) => ({ owner: text(item.owner), vault: text(item.vault), role: role(item.role), ...optionalTime('expiresAt', item.expiresAt) }));
  }

  /** `GET /shared/:owner/grant/:vault`: this user's grant for a vault, or `null`. */
  async grantFor(owner: string, vault: string): Promise<{ role: Role; grant: Uint8Array } | null> {
    const body = await orNull(this.#request('GET', `/shared/${segment(owner)}/grant/${segment(vault)}`));
    if (body === null) return null;
    return { role: role(body.role), grant: bytes(body.grant) };
  }

  /** A `BlobStore` over `/shared/:owner/blobs/...`: the owner's vaults, as far as this user's grants reach. */
  sharedStore(owner: string): BlobStore {
    const endpoint = this.#endpoint;
    const signing = this.#signing;
    return restStore({
      baseUrl: `${endpoint.baseUrl}/shared/${segment(owner)}`,
      ...(endpoint.transport.fetch === undefined ? {} : { fetch: endpoint.transport.fetch }),
      timeoutMs: endpoint.transport.timeoutMs,
      sign: (request) => signRequest(endpoint, signing(), request),
    });
  }
}
