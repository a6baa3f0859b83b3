/**
 * Assume breach: after a scripted session over loopback HTTP (register,
 * vault CRUD, recovery key, rotation, password change, recovery, a wrong
 * password), dump every table of the SQLite database, and the raw bytes of
 * the database file, its WAL and shared-memory files, and search them for
 * every secret of the session: passwords, recovery key, plaintexts, and
 * every key — OPAQUE export keys, session keys, request-MAC keys, the root
 * key, vault KEKs and identity keys, record DEKs, and every AES key the
 * process imported — raw, hex and base64/base64url at every alignment.
 *
 * The keys are captured by pass-through spies (module mocks of
 * `src/opaque`, `src/crypto/request-mac.ts` and `src/client/slots.ts`, and a
 * wrapper around the crypto backend), then cross-checked against the
 * low-level functions so the spies are known to see the real values.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { getBackend } from '#backend';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { open as aeadOpen } from '../../src/crypto/aead.js';
import { equal, toBase64url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { loadKeyring } from '../../src/client/account/keyring-store.js';
import { SLOT_IDS, META_VAULT } from '../../src/client/account/meta.js';
import { unwrapRoot } from '../../src/client/account/slots.js';
import { decodeSlot } from '../../src/formats/slots.js';
import { parseRecoveryKey } from '../../src/formats/recovery-key.js';
import { requestMacKey } from '../../src/crypto/request-mac.js';
import { finishLogin, startLogin, startServerLogin } from '../../src/opaque/index.js';
import { atRestKey } from '../../src/server/sessions.js';
import type * as OpaqueClientModule from '../../src/opaque/client.js';
import type * as RequestMacModule from '../../src/crypto/request-mac.js';
import type * as SlotsModule from '../../src/client/account/slots.js';
import { SETUP, TEST_KSF, sdk, startServer, type Running } from './helpers.js';

const spy = vi.hoisted(() => ({
  exportKeys: [] as Uint8Array[],
  sessionKeys: [] as Uint8Array[],
  macKeys: [] as Uint8Array[],
  rootKeys: [] as Uint8Array[],
  aesKeys: [] as Uint8Array[],
  sealedKeys: [] as Uint8Array[],
}));

// The OPAQUE client module itself: the SDK imports it directly (not through the opaque barrel).
vi.mock('../../src/opaque/client.js', async (importOriginal) => {
  const mod = await importOriginal<typeof OpaqueClientModule>();
  return {
    ...mod,
    finishLogin: async (options: Parameters<typeof mod.finishLogin>[0]) => {
      const result = await mod.finishLogin(options);
      spy.exportKeys.push(Uint8Array.from(result.exportKey));
      spy.sessionKeys.push(Uint8Array.from(result.sessionKey));
      return result;
    },
    finishRegistration: async (options: Parameters<typeof mod.finishRegistration>[0]) => {
      const result = await mod.finishRegistration(options);
      spy.exportKeys.push(Uint8Array.from(result.exportKey));
      return result;
    },
  };
});

vi.mock('../../src/crypto/request-mac.js', async (importOriginal) => {
  const mod = await importOriginal<typeof RequestMacModule>();
  return {
    ...mod,
    requestMacKey: (sessionKey: Uint8Array, sessionId: string) => {
      const key = mod.requestMacKey(sessionKey, sessionId);
      spy.macKeys.push(Uint8Array.from(key));
      return key;
    },
  };
});

vi.mock('../../src/client/account/slots.js', async (importOriginal) => {
  const mod = await importOriginal<typeof SlotsModule>();
  return {
    ...mod,
    wrapRoot: async (kind: 'password' | 'recovery', exportKey: Uint8Array, rootKey: Uint8Array) => {
      spy.exportKeys.push(Uint8Array.from(exportKey));
      spy.rootKeys.push(Uint8Array.from(rootKey));
      return mod.wrapRoot(kind, exportKey, rootKey);
    },
    unwrapRoot: async (kind: 'password' | 'recovery', exportKey: Uint8Array, entries: Parameters<typeof mod.unwrapRoot>[2]) => {
      const rootKey = await mod.unwrapRoot(kind, exportKey, entries);
      spy.rootKeys.push(Uint8Array.from(rootKey));
      return rootKey;
    },
  };
});

// Every AES key the process imports or hands to a cipher as raw bytes (KEKs,
// unlock keys, payload keys, the server's at-rest key), and every 32- or
// 64-byte value it seals or opens (DEKs of both record suites, the root key,
// request-MAC keys), copied before the code under test wipes them. Every
// route of the backend is wrapped: the plain ones, the one-buffer seals and
// the synchronous import/open the envelope prefers when the backend has them.
const backend = getBackend();
const importAesGcmKey = backend.importAesGcmKey.bind(backend);
const aesGcmSeal = backend.aesGcmSeal.bind(backend);
const aesGcmOpen = backend.aesGcmOpen.bind(backend);
const keepKey = (bytes: Uint8Array): void => {
  if (bytes.length === 32 || bytes.length === 64) spy.sealedKeys.push(Uint8Array.from(bytes));
};
/** A raw key given straight to a synchronous route (no import) is an AES key too. */
const keepRaw = (key: unknown): void => {
  if (key instanceof Uint8Array) spy.aesKeys.push(Uint8Array.from(key));
};
backend.importAesGcmKey = (raw) => {
  spy.aesKeys.push(Uint8Array.from(raw));
  return importAesGcmKey(raw);
};
backend.aesGcmSeal = (key, nonce, plaintext, aad) => {
  keepKey(plaintext);
  return aesGcmSeal(key, nonce, plaintext, aad);
};
backend.aesGcmOpen = async (key, nonce, sealed, aad) => {
  const plaintext = await aesGcmOpen(key, nonce, sealed, aad);
  keepKey(plaintext);
  return plaintext;
};
// The synchronous fast paths the envelope and aead take on node:crypto (typed optional members).
const sealSync = backend.aesGcmSealSync?.bind(backend);
if (sealSync !== undefined) {
  backend.aesGcmSealSync = (key, nonce, plaintext, aad, prefix) => {
    keepRaw(key);
    keepKey(plaintext);
    return sealSync(key, nonce, plaintext, aad, prefix);
  };
}
const openSync = backend.aesGcmOpenSync?.bind(backend);
if (openSync !== undefined) {
  backend.aesGcmOpenSync = (key, nonce, sealed, aad) => {
    keepRaw(key);
    const plaintext = openSync(key, nonce, sealed, aad);
    keepKey(plaintext);
    return plaintext;
  };
}

const USER = 'alice@example.com';
const PASSWORDS = ['first correct horse battery', 'second correct horse battery', 'third via recovery key'] as const;
const WRONG = 'wrong but close horse battery';
const PLAINTEXTS = [
  'Meet me at the old mill at nine.',
  'My bank PIN is 4921, do not tell.',
  'Diary: today I learned about OPAQUE.',
  'An edited note, version two of it.',
  'A note that was deleted afterwards.',
];

let running: Running;
let recoveryKey = '';

beforeAll(async () => {
  running = await startServer();
  const client = sdk(running);
  const [p1, p2, p3] = PASSWORDS;

  const first = await client.register({ userId: USER, password: p1 });
  const notes = await first.vault('notes');
  const { version } = await notes.put('mill', utf8(PLAINTEXTS[0] as string));
  await notes.put('pin', utf8(PLAINTEXTS[1] as string));
  await notes.putJson('json', { secret: PLAINTEXTS[2] });
  await notes.put('mill', utf8(PLAINTEXTS[3] as string), { ifVersion: version });
  await notes.put('gone', utf8(PLAINTEXTS[4] as string));
  await notes.delete('gone');
  recoveryKey = await first.createRecoveryKey();
  await notes.rotate();
  await first.logout();

  await expect(client.login({ userId: USER, password: WRONG })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  const second = await client.login({ userId: USER, password: p1 });
  expect(new TextDecoder().decode((await (await second.vault('notes')).get('mill')).data)).toBe(PLAINTEXTS[3]);
  await second.changePassword({ newPassword: p2 });
  await (await second.vault('diary')).put('d1', utf8(PLAINTEXTS[2] as string));
  await second.logout();

  const recovered = await client.recover({ userId: USER, recoveryKey, newPassword: p3 });
  await recovered.logout();
  const last = await client.login({ userId: USER, password: p3 });
  expect(new TextDecoder().decode((await (await last.vault('notes')).get('pin')).data)).toBe(PLAINTEXTS[1]);
  // `last` stays logged in: its sealed MAC key is in the database when it is stolen.
});

afterAll(async () => {
  await running.close();
});

/** Every table, every row, every column: values as raw bytes (BLOB) or UTF-8 (TEXT, numbers). */
function dumpTables(path: string): { tables: Record<string, number>; bytes: Buffer } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    const parts: Buffer[] = [];
    const tables: Record<string, number> = {};
    for (const name of names) {
      const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all() as Record<string, unknown>[];
      tables[name] = rows.length;
      for (const row of rows) {
        for (const value of Object.values(row)) {
          if (value instanceof Uint8Array) parts.push(Buffer.from(value));
          else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') parts.push(Buffer.from(value.toString(), 'utf8'));
          else if (value !== null) throw new Error(`unexpected column type in ${name}`);
          parts.push(Buffer.from([0]));
        }
      }
    }
    return { tables, bytes: Buffer.concat(parts) };
  } finally {
    db.close();
  }
}

function readIfExists(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

/** The forms a secret could be stored in: raw (and 16-byte pieces of it), hex, base64url and base64 at each alignment. */
function forms(secret: Uint8Array): Buffer[] {
  const out: Buffer[] = [Buffer.from(secret)];
  if (secret.length > 16) {
    for (const at of [0, (secret.length >> 1) - 8, secret.length - 16]) out.push(Buffer.from(secret.subarray(at, at + 16)));
  }
  out.push(Buffer.from(toHex(secret)), Buffer.from(toHex(secret).toUpperCase()));
  for (let shift = 0; shift < 3 && secret.length - shift >= 12; shift++) {
    const tail = secret.subarray(shift);
    // Only the characters fully determined by these bytes, whatever precedes them.
    const url = toBase64url(tail).slice(0, Math.floor((tail.length * 4) / 3) - 2);
    out.push(Buffer.from(url), Buffer.from(url.replace(/-/g, '+').replace(/_/g, '/')));
  }
  return out;
}

function dedupe(values: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const v of values) seen.set(toHex(v), v);
  return [...seen.values()];
}

function findLeaks(haystacks: Record<string, Buffer>, secrets: Record<string, readonly Uint8Array[]>): string[] {
  const leaks: string[] = [];
  for (const [kind, values] of Object.entries(secrets)) {
    for (const [i, secret] of dedupe(values).entries()) {
      for (const form of forms(secret)) {
        for (const [where, hay] of Object.entries(haystacks)) {
          if (hay.includes(form)) leaks.push(`${kind}[${i}] in ${where}`);
        }
      }
    }
  }
  return leaks;
}

describe('assume breach: the database holds no password, plaintext or key', () => {
  test('the spies saw the real keys (cross-checked with the low-level functions)', async () => {
    expect(spy.exportKeys.length).toBeGreaterThanOrEqual(6);
    expect(spy.sessionKeys.length).toBeGreaterThanOrEqual(4); // four successful logins
    expect(spy.macKeys.length).toBeGreaterThanOrEqual(8); // client and server each derive one per login
    expect(dedupe(spy.rootKeys)).toHaveLength(1); // one root key for the life of the account
    expect(spy.aesKeys.length).toBeGreaterThan(20);
    expect(spy.sealedKeys.length).toBeGreaterThan(10);

    const db = new Database(running.dbPath, { readonly: true });
    try {
      // The export key of the current registration, recomputed from the stolen record + the setup + the password.
      const { record } = db.prepare('SELECT record FROM zv_users WHERE user_id = ?').get(USER) as { record: Uint8Array };
      const start = await startLogin({ password: PASSWORDS[2] });
      const server = startServerLogin({ setup: SETUP, userId: USER, record: Uint8Array.from(record), request: start.request });
      const { exportKey } = await finishLogin({ state: start.state, response: server.response, password: PASSWORDS[2], ksf: TEST_KSF });
      expect(spy.exportKeys.some((k) => equal(k, exportKey))).toBe(true);
      // It unwraps the stored password slot to the root key the spies saw.
      const { data: slot } = db.prepare('SELECT data FROM zv_blobs WHERE owner = ? AND vault = ? AND id = ?').get(USER, META_VAULT, SLOT_IDS.password) as { data: Uint8Array };
      const rootKey = await unwrapRoot('password', exportKey, decodeSlot(Uint8Array.from(slot)));
      expect(equal(rootKey, spy.rootKeys[0] as Uint8Array)).toBe(true);
      // The live session's MAC key, unsealed with the server setup, is one the spies saw.
      const live = db.prepare('SELECT id, sealed_mac_key FROM zv_sessions').all() as { id: string; sealed_mac_key: Uint8Array }[];
      expect(live).toHaveLength(1);
      const macKey = await aeadOpen(await atRestKey(SETUP), Uint8Array.from(live[0]?.sealed_mac_key as Uint8Array), utf8(`session:${live[0]?.id}`));
      expect(spy.macKeys.some((k) => equal(k, macKey))).toBe(true);
      expect(spy.sessionKeys.some((k) => equal(requestMacKey(k, live[0]?.id as string), macKey))).toBe(true);
    } finally {
      db.close();
    }
  });

  test('no secret in any table, nor in the raw database, WAL or shared-memory files (before and after close)', async () => {
    const rootKey = spy.rootKeys[0] as Uint8Array;
    const keyring = await loadKeyring(running.sqlite.blobs(USER), rootKey);
    expect(keyring).not.toBeNull();
    const keks = keyring?.keyring.keks ?? [];
    expect(keks.map((k) => k.id).sort()).toEqual(['default', 'diary', 'notes']);
    const identity = keyring === null ? [] : [keyring.keyring.x25519.secretKey, keyring.keyring.ed25519.secretKey];

    const text = (values: readonly string[]): Uint8Array[] => values.map((v) => utf8(v));
    const secrets: Record<string, readonly Uint8Array[]> = {
      password: text([...PASSWORDS, WRONG]),
      recoveryKey: [utf8(recoveryKey), utf8(recoveryKey.replace(/-/g, '')), parseRecoveryKey(recoveryKey)],
      plaintext: text(PLAINTEXTS),
      exportKey: spy.exportKeys,
      sessionKey: spy.sessionKeys,
      requestMacKey: spy.macKeys,
      rootKey: [rootKey],
      kek: keks.map((k) => k.key),
      identitySecretKey: identity,
      aesKey: spy.aesKeys,
      dekRootOrMacKey: spy.sealedKeys,
    };

    const dump = dumpTables(running.dbPath);
    // Every table is dumped, whatever the schema holds; at least these exist.
    expect(Object.keys(dump.tables)).toEqual(expect.arrayContaining(['zv_blobs', 'zv_buckets', 'zv_nonces', 'zv_pending', 'zv_sessions', 'zv_users']));
    expect(dump.tables.zv_blobs).toBeGreaterThan(8);
    const before = {
      tables: dump.bytes,
      file: readIfExists(running.dbPath),
      wal: readIfExists(`${running.dbPath}-wal`),
      shm: readIfExists(`${running.dbPath}-shm`),
    };
    expect(before.wal.length).toBeGreaterThan(0);
    expect(findLeaks(before, secrets)).toEqual([]);

    // Closing checkpoints the WAL into the file: freed pages and all.
    await running.stop();
    const after = { file: readIfExists(running.dbPath), wal: readIfExists(`${running.dbPath}-wal`) };
    expect(after.file.length).toBeGreaterThan(0);
    expect(findLeaks(after, secrets)).toEqual([]);

    // The search itself works: the usual encodings of a secret, planted in the file, are found.
    const planted = spy.exportKeys[0] as Uint8Array;
    const encodings = [
      Buffer.concat([Buffer.from([1]), Buffer.from(planted)]),
      Buffer.from(JSON.stringify({ key: toBase64url(planted) })),
      Buffer.from(Buffer.from(planted).toString('base64')),
      Buffer.from(Buffer.concat([Buffer.from([7]), Buffer.from(planted)]).toString('base64')),
      Buffer.from(Buffer.concat([Buffer.from([7, 7]), Buffer.from(planted)]).toString('base64url')),
      Buffer.from(`0x${toHex(planted).toUpperCase()}`),
      Buffer.from(planted.subarray(10, 40)),
    ];
    for (const encoded of encodings) {
      expect(findLeaks({ file: Buffer.concat([after.file, encoded]) }, { planted: [planted] }).length).toBeGreaterThan(0);
    }
  });
});
