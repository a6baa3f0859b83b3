/**
 * Adding, listing and removing passkeys from a session.
 *
 * Order of every multi-step change, so that a failure leaves nothing that
 * could unlock more than before, and the password always still works:
 *
 * - **Add**: (1) `passkeys/register/start` (a fresh password session, or
 *   one pending enrolment); (2) `navigator.credentials.create()` with PRF;
 *   (3) `register/finish`: from now on the passkey logs in, and a session
 *   pending enrolment is full, and is opened now (its root key comes with
 *   it); (4) when the authenticator has PRF and
 *   gave no output at creation, one `get()` for this credential to evaluate
 *   it (its assertion goes nowhere); (5) the slot; (6) the registry entry
 *   (the slot's public key and sealer seed, under the root key). A failure
 *   after (3) deletes the slot and the server credential again, best
 *   effort; a leftover credential without a slot only logs in, and the
 *   password unlocks.
 * - **Remove another passkey**: (1) `DELETE /passkeys/:id` (its sessions end);
 *   (2) its slot; (3) its registry entry.
 * - **Remove the passkey this session logged in with**: the slot and the
 *   registry entry first (the session still works), then the credential,
 *   which ends this session too.
 *
 * @module
 */
import { randomBytes } from '../../crypto/random.js';
import { toBase64url, wipe } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import { assertDeviceName } from '../../formats/device.js';
import { isCredentialId } from '../../formats/passkey.js';
import type { BlobStore } from '../../store/types.js';
import type { AddedPasskey, PasskeyInfo } from '../account/types.js';
import { recoveryCodesOf } from '../mfa/codes.js';
import { postJson, requestJson, stringField, type Endpoint, type SigningKey } from '../api.js';
import { addToPasskeyRegistry, deletePasskeySlot, readPasskeyRegistry, removeFromPasskeyRegistry, writePasskeySlot } from './registry.js';
import { createPasskeySlot } from './slot.js';
import { createCredential, getAssertion } from './webauthn.js';
import type { AppendHost } from '../log/host.js';
import { recordEvent } from '../log/append.js';

/** What the passkey code needs of a session; keys are borrowed (they throw `CLOSED` once it is closed). */
export interface PasskeyHost {
  readonly endpoint: Endpoint;
  readonly store: BlobStore;
  /** The normalized user id. */
  readonly userId: string;
  readonly signing: () => SigningKey;
  readonly rootKey: () => Uint8Array;
  readonly signal?: AbortSignal | undefined;
  /**
   * Set for a session pending enrolment: the registration made it full (the
   * reply names its `expiresAt` and `amr`); this opens it (unlock, keyring,
   * remembered device), so `rootKey` works afterwards. Absent for a full session.
   */
  readonly enrolled?: ((reply: Record<string, unknown>) => Promise<void>) | undefined;
  /** Where `passkey_added` / `passkey_removed` entries are recorded (docs/security-log.md); none when absent. */
  readonly log?: AppendHost | undefined;
}

const REGISTRATION_ID = /^[A-Za-z0-9_-]{16,64}$/;

function invalidResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

/** The PRF output of a just-registered credential: one assertion with a local challenge (it is never sent anywhere). */
async function evaluatePrf(credentialId: string, rpId: unknown, signal: AbortSignal | undefined): Promise<Uint8Array | null> {
  const options = { challenge: toBase64url(randomBytes(32)), ...(typeof rpId === 'string' ? { rpId } : {}), allowCredentials: [{ id: credentialId, type: 'public-key' }] };
  return (await getAssertion(options, signal)).prfOutput;
}

/**
 * Registers a passkey for the session's account (module comment for the
 * order) and, when the authenticator has PRF, a passkey slot for it.
 * @returns the passkey, as {@link listPasskeys} would list it, with the
 *   recovery codes the server issued when it is the account's first factor
 */
export async function addPasskey(host: PasskeyHost, name: string): Promise<AddedPasskey> {
  assertDeviceName(name);
  const { endpoint, signal, store, userId } = host;
  const started = await postJson(endpoint, '/passkeys/register/start', {}, { key: host.signing(), signal });
  const registrationId = stringField(started, 'registrationId', REGISTRATION_ID);
  if (typeof started.options !== 'object' || started.options === null) throw invalidResponse();
  const options = started.options as Record<string, unknown>;
  const created = await createCredential(options, signal);
  let prfOutput = created.prfOutput;
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const finished = await postJson(endpoint, '/passkeys/register/finish', { registrationId, name, response: created.response }, { key: host.signing(), signal });
    const id = stringField(finished, 'id', /^[A-Za-z0-9_-]+$/);
    if (!isCredentialId(id) || id !== created.response.id) throw invalidResponse();
    // Present only for the account's first factor; checked now, returned once everything else worked.
    const recoveryCodes = finished.recoveryCodes === undefined ? undefined : recoveryCodesOf(finished);
    undo.push(() => requestJson(endpoint, 'DELETE', `/passkeys/${id}`, undefined, { key: host.signing() }));
    // Pending enrolment: the passkey was the account's first factor and the session is full now. It
    // must open (there is no root key before) ahead of the slot; if it cannot, the session is logged
    // out and the passkey stays a login factor without a slot.
    if (host.enrolled !== undefined) await host.enrolled(finished);
    const rp = typeof options.rp === 'object' && options.rp !== null ? (options.rp as Record<string, unknown>).id : undefined;
    if (prfOutput === null && created.prf) prfOutput = await evaluatePrf(id, rp, signal);
    let slotKeys = null;
    if (prfOutput !== null) {
      const made = await createPasskeySlot({ userId, credentialId: id, rootKey: host.rootKey(), prfOutput });
      slotKeys = { publicKey: made.publicKey, sealerSeed: made.sealerSeed };
      await writePasskeySlot(store, id, made.slot);
      undo.push(() => deletePasskeySlot(store, id));
    }
    const createdAt = Date.now();
    try {
      await addToPasskeyRegistry(store, host.rootKey, { credentialId: id, name, createdAt, slot: slotKeys });
    } finally {
      if (slotKeys !== null) wipe(slotKeys.sealerSeed);
    }
    const info: PasskeyInfo = { id, name, createdAt, lastSeenAt: createdAt, lastAddress: null, current: false, verified: true, unlocks: slotKeys !== null };
    await recordEvent(host.log, 'passkey_added', id);
    return recoveryCodes === undefined ? info : { ...info, recoveryCodes };
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  } finally {
    if (prfOutput !== null) wipe(prfOutput);
  }
}

/** `GET /passkeys`, parsed strictly, each marked `verified` / `unlocks` from the account's registry. */
export async function listPasskeys(host: PasskeyHost): Promise<PasskeyInfo[]> {
  const reply = await requestJson(host.endpoint, 'GET', '/passkeys', undefined, { key: host.signing(), signal: host.signal });
  const list = reply.passkeys;
  if (!Array.isArray(list)) throw invalidResponse();
  const registry = await readPasskeyRegistry(host.store, host.rootKey());
  return (list as unknown[]).map((item) => {
    if (typeof item !== 'object' || item === null) throw invalidResponse();
    const { id, name, createdAt, lastSeenAt, lastAddress, current } = item as Record<string, unknown>;
    if (!isCredentialId(id) || typeof name !== 'string' || typeof current !== 'boolean') throw invalidResponse();
    if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || typeof lastSeenAt !== 'number' || !Number.isSafeInteger(lastSeenAt)) throw invalidResponse();
    if (lastAddress !== null && typeof lastAddress !== 'string') throw invalidResponse();
    const own = registry.find((p) => p.credentialId === id);
    // The registry's name, not the server's: the server cannot rename a passkey the account vouches for.
    return { id, name: own?.name ?? name, createdAt, lastSeenAt, lastAddress, current, verified: own !== undefined, unlocks: own !== undefined && own.slot !== null };
  });
}

/**
 * Removes a passkey: its credential (ending its sessions), slot and registry
 * entry (module comment for the order).
 * @param own - whether it is the passkey this session logged in with (then the session ends)
 */
export async function removePasskey(host: PasskeyHost, id: string, own: boolean): Promise<void> {
  const remove = (): Promise<Record<string, unknown>> => requestJson(host.endpoint, 'DELETE', `/passkeys/${id}`, undefined, { key: host.signing(), signal: host.signal });
  if (!own) await remove();
  await deletePasskeySlot(host.store, id);
  await removeFromPasskeyRegistry(host.store, host.rootKey, id);
  // Before removing this session's own passkey, which ends the session (and its right to append).
  await recordEvent(host.log, 'passkey_removed', id);
  if (own) await remove();
}
