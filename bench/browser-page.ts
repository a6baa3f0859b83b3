/**
 * The Chromium bench page (bench/opaque-browser.ts loads it): our OPAQUE
 * build and `@serenity-kit/opaque`'s browser build side by side in one page,
 * client and server in the page as in the Node bench. Each call returns its
 * own time, taken in the page, so the driver's round trips are not counted.
 */
import * as serenity from '@serenity-kit/opaque';
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { loadArgon2idWasm } from '../src/crypto/argon2id-wasm.js';
import { argon2id } from '../src/crypto/ksf.js';
import { createServerSetup } from '../src/opaque/index.js';
import { PROFILES, checkSameKsf, oursLogin, oursRegister, theirLogin, theirRegister } from './opaque-flows.js';

/** What the driver calls, by name, through `page.evaluate`. */
export interface BrowserBench {
  /** Proves both sides compute the same KSF at profile `i` and registers both users; returns the profile's label. */
  prepare(i: number): Promise<string>;
  /** One timed call, in ms; `collect`: start on a collected heap (the first call of a route's turn). */
  time(i: number, route: BrowserRoute, collect: boolean): Promise<number>;
  /** Which Argon2id implementation ours ran, and on how many threads at the default profile. */
  implementation(): Promise<string>;
}

export type BrowserRoute =
  | 'ours login'
  | 'ours login, lanes on one thread'
  | 'serenity login'
  | 'ours Argon2id'
  | 'ours Argon2id, one thread'
  | 'ours Argon2id, other build'
  | 'hash-wasm Argon2id'
  | 'ours protocol only';

const INPUT = Uint8Array.from({ length: 64 }, (_, i) => i);
const SALT = new Uint8Array(16);

const state = new Map<number, { setup: Uint8Array; record: Uint8Array; identityRecord: Uint8Array; serverSetup: string; theirRecord: string }>();

function profileAt(i: number): (typeof PROFILES)[number] & { ours: NonNullable<(typeof PROFILES)[number]['ours']> } {
  const profile = PROFILES[i];
  if (profile?.ours === undefined) throw new Error(`no profile ${i}`);
  return profile as (typeof PROFILES)[number] & { ours: NonNullable<(typeof PROFILES)[number]['ours']> };
}

const bench: BrowserBench = {
  async prepare(i) {
    await serenity.ready;
    const profile = profileAt(i);
    await checkSameKsf(profile);
    const setup = createServerSetup();
    const serverSetup = serenity.server.createSetup();
    state.set(i, {
      setup,
      record: await oursRegister(setup, profile.ours),
      identityRecord: await oursRegister(setup, undefined),
      serverSetup,
      theirRecord: theirRegister(serverSetup, profile.theirs),
    });
    return profile.label;
  },
  async time(i, route, collect) {
    const profile = profileAt(i);
    const s = state.get(i);
    if (s === undefined) throw new Error('prepare first');
    // Each route's turn starts on a collected heap, as in the Node bench (Chromium runs with --expose-gc).
    if (collect) (globalThis as { gc?: () => void }).gc?.();
    const started = performance.now();
    if (route === 'ours login') await oursLogin(s.setup, s.record, profile.ours);
    else if (route === 'ours login, lanes on one thread') await oursLogin(s.setup, s.record, profile.ours, 'one thread');
    else if (route === 'serenity login') theirLogin(s.serverSetup, s.theirRecord, profile.theirs);
    else if (route === 'ours protocol only') await oursLogin(s.setup, s.identityRecord, undefined);
    else if (route === 'ours Argon2id') await argon2id(INPUT, profile.ours, { outputLength: 64, implementation: 'wasm' });
    else if (route === 'ours Argon2id, one thread') await argon2id(INPUT, profile.ours, { outputLength: 64, implementation: 'wasm', threads: 1 });
    // The build argon2id() does not pick for this profile: scalar at p > 1, SIMD at p = 1.
    else if (route === 'ours Argon2id, other build') (await loadArgon2idWasm(profile.ours.parallelism > 1 ? 'scalar' : 'simd')).hash({ password: INPUT, salt: SALT, ...profile.ours, outputLength: 64 });
    else {
      const { iterations, memoryKiB, parallelism } = profile.ours;
      await hashWasmArgon2id({ password: INPUT, salt: SALT, iterations, memorySize: memoryKiB, parallelism, hashLength: 64, outputType: 'binary' });
    }
    return performance.now() - started;
  },
  async implementation() {
    const { implementation, threads } = await argon2id(INPUT, profileAt(0).ours, { outputLength: 64 });
    return `${implementation}, default profile's lanes on ${threads} thread${threads === 1 ? '' : 's'}`;
  },
};

(globalThis as { zerovaultBench?: BrowserBench }).zerovaultBench = bench;
