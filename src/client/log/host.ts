/**
 * What the security-log code borrows of a session (`SessionState` has all of
 * it, so a session passes itself; the sharing code builds one). Types only:
 * importing this costs the page nothing.
 *
 * @module
 */
import type { BlobStore } from '../../store/types.js';
import type { Endpoint, SigningKey } from '../api.js';
import type { Keyring } from '../../envelope/index.js';

/** The session's keys, borrowed: each accessor throws `CLOSED` once the session is closed. */
export interface AppendKeys {
  /** The keyring: its Ed25519 identity key signs client entries. */
  keyring(): Keyring;
  /** Signs requests. */
  signing(): SigningKey;
}

/** What appending a client-signed entry needs of a session. */
export interface AppendHost {
  readonly endpoint: Endpoint;
  /** The normalized user id (signed into every entry). */
  readonly userId: string;
  /** This session's remembered device, named in the entries it signs. */
  readonly deviceId?: string | undefined;
  readonly keys: AppendKeys;
}

/** What reading the log needs besides: the pin's record and key. */
export interface LogHost extends AppendHost {
  /** The account's own store (the pin lives in its `_zv` meta records). */
  readonly store: BlobStore;
  readonly keys: AppendKeys & {
    /** The root key, which seals the pin. */
    rootKey(): Uint8Array;
  };
}
