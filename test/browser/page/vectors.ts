/**
 * In-page checks of the build itself: which backend runs, and the outside
 * and published vectors through it (Wycheproof AES-GCM, our record format),
 * and Argon2id under the page's Content-Security-Policy.
 */
import { getBackend } from '#backend';
import { fromHex, toHex, utf8 } from '../../../src/crypto/bytes.js';
import { loadArgon2idThreads } from '../../../src/crypto/argon2id-threads.js';
import type { Argon2idInput } from '../../../src/crypto/argon2id-blocks.js';
import { loadArgon2idWasm } from '../../../src/crypto/argon2id-wasm.js';
import { ARGON2ID_DEFAULT, argon2id } from '../../../src/crypto/ksf.js';
import { openRecord, sealRecord } from '../../../src/record.js';
import { check, codeOf, runGroup, same, since } from './check.js';
import { ARGON2_RFC9106_CHECK, SCENARIO_CHECKS, argon2CheckName, argon2ThreadsCheckName, type Argon2ThreadsInput, type Rfc9106Case, gcmCheckName, recordCheckNames, type Argon2Input, type CheckResult, type GcmCase, type KekJson, type RecordVectors } from './protocol.js';

/** Matches a static or dynamic import, or a require, of a `node:` module. */
const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']node:/;

export function envChecks(): Promise<CheckResult[]> {
  const [secure, backend, noNode] = SCENARIO_CHECKS.env;
  return runGroup(async (steps) => {
    await steps.single(secure, () => {
      check(globalThis.isSecureContext, 'the page is not a secure context');
      check(typeof globalThis.crypto?.subtle?.encrypt === 'function', 'crypto.subtle is missing');
    });
    await steps.single(backend, () => {
      same(getBackend().name, 'web', 'backend name');
    });
    await steps.single(noNode, async () => {
      const script = document.querySelector<HTMLScriptElement>('script[src]');
      check(script !== null, 'no script element');
      const code = await (await fetch(script.src)).text();
      check(code.length > 10_000, 'the bundle looks empty');
      check(!NODE_IMPORT.test(code), 'the bundle imports a node: module');
      // esbuild marks each bundled module with a path comment; built at run time so this check does not match itself.
      check(!code.includes(['src', 'crypto', 'backend-node.ts'].join('/')), 'the bundle contains the node backend');
      check(code.includes(['src', 'crypto', 'backend-web.ts'].join('/')), 'the bundle lacks the web backend');
      return `${Math.round(code.length / 1024)} KiB unminified`;
    });
  });
}

export function wycheproofChecks(cases: readonly GcmCase[]): Promise<CheckResult[]> {
  const backend = getBackend();
  return runGroup(async (steps) => {
    for (const c of cases) {
      await steps.single(gcmCheckName(c), async () => {
        same(backend.name, 'web', 'backend');
        const key = await backend.importAesGcmKey(fromHex(c.key));
        const iv = fromHex(c.iv);
        const aad = fromHex(c.aad);
        const sealedHex = c.ct + c.tag;
        const sealed = await backend.aesGcmSeal(key, iv, fromHex(c.msg), aad);
        if (c.result === 'valid') {
          same(toHex(sealed), sealedHex, 'ciphertext || tag');
          same(toHex(await backend.aesGcmOpen(key, iv, fromHex(sealedHex), aad)), c.msg, 'opened plaintext');
        } else {
          check(toHex(sealed) !== sealedHex, 'seal reproduced an invalid tag');
          same(await codeOf(() => backend.aesGcmOpen(key, iv, fromHex(sealedHex), aad)), 'DECRYPT_FAILED', 'open');
        }
      });
    }
  });
}

const kekOf = (k: KekJson) => ({ id: k.id, version: k.version, key: fromHex(k.key) });

export function recordChecks(vectors: RecordVectors): Promise<CheckResult[]> {
  const names = recordCheckNames(vectors);
  let n = 0;
  const next = (): string => names[n++] ?? `unnamed check ${n}`;
  return runGroup(async (steps) => {
    for (const v of vectors.valid) {
      await steps.single(next(), async () => {
        const opened = await openRecord({ kek: kekOf(v.kek), vaultId: v.vaultId, recordId: v.recordId, version: v.version, sealed: fromHex(v.sealed) });
        same(toHex(opened), v.plaintext, 'plaintext');
      });
    }
    for (const v of vectors.invalid) {
      await steps.single(next(), async () => {
        const code = await codeOf(() => openRecord({ kek: kekOf(v.kek), vaultId: v.vaultId, recordId: v.recordId, version: v.version, sealed: fromHex(v.sealed) }));
        same(code, v.error, 'error code');
      });
    }
    for (const c of vectors.collisions) {
      await steps.single(next(), async () => {
        const where = { vaultId: c.vaultId, recordId: c.recordId, version: c.version };
        same(toHex(await openRecord({ kek: kekOf(c.kekA), ...where, sealed: fromHex(c.sealedA) })), c.plaintextA, 'record A');
        same(await codeOf(() => openRecord({ kek: kekOf(c.kekB), ...where, sealed: fromHex(c.sealedB) })), c.errorB, 'record B');
      });
    }
    await steps.single(next(), async () => {
      const kek = { id: 'browser', version: 1, key: crypto.getRandomValues(new Uint8Array(32)) };
      const where = { vaultId: 'v', recordId: 'r', version: 1 };
      const plaintext = utf8('sealed in Chromium');
      const sealed = await sealRecord({ kek, ...where, plaintext });
      same(toHex(await openRecord({ kek, ...where, sealed })), toHex(plaintext), 'round trip');
      const flipped = Uint8Array.from(sealed);
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
      same(await codeOf(() => openRecord({ kek, ...where, sealed: flipped })), 'DECRYPT_FAILED', 'flipped tag bit');
      same(await codeOf(() => openRecord({ kek, ...where, version: 2, sealed })), 'DECRYPT_FAILED', 'replayed under another version');
    });
  });
}

/** RFC 9106 §5.3's vector (hex fields) as the kernels take it. */
function rfc9106Input(v: Rfc9106Case): Argon2idInput {
  return {
    password: fromHex(v.password),
    salt: fromHex(v.salt),
    secret: fromHex(v.secret),
    associatedData: fromHex(v.associatedData),
    iterations: v.iterations,
    memoryKiB: v.memoryKiB,
    parallelism: v.parallelism,
    outputLength: v.tagLength,
  };
}

/** Floor profile: the check is about which implementation runs and that it agrees with Node. */
export const ARGON2_CHECK_PARAMS = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

export function argon2Checks(input: Argon2Input): Promise<CheckResult[]> {
  return runGroup(async (steps) => {
    await steps.single(argon2CheckName(input.implementation), async () => {
      const start = performance.now();
      const { output, implementation } = await argon2id(fromHex(input.input), ARGON2_CHECK_PARAMS, { outputLength: 64 });
      const took = since(start);
      same(implementation, input.implementation, 'implementation');
      same(toHex(output), input.expected, 'output');
      return `${implementation}, m=19 MiB t=2 p=1 in ${took}`;
    });
    const v = input.rfc9106;
    if (v === undefined) return;
    await steps.single(ARGON2_RFC9106_CHECK, async () => {
      for (const build of ['simd', 'scalar'] as const) {
        const kernel = await loadArgon2idWasm(build);
        const tag = kernel.hash(rfc9106Input(v));
        same(toHex(tag), v.tag, `${build} tag`);
      }
    });
  });
}

/** The default profile (p = 4) on the lane threads where the page allows them, on one thread where it does not. */
export function argon2ThreadsChecks(input: Argon2ThreadsInput): Promise<CheckResult[]> {
  return runGroup(async (steps) => {
    await steps.single(argon2ThreadsCheckName(input.page), async () => {
      same(globalThis.crossOriginIsolated, input.page !== 'not isolated', 'crossOriginIsolated');
      // The first call starts the pool (or finds it refused); the second runs on it.
      const first = performance.now();
      await argon2id(fromHex(input.input), ARGON2ID_DEFAULT, { outputLength: 64 });
      const firstTook = since(first);
      const start = performance.now();
      const { output, threads } = await argon2id(fromHex(input.input), ARGON2ID_DEFAULT, { outputLength: 64 });
      const took = since(start);
      same(threads, input.threads, 'threads');
      same(toHex(output), input.expected, 'output');
      const v = input.rfc9106;
      if (input.page === 'isolated' && v !== undefined) {
        const pool = await loadArgon2idThreads();
        check(pool !== undefined, 'no thread pool on the isolated page');
        const tag = await pool.hash(rfc9106Input(v));
        same(toHex(tag), v.tag, 'RFC 9106 tag through the threads');
      }
      return `t=3 m=64 MiB p=4 on ${threads} thread${threads === 1 ? '' : 's'} in ${took} (first call, with the pool's start: ${firstTook})`;
    });
  });
}
