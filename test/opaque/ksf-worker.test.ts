/**
 * `zerovault/ksf-worker`: the KSF in a real Node `worker_threads` worker
 * (the same message protocol a browser Worker speaks), the worker's request
 * handler on its own, the page side against a scripted other end, and the
 * `ksfRunner` option of the OPAQUE client and of `Client`.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toHex, utf8 } from '../../src/crypto/bytes.js';
import { ARGON2ID_DEFAULT, argon2id, type Argon2idImplementation, type Argon2idParams } from '../../src/crypto/ksf.js';
import { KSF_MESSAGE_TYPE } from '../../src/crypto/ksf-worker-messages.js';
import { answerKsfRequest } from '../../src/crypto/ksf-worker-serve.js';
import { Client } from '../../src/client/index.js';
import { ZeroVaultError } from '../../src/errors.js';
import { createWorkerKsf, serveKsf, type KsfJob, type KsfRunner, type WorkerKsf } from '../../src/ksf-worker.js';
import * as opaque from '../../src/opaque/index.js';
import { createServer, createServerSetup, memoryServerStore } from '../../src/server/index.js';
import { expectCode } from './helpers.js';

const FLOOR: Argon2idParams = Object.freeze({ iterations: 2, memoryKiB: 19456, parallelism: 1 });
const WORKER_FILE = new URL('../helpers/ksf-node-worker.ts', import.meta.url).href;

interface Spawned {
  readonly worker: Worker;
  readonly ksf: WorkerKsf;
}

/** A worker_threads worker running `serveKsf` on one end of a MessageChannel; the page side gets the other. */
function spawn(options: { crash?: boolean; noWasm?: boolean; timeoutMs?: number } = {}): Spawned {
  const { port1, port2 } = new MessageChannel();
  // tsx is registered inside the worker, which then loads the TypeScript fixture.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_FILE)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { port: port2, crash: options.crash, noWasm: options.noWasm }, transferList: [port2] });
  worker.on('error', () => {}); // a crashing fixture is expected to; the port's close event is what the runner sees
  const ksf = createWorkerKsf(port1, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  return { worker, ksf };
}

const job = (input: Uint8Array, params: Argon2idParams = FLOOR, outputLength = 64, implementation: Argon2idImplementation = 'auto'): KsfJob => ({
  input,
  params,
  outputLength,
  implementation,
});

const inThread = async (input: Uint8Array, params: Argon2idParams = FLOOR, outputLength = 64): Promise<string> =>
  toHex((await argon2id(input, params, { outputLength })).output);

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('the KSF in a Node worker_threads worker', () => {
  let spawned: Spawned;
  beforeAll(() => {
    spawned = spawn();
  });
  afterAll(async () => {
    spawned.ksf.terminate();
    await spawned.worker.terminate();
  });

  test('the same output as argon2id in this thread: default profile, floor profile, 64- and 32-byte, WASM and pure JS', async () => {
    const input = bytes(64, 1);
    expect(toHex(await spawned.ksf.run(job(input, ARGON2ID_DEFAULT)))).toBe(await inThread(input, ARGON2ID_DEFAULT));
    expect(toHex(await spawned.ksf.run(job(input)))).toBe(await inThread(input));
    const short = bytes(32, 2);
    expect(toHex(await spawned.ksf.run(job(short, FLOOR, 32)))).toBe(await inThread(short, FLOOR, 32));
    expect(toHex(await spawned.ksf.run(job(input, FLOOR, 64, 'js')))).toBe(await inThread(input));
  }, 120_000);

  test('concurrent calls: each gets its own answer', async () => {
    const inputs = [1, 2, 3, 4].map((seed) => bytes(64, seed * 7));
    const outputs = await Promise.all(inputs.map((input) => spawned.ksf.run(job(input))));
    const expected = await Promise.all(inputs.map((input) => inThread(input)));
    expect(outputs.map(toHex)).toEqual(expected);
    expect(new Set(expected).size).toBe(4);
  }, 120_000);

  test('the worker enforces the floor and ceiling itself: a job the client would never send is INVALID_INPUT, before any work', async () => {
    await expectCode(() => spawned.ksf.run(job(bytes(64, 3), { iterations: 1, memoryKiB: 19456, parallelism: 1 })), 'INVALID_INPUT');
    await expectCode(() => spawned.ksf.run(job(bytes(64, 3), { iterations: 3, memoryKiB: 2 ** 21 + 1, parallelism: 4 })), 'INVALID_INPUT');
    await expectCode(() => spawned.ksf.run(job(bytes(64, 3), FLOOR, 16)), 'INVALID_INPUT');
    await expectCode(() => spawned.ksf.run(job(bytes(64, 3), FLOOR, 64, 'fast' as Argon2idImplementation)), 'INVALID_INPUT');
    // The worker is still serving after the rejections.
    const input = bytes(64, 4);
    expect(toHex(await spawned.ksf.run(job(input)))).toBe(await inThread(input));
  }, 60_000);

  test('OPAQUE: registering with the KSF in the worker and logging in without it (and back) agree; the caller keeps its password', async () => {
    const setup = opaque.createServerSetup();
    const password = utf8('correct horse battery staple');
    const reg = await opaque.startRegistration({ password });
    const { response } = opaque.createRegistrationResponse({ setup, userId: 'alice', request: reg.request });
    const done = await opaque.finishRegistration({ state: reg.state, response, password, ksf: FLOOR, ksfRunner: spawned.ksf.run });
    expect(toHex(password)).toBe(toHex(utf8('correct horse battery staple')));

    for (const ksfRunner of [undefined, spawned.ksf.run]) {
      const start = await opaque.startLogin({ password });
      const server = opaque.startServerLogin({ setup, userId: 'alice', record: done.record, request: start.request });
      const client = await opaque.finishLogin({ state: start.state, response: server.response, password, ksf: FLOOR, ksfRunner });
      const { sessionKey } = opaque.finishServerLogin({ state: server.state, finalization: client.finalization });
      expect(toHex(client.sessionKey)).toBe(toHex(sessionKey));
      expect(toHex(client.exportKey)).toBe(toHex(done.exportKey));
    }
  }, 60_000);

  test('Client: register and log in with ksfRunner; a client without it logs in to the same account', async () => {
    const server = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv' });
    const base = { url: 'http://localhost/zv', fetch: (r: Request) => server.fetch(r), ksf: FLOOR };
    const credentials = { userId: 'carol', password: 'worker-side stretching' };
    const session = await new Client({ ...base, ksfRunner: spawned.ksf.run }).register(credentials);
    await (await session.vault('notes')).put('n', utf8('kept'));
    await session.logout();
    const again = await new Client(base).login(credentials);
    expect((await (await again.vault('notes')).get('n')).data).toEqual(utf8('kept'));
    await again.logout();
    await expectCode(() => new Client({ ...base, ksfRunner: spawned.ksf.run }).login({ ...credentials, password: 'wrong' }), 'AUTH_FAILED');
  }, 60_000);
});

describe('worker failures reach the caller as typed errors', () => {
  test('a worker without WebAssembly: forced `wasm` is UNSUPPORTED across the boundary; `auto` falls back to the same output', async () => {
    const { worker, ksf } = spawn({ noWasm: true });
    try {
      await expectCode(() => ksf.run(job(bytes(64, 5), FLOOR, 64, 'wasm')), 'UNSUPPORTED');
      const input = bytes(64, 6);
      expect(toHex(await ksf.run(job(input)))).toBe(await inThread(input));
    } finally {
      ksf.terminate();
      await worker.terminate();
    }
  }, 60_000);

  test('a worker that crashes at start: the pending call fails with WORKER, and so does the next', async () => {
    const { worker, ksf } = spawn({ crash: true, timeoutMs: 30_000 });
    await expectCode(() => ksf.run(job(bytes(64, 7))), 'WORKER');
    await expectCode(() => ksf.run(job(bytes(64, 7))), 'WORKER');
    await worker.terminate();
  }, 60_000);

  test('terminate: the pending call and every later one fail with WORKER', async () => {
    const { worker, ksf } = spawn();
    const pending = ksf.run(job(bytes(64, 8)));
    ksf.terminate();
    await expectCode(() => pending, 'WORKER');
    await expectCode(() => ksf.run(job(bytes(64, 8))), 'WORKER');
    await worker.terminate();
  }, 60_000);
});

/** A request as createWorkerKsf sends it, with `patch` applied. */
function request(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: KSF_MESSAGE_TYPE, id: 1, input: bytes(64, 9), params: { ...FLOOR }, outputLength: 64, implementation: 'auto', ...patch };
}

describe('the worker side (answerKsfRequest): nothing in a message is trusted', () => {
  test.each([
    ['memory below the floor', { params: { iterations: 2, memoryKiB: 19455, parallelism: 1 } }],
    ['too little work (t=1 at 19 MiB)', { params: { iterations: 1, memoryKiB: 19456, parallelism: 1 } }],
    ['memory above the ceiling', { params: { iterations: 1, memoryKiB: 2 ** 21 + 1, parallelism: 1 } }],
    ['too many lanes', { params: { iterations: 2, memoryKiB: 65536, parallelism: 17 } }],
    ['params as strings', { params: { iterations: '2', memoryKiB: 19456, parallelism: 1 } }],
    ['no params', { params: undefined }],
    ['an output length that is no suite’s Nh', { outputLength: 1024 }],
    ['an input of the wrong length', { input: bytes(65, 1) }],
    ['an input that is not bytes', { input: [1, 2, 3] }],
    ['an unknown implementation', { implementation: 'native' }],
  ])('rejects %s with INVALID_INPUT, and wipes the input', async (_name, patch) => {
    const message = request(patch);
    const answer = await answerKsfRequest(message);
    expect(answer?.reply).toMatchObject({ type: KSF_MESSAGE_TYPE, id: 1, error: { code: 'INVALID_INPUT' } });
    expect(answer?.transfer).toEqual([]);
    if (message.input instanceof Uint8Array) expect(message.input.every((b) => b === 0)).toBe(true);
  });

  test.each([
    ['not an object', 'hello'],
    ['null', null],
    ['another protocol', { type: 'app/v1/hello', id: 1 }],
    ['an older or newer version', request({ type: 'zerovault/v2/ksf' })],
    ['no id', request({ id: undefined })],
    ['a negative id', request({ id: -1 })],
    ['a fractional id', request({ id: 1.5 })],
    ['a reply (it carries an output)', request({ output: new Uint8Array(64) })],
  ])('ignores %s (no reply)', async (_name, message) => {
    expect(await answerKsfRequest(message)).toBeUndefined();
  });

  test('a valid request: the output on its own buffer, transferred; the received input wiped', async () => {
    const message = request();
    const input = Uint8Array.from(message.input as Uint8Array);
    const answer = await answerKsfRequest(message);
    const reply = answer?.reply as { output: Uint8Array };
    expect(toHex(reply.output)).toBe(await inThread(input));
    expect(answer?.transfer).toEqual([reply.output.buffer]);
    expect(reply.output.byteLength).toBe(reply.output.buffer.byteLength);
    expect((message.input as Uint8Array).every((b) => b === 0)).toBe(true);
  });

  test('serveKsf outside a worker, without a port, is UNSUPPORTED', async () => {
    Object.assign(globalThis, { document: {} });
    try {
      await expectCode(() => serveKsf(), 'UNSUPPORTED');
    } finally {
      Reflect.deleteProperty(globalThis, 'document');
    }
  });
});

/** The page side over a MessageChannel whose other end the test scripts. */
function scripted(timeoutMs?: number): { ksf: WorkerKsf; other: MessagePort; received: Record<string, unknown>[] } {
  const { port1, port2 } = new MessageChannel();
  const received: Record<string, unknown>[] = [];
  port2.on('message', (data: Record<string, unknown>) => received.push(data));
  return { ksf: createWorkerKsf(port1, timeoutMs === undefined ? {} : { timeoutMs }), other: port2, received };
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('the page side (createWorkerKsf): replies are untrusted too', () => {
  test('the request: versioned type, an id, the pinned params, a transferred copy of the input', async () => {
    const { ksf, other, received } = scripted();
    const input = bytes(64, 10);
    const pending = ksf.run(job(input));
    await until(() => received.length === 1);
    expect(received[0]).toMatchObject({ type: KSF_MESSAGE_TYPE, id: 0, params: { ...FLOOR }, outputLength: 64, implementation: 'auto' });
    expect(toHex(received[0]?.input as Uint8Array)).toBe(toHex(input));
    expect(input.length).toBe(64); // the caller's bytes were copied, not detached
    const output = bytes(64, 11);
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 0, output });
    expect(toHex(await pending)).toBe(toHex(output));
    ksf.terminate();
    other.close();
  });

  test('malformed replies: a wrong-length output and an unknown code are WORKER; a known code passes through', async () => {
    const { ksf, other, received } = scripted();
    const calls = [ksf.run(job(bytes(64, 1))), ksf.run(job(bytes(64, 2))), ksf.run(job(bytes(64, 3))), ksf.run(job(bytes(64, 4)))];
    await until(() => received.length === 4);
    const wrong = bytes(32, 1);
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 0, output: wrong });
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 1, error: { code: 'EVIL', message: 'x' } });
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 2, error: { code: 'UNSUPPORTED', message: 'WebAssembly Argon2id is unavailable' } });
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 3, output: 'not bytes' });
    await expectCode(() => calls[0], 'WORKER');
    await expectCode(() => calls[1], 'WORKER');
    await expectCode(() => calls[2], 'UNSUPPORTED');
    await expectCode(() => calls[3], 'WORKER');
    ksf.terminate();
    other.close();
  });

  test('timeout: WORKER; a late reply is ignored; other messages on the port are ignored', async () => {
    const { ksf, other, received } = scripted(50);
    const pending = ksf.run(job(bytes(64, 12)));
    await expectCode(() => pending, 'WORKER');
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 0, output: bytes(64, 1) });
    other.postMessage({ type: 'app/v1/hello' });
    // The runner still works afterwards.
    const next = ksf.run(job(bytes(64, 13)));
    await until(() => received.length === 2);
    const output = bytes(64, 14);
    other.postMessage({ type: KSF_MESSAGE_TYPE, id: 1, output });
    expect(toHex(await next)).toBe(toHex(output));
    ksf.terminate();
    other.close();
  });

  test("a Worker's error event fails pending and later calls with WORKER and terminates it", async () => {
    let terminated = 0;
    const fake = Object.assign(new EventTarget(), { postMessage: () => {}, terminate: () => void terminated++ });
    const ksf = createWorkerKsf(fake);
    const pending = ksf.run(job(bytes(64, 15)));
    fake.dispatchEvent(new Event('error'));
    await expectCode(() => pending, 'WORKER');
    await expectCode(() => ksf.run(job(bytes(64, 15))), 'WORKER');
    expect(terminated).toBe(1);
    ksf.terminate();
    expect(terminated).toBe(1);
  });

  test('bad arguments and malformed jobs are INVALID_INPUT', async () => {
    await expectCode(() => createWorkerKsf({} as never), 'INVALID_INPUT');
    await expectCode(() => createWorkerKsf(null as never), 'INVALID_INPUT');
    const { port1, port2 } = new MessageChannel();
    await expectCode(() => createWorkerKsf(port1, { timeoutMs: 0 }), 'INVALID_INPUT');
    await expectCode(() => createWorkerKsf(port1, { timeoutMs: 1.5 }), 'INVALID_INPUT');
    const ksf = createWorkerKsf(port1);
    await expectCode(() => ksf.run(null as never), 'INVALID_INPUT');
    await expectCode(() => ksf.run({ ...job(bytes(64, 1)), input: [1, 2] as never }), 'INVALID_INPUT');
    await expectCode(() => ksf.run({ ...job(bytes(64, 1)), params: undefined as never }), 'INVALID_INPUT');
    ksf.terminate();
    port2.close();
  });
});

describe('the ksfRunner option cannot change the pinned profile', () => {
  const setup = opaque.createServerSetup();
  const password = 'pinned profile';

  async function registrationInputs(): Promise<{ state: Uint8Array; response: Uint8Array }> {
    const reg = await opaque.startRegistration({ password });
    const { response } = opaque.createRegistrationResponse({ setup, userId: 'dave', request: reg.request });
    return { state: reg.state, response };
  }

  test('the runner is handed the validated, frozen profile, the implementation and Nh', async () => {
    const seen: KsfJob[] = [];
    const spy: KsfRunner = async (j) => {
      seen.push({ ...j, input: Uint8Array.from(j.input) });
      return (await argon2id(j.input, j.params, { outputLength: j.outputLength })).output;
    };
    const done = await opaque.finishRegistration({ ...(await registrationInputs()), password, ksfRunner: spy });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.params).toEqual(ARGON2ID_DEFAULT);
    expect(seen[0]?.outputLength).toBe(64);
    expect(seen[0]?.implementation).toBe('auto');
    expect(done.exportKey.length).toBe(64);

    const frozen: boolean[] = [];
    await opaque.finishRegistration({
      ...(await registrationInputs()),
      password,
      ksf: { ...FLOOR },
      ksfImplementation: 'js',
      ksfRunner: async (j) => {
        frozen.push(Object.isFrozen(j.params));
        expect(j.params).toEqual(FLOOR);
        expect(j.implementation).toBe('js');
        return (await argon2id(j.input, j.params, { outputLength: j.outputLength })).output;
      },
    });
    expect(frozen).toEqual([true]);
  }, 60_000);

  test('a runner that transfers (detaches) its input, as a worker runner does, leaves the client its own bytes', async () => {
    const detaching: KsfRunner = async (j) => {
      const moved = structuredClone(j.input, { transfer: [j.input.buffer as ArrayBuffer] });
      expect(j.input.length).toBe(0);
      return (await argon2id(moved, j.params, { outputLength: j.outputLength })).output;
    };
    const inputs = await registrationInputs();
    const viaRunner = await opaque.finishRegistration({ ...inputs, password, ksf: FLOOR, ksfRunner: detaching });
    const start = await opaque.startLogin({ password });
    const server = opaque.startServerLogin({ setup, userId: 'dave', record: viaRunner.record, request: start.request });
    const login = await opaque.finishLogin({ state: start.state, response: server.response, password, ksf: FLOOR });
    expect(toHex(login.exportKey)).toBe(toHex(viaRunner.exportKey));
  }, 60_000);

  test('a profile below the floor is INVALID_INPUT before the runner is called', async () => {
    let called = 0;
    const runner: KsfRunner = async () => {
      called++;
      return new Uint8Array(64);
    };
    await expectCode(
      async () => opaque.finishRegistration({ ...(await registrationInputs()), password, ksf: { iterations: 1, memoryKiB: 8192, parallelism: 1 }, ksfRunner: runner }),
      'INVALID_INPUT',
    );
    expect(called).toBe(0);
  });

  test('a runner resolving to the wrong length or a non-Uint8Array is INVALID_INPUT (a wrong-length result is wiped); its own rejection is WORKER with the cause', async () => {
    const short = new Uint8Array(32).fill(7);
    await expectCode(async () => opaque.finishRegistration({ ...(await registrationInputs()), password, ksfRunner: async () => short }), 'INVALID_INPUT');
    expect(short.every((b) => b === 0)).toBe(true);
    await expectCode(async () => opaque.finishRegistration({ ...(await registrationInputs()), password, ksfRunner: (async () => 'x') as unknown as KsfRunner }), 'INVALID_INPUT');
    const boom = new Error('runner failed');
    await expect(opaque.finishRegistration({ ...(await registrationInputs()), password, ksfRunner: () => Promise.reject(boom) })).rejects.toMatchObject({
      code: 'WORKER',
      cause: boom,
    });
    // A ZeroVaultError from the runner keeps its code.
    const typed = new ZeroVaultError('UNSUPPORTED', 'no WebAssembly here');
    await expect(opaque.finishRegistration({ ...(await registrationInputs()), password, ksfRunner: () => Promise.reject(typed) })).rejects.toBe(typed);
  });

  test('a ksfRunner that is not a function is INVALID_INPUT (OPAQUE client and Client)', async () => {
    await expectCode(async () => opaque.finishRegistration({ ...(await registrationInputs()), password, ksfRunner: 'worker' as unknown as KsfRunner }), 'INVALID_INPUT');
    await expectCode(() => new Client({ url: 'https://example.com/zv', ksfRunner: {} as unknown as KsfRunner }), 'INVALID_INPUT');
  });
});
