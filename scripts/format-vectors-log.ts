/**
 * Vector builder of the security-log entry format (`src/formats/log-entry.ts`)
 * and of the client's judgement of runs of entries (`src/client/log/verify.ts`);
 * `scripts/gen-format-vectors.ts` writes `security-log-v1.json`.
 */
import { verifyLogRun, type LogPin } from '../src/client/log/verify.js';
import { concat, utf8 } from '../src/crypto/bytes.js';
import { ed25519PublicKey, ed25519Sign } from '../src/crypto/ed25519.js';
import { labelled, str8 } from '../src/formats/codec.js';
import { LOG_ENTRY_LABEL, LOG_GENESIS, createLogEntry, decodeLogEntry, type LogFields } from '../src/formats/log-entry.js';
import type { ZeroVaultErrorCode } from '../src/errors.js';
import { append, codeOf, cut, hex, invalidBytes, patch, pattern } from './format-vectors-common.js';

const userId = 'alice@example.com';
const clientSeed = pattern(32, 0x01);
const serverSeed = pattern(32, 0x61);
const keys = { client: ed25519PublicKey(clientSeed), server: ed25519PublicKey(serverSeed) };

/** Signs `body` as an entry of `user`'s log, bypassing the encoder's checks (for invalid vectors). */
function signRaw(body: Uint8Array, seed: Uint8Array, user = userId): Uint8Array {
  return concat(body, ed25519Sign(seed, labelled(LOG_ENTRY_LABEL, str8(user, 'userId'), body)));
}

type Fields = Omit<LogFields, 'seq' | 'prevHash'>;

/** security-log-v1.json */
export async function logVectors(): Promise<object> {
  const plan: [Fields, 'client' | 'server'][] = [
    [{ at: 1_800_000_000_000, type: 'login', address: '203.0.113.7', details: 'password' }, 'server'],
    [{ at: 1_800_000_001_000, type: 'device_added', deviceId: 'AAECAwQFBgcICQoLDA0ODw', details: 'AAECAwQFBgcICQoLDA0ODw' }, 'client'],
    [{ at: 1_800_000_002_000, type: 'token_issued', deviceId: 'AAECAwQFBgcICQoLDA0ODw', address: '2001:db8::1' }, 'server'],
    [{ at: 1_800_000_003_000, type: 'password_changed' }, 'client'],
  ];
  const entries: Uint8Array[] = [];
  const valid = [];
  for (const [fields, by] of plan) {
    const prev = entries.length === 0 ? LOG_GENESIS : decodeLogEntry(entries[entries.length - 1] as Uint8Array).hash;
    const bytes = createLogEntry({ userId, seq: entries.length + 1, prevHash: prev, ...fields, signingKey: by === 'client' ? clientSeed : serverSeed });
    entries.push(bytes);
    const e = decodeLogEntry(bytes);
    valid.push({
      name: `entry ${e.seq} (${e.type})`,
      seq: e.seq,
      prevHash: hex(e.prevHash),
      at: e.at,
      by: e.by,
      type: e.type,
      ...(e.deviceId === undefined ? {} : { deviceId: e.deviceId }),
      ...(e.address === undefined ? {} : { address: e.address }),
      ...(e.details === undefined ? {} : { details: e.details }),
      signature: hex(e.signature),
      bytes: hex(bytes),
      hash: hex(e.hash),
    });
  }
  const [e1, e2, e3, e4] = entries as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const body1 = e1.subarray(0, e1.length - 64);
  const body4 = e4.subarray(0, e4.length - 64);
  // Entry 4 (password_changed, no optional field): magic(3) seq(4) prev(32) at(8) | by @47 | type @48 | flags @49 | signature
  const invalid = await invalidBytes(decodeLogEntry, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', patch(e4, 1, 0x44), 'INVALID_INPUT'],
    ['unknown version 2', patch(e4, 2, 0x02), 'UNSUPPORTED'],
    ['seq 0', patch(e4, 3, 0, 0, 0, 0), 'INVALID_INPUT'],
    ['at beyond 2^53', patch(e4, 39, 0x00, 0x20), 'INVALID_INPUT'],
    ['type 0', patch(e4, 48, 0), 'INVALID_INPUT'],
    ['type 22 (unknown)', patch(e4, 48, 22), 'INVALID_INPUT'],
    ['a client type marked server-signed', patch(e4, 47, 2), 'INVALID_INPUT'],
    ['a server type marked client-signed', patch(e1, 47, 1), 'INVALID_INPUT'],
    ['signer byte 0', patch(e4, 47, 0), 'INVALID_INPUT'],
    ['unknown flag bit', patch(e4, 49, 0x08), 'INVALID_INPUT'],
    ['flagged device id missing', patch(e4, 49, 0x01), 'INVALID_INPUT'],
    ['empty address', concat(body1.subarray(0, 49), Uint8Array.of(0x02, 0x00), e1.subarray(e1.length - 64)), 'INVALID_INPUT'],
    ['device id of 65 bytes', signRaw(concat(body4.subarray(0, 49), Uint8Array.of(0x01, 65), utf8('d'.repeat(65))), clientSeed), 'INVALID_INPUT'],
    ['details of 1025 bytes', signRaw(concat(body4.subarray(0, 49), Uint8Array.of(0x04, 0x04, 0x01), utf8('x'.repeat(1025))), clientSeed), 'INVALID_INPUT'],
    ['address not UTF-8', signRaw(concat(body4.subarray(0, 49), Uint8Array.of(0x02, 1, 0xff)), clientSeed), 'INVALID_INPUT'],
    ['signature truncated', cut(e4, e4.length - 1), 'INVALID_INPUT'],
    ['trailing byte', append(e4, 0), 'INVALID_INPUT'],
  ]);
  const pin = (seq: number): LogPin => (seq === 0 ? { seq: 0, head: new Uint8Array(32) } : { seq, head: decodeLogEntry(entries[seq - 1] as Uint8Array).hash });
  // A valid fork: entry 2 replaced by another entry the account did sign (the server kept one and dropped the other).
  const e2b = createLogEntry({ userId, seq: 2, prevHash: decodeLogEntry(e1).hash, at: 1_800_000_001_500, type: 'device_revoked', details: 'x', signingKey: clientSeed });
  const e3b = createLogEntry({ userId, seq: 3, prevHash: decodeLogEntry(e2b).hash, at: 1_800_000_002_000, type: 'token_issued', signingKey: serverSeed });
  // A client entry the server made up (signed with its own key), and one of another account.
  const invented = createLogEntry({ userId, seq: 4, prevHash: decodeLogEntry(e3).hash, at: 1_800_000_003_000, type: 'password_changed', signingKey: serverSeed });
  const otherUser = createLogEntry({ userId: 'bob@example.com', seq: 4, prevHash: decodeLogEntry(e3).hash, at: 1_800_000_003_000, type: 'password_changed', signingKey: clientSeed });
  const edited = patch(e3, 46, (e3[46] as number) ^ 0x01);
  const cases: [string, number, number, Uint8Array[]][] = [
    ['the whole log, nothing pinned', 0, 0, entries],
    ['the whole log, pinned at 2', 0, 2, entries],
    ['after the pin', 2, 2, [e3, e4]],
    ['from 1, pinned at 3', 1, 3, [e2, e3, e4]],
    ['nothing new after the pin', 4, 4, []],
    ['an empty log, nothing pinned', 0, 0, []],
    ['entry 2 dropped', 0, 0, [e1, e3, e4]],
    ['entries 2 and 3 swapped', 0, 0, [e1, e3, e2, e4]],
    ['truncated below the pin', 0, 4, [e1, e2, e3]],
    ['everything dropped after the pin was taken', 0, 2, []],
    ['a fork below the pin', 0, 3, [e1, e2b, e3b]],
    ['another continuation after the pin (accepted: nothing there was pinned)', 1, 1, [e2b, e3b]],
    ['the first entry does not link to the genesis', 0, 0, [e2, e3]],
    ['an edited entry', 0, 0, [e1, e2, edited, e4]],
    ['a client entry the server made up', 0, 0, [e1, e2, e3, invented]],
    ['an entry of another account', 0, 0, [e1, e2, e3, otherUser]],
    ['a malformed entry', 0, 0, [e1, cut(e2, 10)]],
  ];
  const runs = [];
  for (const [name, from, pinned, run] of cases) {
    const error = (await codeOf(() => verifyLogRun({ userId, entries: run, from, pin: pin(pinned), keys }))) as ZeroVaultErrorCode | undefined;
    runs.push({ name, from, pin: { seq: pinned, head: hex(pin(pinned).head) }, entries: run.map(hex), error: error ?? null });
  }
  return {
    description:
      'Security-log entries (src/formats/log-entry.ts, docs/security-log.md): valid entries of one chain with their fields, bytes, signatures and hashes; one invalid encoding per parse error; and runs of entries with the pin a client holds, each with the error the client reports (null: accepted).',
    label: LOG_ENTRY_LABEL,
    userId,
    clientSeed: hex(clientSeed),
    clientPublicKey: hex(keys.client),
    serverSeed: hex(serverSeed),
    serverPublicKey: hex(keys.server),
    valid,
    invalid,
    runs,
  };
}
