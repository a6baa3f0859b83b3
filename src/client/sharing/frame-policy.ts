/**
 * How a vault frames its records: private vaults write v1 frames and accept
 * any frame; shared vaults sign every record they write (v2 frames) and,
 * before anything is decrypted, require each record to carry a valid
 * signature by the owner or by a member the owner's membership list names as
 * a writer. The vault's own manifest (`_zv.manifest`) must be the owner's.
 *
 * @module
 */
import { authFailed } from '../../errors.js';
import { encodeFrame, type Frame } from '../../formats/frame.js';
import { signRecord, verifyRecord } from './record-signature.js';

/** Frames records for a vault and checks frames read back. */
export interface FramePolicy {
  /** True once the vault is shared (it has a membership list): frames are checked. */
  readonly shared: boolean;
  /** Frames a sealed record for `id` at content version `cv`, signing it in a shared vault. */
  frame(id: string, cv: number, sealed: Uint8Array): Uint8Array;
  /**
   * Checks a parsed frame before it is opened.
   * @throws `AUTH_FAILED` in a shared vault when the record is unsigned, or not signed by the owner or a current writer
   */
  check(id: string, parsed: Frame): Promise<void>;
}

/** The policy of a private vault. */
export const PRIVATE_FRAMES: FramePolicy = {
  shared: false,
  frame: (_id, cv, sealed) => encodeFrame(cv, sealed),
  check: async () => {},
};

/** What a shared vault's policy needs to know. User ids are normalized. */
export interface SignerSource {
  readonly owner: string;
  readonly vault: string;
  /** This user. */
  readonly self: string;
  /** Whether this user signs what it writes (an owner's vault from its first `share` on). */
  readonly signing: boolean;
  /** Whether records must be signed (the vault has a membership list). */
  readonly shared: boolean;
  /** This user's Ed25519 seed. */
  signingKey(): Uint8Array;
  /** The Ed25519 key of `userId` if it may write now (the owner, or a writer), else `undefined`. */
  writerKey(userId: string): Uint8Array | undefined;
  /** Reloads the membership list; true when it changed. */
  refresh(): Promise<boolean>;
}

/** The policy of a vault that may be shared (see the module comment). */
export function sharedFrames(source: SignerSource): FramePolicy {
  return {
    get shared() {
      return source.shared;
    },
    frame(id, cv, sealed) {
      if (!source.signing) return encodeFrame(cv, sealed);
      const input = { owner: source.owner, vault: source.vault, recordId: id, contentVersion: cv, signer: source.self, sealed };
      return encodeFrame(cv, sealed, signRecord(input, source.signingKey()));
    },
    async check(id, parsed) {
      if (!source.shared) return;
      const signature = parsed.signature;
      if (signature === undefined) throw authFailed();
      let key = source.writerKey(signature.signer);
      if (key === undefined && (await source.refresh())) key = source.writerKey(signature.signer);
      if (key === undefined) throw authFailed();
      const input = { owner: source.owner, vault: source.vault, recordId: id, contentVersion: parsed.contentVersion, signer: signature.signer, sealed: parsed.sealed };
      if (!verifyRecord(input, signature.value, key)) throw authFailed();
    },
  };
}
