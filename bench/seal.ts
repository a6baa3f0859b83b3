/**
 * Sealed blobs (issue 7): `seal`/`open` of 1 KiB and `sealStream`/
 * `openStream` of a large payload (256 MiB by default), against raw
 * AES-256-GCM on the same route (`node:crypto`; for streams, one cipher fed
 * through the same WHATWG stream plumbing) and against `age-encryption`
 * (typage) with an X25519 recipient. Then the peak RSS growth while sealing
 * 1 GiB from a generated stream, in a fresh child process so that nothing
 * measured before inflates or hides it.
 *
 * Targets: ≥ 0.8× raw AES-GCM throughput on large blobs; peak RSS growth
 * < 64 MiB while sealing 1 GiB. At 1 KiB a blob costs an X25519 key
 * agreement and HPKE key schedule that no raw AES call pays, so that row
 * has no target; age is the fair comparison there.
 *
 * Streamed sources yield 1 MiB views of one buffer (the sealed inputs of the
 * open cases are prepared once); sinks count bytes and drop them.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes as nodeRandomBytes, type KeyObject } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { generateKeyPair, generateXWingKeyPair, open, openStream, seal, sealStream } from '../src/seal/index.js';
import { collectGarbage, fixed, measure, pairedRatio, sizeLabel, verdict, type GroupSettings, type Measured, type Route, type Table } from './measure.js';
import type { RunSettings } from './options.js';

const TAG = 16;
const NONCE = 12;
const SLICE = 1024 * 1024;
/** Throughput target for large blobs, vs raw AES-256-GCM on the same route. */
const LARGE_TARGET = 0.8;
/** Calls per route and round in the streamed ours-vs-raw groups. */
const LARGE_CALLS = 3;
/** Rounds of the streamed ours-vs-age groups (age runs at ~80 MB/s). */
const AGE_ROUNDS = 2;
/** Peak RSS growth allowed while sealing 1 GiB from a stream. */
const RSS_LIMIT = 64 * 1024 * 1024;

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** A stream of `total` bytes: views of `source`, `SLICE` bytes at a time, wrapping around. */
function sliced(source: Uint8Array, total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const offset = sent % source.length;
      const n = Math.min(SLICE, total - sent, source.length - offset);
      controller.enqueue(source.subarray(offset, offset + n));
      sent += n;
    },
  });
}

/** Drains a stream; returns the byte count (and, if asked, keeps the chunks). */
async function drain(stream: ReadableStream<Uint8Array>, keep?: Uint8Array[]): Promise<number> {
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.length;
    keep?.push(value);
  }
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

/** Raw AES-256-GCM over a stream: one cipher, its tag appended at the end. */
function rawSealStream(key: KeyObject, nonce: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(cipher.update(chunk));
    },
    flush(controller) {
      controller.enqueue(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
    },
  });
}

/** Raw AES-256-GCM open over a stream whose last 16 bytes are the tag (known up front, as a raw baseline may). */
function rawOpenStream(key: KeyObject, nonce: Uint8Array, tag: Uint8Array, length: number): TransformStream<Uint8Array, Uint8Array> {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(tag);
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      const body = chunk.subarray(0, Math.max(0, Math.min(chunk.length, length - seen)));
      seen += chunk.length;
      if (body.length > 0) controller.enqueue(decipher.update(body));
    },
    flush() {
      decipher.final();
    },
  });
}

interface SealCase {
  readonly op: 'seal' | 'open';
  readonly size: number;
  readonly streamed: boolean;
  readonly routes: readonly Route[];
  /**
   * Ours and age, measured apart in fewer rounds: age takes seconds per
   * streamed call, which would cut the rounds of the ours-vs-raw group.
   */
  readonly vsAge?: readonly [Route, Route];
}

interface Keys {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly ageIdentity: string;
  readonly ageRecipient: string;
  readonly raw: KeyObject;
  readonly nonce: Uint8Array;
}

async function keys(): Promise<Keys> {
  const { publicKey, secretKey } = generateKeyPair();
  const ageIdentity = await generateX25519Identity();
  return {
    publicKey,
    secretKey,
    ageIdentity,
    ageRecipient: await identityToRecipient(ageIdentity),
    raw: createSecretKey(nodeRandomBytes(32)),
    nonce: new Uint8Array(nodeRandomBytes(NONCE)),
  };
}

function ageEncrypter(k: Keys): Encrypter {
  const e = new Encrypter();
  e.addRecipient(k.ageRecipient);
  return e;
}

function ageDecrypter(k: Keys): Decrypter {
  const d = new Decrypter();
  d.addIdentity(k.ageIdentity);
  return d;
}

async function smallCases(k: Keys, size: number): Promise<SealCase[]> {
  const plaintext = new Uint8Array(nodeRandomBytes(size));
  const nodeSeal = (): Uint8Array => {
    const cipher = createCipheriv('aes-256-gcm', k.raw, k.nonce, { authTagLength: TAG });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const rawSealed = nodeSeal();
  const nodeOpen = (): Uint8Array => {
    const decipher = createDecipheriv('aes-256-gcm', k.raw, k.nonce, { authTagLength: TAG });
    decipher.setAuthTag(rawSealed.subarray(size));
    const body = decipher.update(rawSealed.subarray(0, size));
    decipher.final();
    return body;
  };
  const blob = await seal(plaintext, { to: k.publicKey });
  const encrypter = ageEncrypter(k);
  const decrypter = ageDecrypter(k);
  const ageBlob = await encrypter.encrypt(plaintext);
  if (!same(await open(blob, { secretKey: k.secretKey }), plaintext)) throw new Error('seal round-trip fails');
  if (!same(await decrypter.decrypt(ageBlob), plaintext)) throw new Error('age round-trip fails');
  if (!same(nodeOpen(), plaintext)) throw new Error('raw round-trip fails');
  return [
    {
      op: 'seal',
      size,
      streamed: false,
      routes: [
        { name: 'zerovault seal', ours: true, fn: () => seal(plaintext, { to: k.publicKey }) },
        { name: 'raw node:crypto AES-256-GCM, one call', ours: false, fn: nodeSeal },
        { name: 'age-encryption (X25519)', ours: false, reference: true, fn: () => encrypter.encrypt(plaintext) },
      ],
    },
    {
      op: 'open',
      size,
      streamed: false,
      routes: [
        { name: 'zerovault open', ours: true, fn: () => open(blob, { secretKey: k.secretKey }) },
        { name: 'raw node:crypto AES-256-GCM, one call', ours: false, fn: nodeOpen },
        { name: 'age-encryption (X25519)', ours: false, reference: true, fn: () => decrypter.decrypt(ageBlob) },
      ],
    },
  ];
}

async function streamedCases(k: Keys, size: number): Promise<SealCase[]> {
  const source = new Uint8Array(nodeRandomBytes(SLICE));
  const encrypter = ageEncrypter(k);
  const decrypter = ageDecrypter(k);

  // Inputs of the open cases, sealed once (and checked on the way).
  const oursChunks: Uint8Array[] = [];
  await drain(sliced(source, size).pipeThrough(sealStream({ to: k.publicKey })), oursChunks);
  const oursSealed = joined(oursChunks);
  oursChunks.length = 0;
  const rawChunks: Uint8Array[] = [];
  await drain(sliced(source, size).pipeThrough(rawSealStream(k.raw, k.nonce)), rawChunks);
  const rawSealed = joined(rawChunks);
  rawChunks.length = 0;
  const rawTag = rawSealed.slice(size);
  const ageChunks: Uint8Array[] = [];
  await drain(await encrypter.encrypt(sliced(source, size)), ageChunks);
  const ageSealed = joined(ageChunks);
  ageChunks.length = 0;

  const oursSeal = (): Promise<number> => drain(sliced(source, size).pipeThrough(sealStream({ to: k.publicKey })));
  const oursOpen = (): Promise<number> => drain(sliced(oursSealed, oursSealed.length).pipeThrough(openStream({ secretKey: k.secretKey })));
  const rawSeal = (): Promise<number> => drain(sliced(source, size).pipeThrough(rawSealStream(k.raw, k.nonce)));
  const rawOpen = (): Promise<number> => drain(sliced(rawSealed, rawSealed.length).pipeThrough(rawOpenStream(k.raw, k.nonce, rawTag, size)));
  const ageSeal = async (): Promise<number> => drain(await encrypter.encrypt(sliced(source, size)));
  const ageOpen = async (): Promise<number> => drain(await decrypter.decrypt(sliced(ageSealed, ageSealed.length)));
  // The reference: raw AES-GCM without any stream machinery (a loop over the same views).
  const rawLoop = (): number => {
    const cipher = createCipheriv('aes-256-gcm', k.raw, k.nonce, { authTagLength: TAG });
    let total = 0;
    for (let offset = 0; offset < size; offset += SLICE) total += cipher.update(source.subarray(0, Math.min(SLICE, size - offset))).length;
    cipher.final();
    cipher.getAuthTag();
    return total;
  };

  // Every open route must give back `size` bytes (and ours the exact plaintext, checked in the tests).
  for (const [name, run] of [['ours', oursOpen], ['raw', rawOpen], ['age', ageOpen]] as const) {
    if ((await run()) !== size) throw new Error(`${name} streamed open returns the wrong length`);
  }

  const oursSealRoute: Route = { name: 'zerovault sealStream', ours: true, async: true, fn: oursSeal };
  const oursOpenRoute: Route = { name: 'zerovault openStream', ours: true, async: true, fn: oursOpen };
  return [
    {
      op: 'seal',
      size,
      streamed: true,
      routes: [
        oursSealRoute,
        { name: 'raw node:crypto AES-256-GCM, streamed', ours: false, async: true, fn: rawSeal },
        { name: '(ref) raw node:crypto, plain loop', ours: false, reference: true, async: false, fn: rawLoop },
      ],
      vsAge: [oursSealRoute, { name: 'age-encryption (X25519), streamed', ours: false, reference: true, async: true, fn: ageSeal }],
    },
    {
      op: 'open',
      size,
      streamed: true,
      routes: [oursOpenRoute, { name: 'raw node:crypto AES-256-GCM, streamed', ours: false, async: true, fn: rawOpen }],
      vsAge: [oursOpenRoute, { name: 'age-encryption (X25519), streamed', ours: false, reference: true, async: true, fn: ageOpen }],
    },
  ];
}

// ---- peak RSS while sealing from a generated stream (child process) ----

const CHILD_FLAG = '--seal-rss-child';
/** Chunk size of the generated stream: what `Readable.toWeb(fs.createReadStream(...))` yields. */
const GENERATED_CHUNK = 64 * 1024;

interface RssResult {
  readonly bytes: number;
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly samples: number;
  readonly seconds: number;
}

/** In the child: seals `total` bytes of freshly allocated chunks, sampling RSS. */
async function rssChild(total: number): Promise<RssResult> {
  const { publicKey } = generateKeyPair();
  const pattern = new Uint8Array(nodeRandomBytes(SLICE));
  const generated = (limit: number): ReadableStream<Uint8Array> => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= limit) {
          controller.close();
          return;
        }
        // A fresh buffer per chunk, as a file or socket reader hands them out.
        const offset = sent % SLICE;
        const chunk = pattern.slice(offset, offset + Math.min(GENERATED_CHUNK, limit - sent));
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
  };
  let peak = 0;
  let samples = 0;
  const sample = (): void => {
    const rss = process.memoryUsage().rss;
    samples += 1;
    if (rss > peak) peak = rss;
  };
  // Warm up (JIT, module state), then take the baseline.
  await generated(8 * 1024 * 1024)
    .pipeThrough(sealStream({ to: publicKey }))
    .pipeTo(new WritableStream());
  const baselineRss = process.memoryUsage().rss;
  peak = baselineRss;
  const timer = setInterval(sample, 5);
  const started = performance.now();
  let written = 0;
  let count = 0;
  await generated(total)
    .pipeThrough(sealStream({ to: publicKey }))
    .pipeTo(
      new WritableStream({
        write(chunk) {
          written += chunk.length;
          // Also sample from the pipeline itself: a busy pipeline can starve the timer.
          if ((count++ & 15) === 0) sample();
        },
      }),
    );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  if (written <= total) throw new Error('sealed stream is shorter than its input');
  return { bytes: total, baselineRss, peakRss: peak, samples, seconds };
}

/** Runs {@link rssChild} in a fresh process (same loader flags as this one). */
function runRssChild(total: number): Promise<RssResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, String(total)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`RSS child exited with ${String(code)}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as RssResult);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

// ---- X25519 vs X-Wing recipients ----

/** Seal and open at `size` to one X25519 and one X-Wing recipient: what the hybrid costs. */
async function kemRows(size: number, s: RunSettings): Promise<string[][]> {
  const classic = generateKeyPair();
  const pq = await generateXWingKeyPair();
  const data = new Uint8Array(nodeRandomBytes(size));
  const classicBlob = await seal(data, { to: classic.publicKey });
  const pqBlob = await seal(data, { to: pq.publicKey });
  const rows: string[][] = [];
  for (const [op, routes] of [
    [
      'seal',
      [
        { name: 'X25519 recipient', ours: true, reference: true, async: true, fn: () => seal(data, { to: classic.publicKey }) },
        { name: 'X-Wing recipient', ours: true, reference: true, async: true, fn: () => seal(data, { to: pq.publicKey }) },
      ],
    ],
    [
      'open',
      [
        { name: 'X25519 recipient', ours: true, reference: true, async: true, fn: () => open(classicBlob, { secretKey: classic.secretKey }) },
        { name: 'X-Wing recipient', ours: true, reference: true, async: true, fn: () => open(pqBlob, { secretKey: pq.secretKey }) },
      ],
    ],
  ] as const) {
    const [x25519, xwing] = (await measure(routes, s)) as [Measured, Measured];
    for (const m of [x25519, xwing]) {
      rows.push([
        `${op} (KEM)`,
        sizeLabel(size),
        m.name,
        fixed(m.opsPerSecond, 0),
        fixed((m.opsPerSecond * size) / 1e6, 1),
        fixed(m.medianMs * 1000, 1),
        fixed(m.bestMs * 1000, 1),
        m === xwing ? `${fixed(pairedRatio(xwing, [x25519]), 2)}× of X25519` : '',
        m === xwing ? `+${pqBlob.length - classicBlob.length} B header` : '',
      ]);
    }
  }
  return rows;
}

// ---- the section ----

function mib(bytes: number): string {
  return fixed(bytes / (1024 * 1024), 1);
}

/** Table rows of a case; `vsAge` is the separate ours-vs-age group of a streamed case. */
function caseRows(c: SealCase, measured: readonly Measured[], vsAge?: readonly [Measured, Measured]): string[][] {
  const raw = measured.filter((m) => !m.ours && !m.reference);
  const age = vsAge?.[1] ?? measured.find((m) => m.name.startsWith('age-'));
  const oursVsAge = vsAge === undefined ? undefined : pairedRatio(vsAge[0], [vsAge[1]]);
  const all = vsAge === undefined ? measured : [...measured, vsAge[1]];
  return all.map((m) => {
    const vsRaw = m === vsAge?.[1] ? Number.NaN : pairedRatio(m, raw);
    const goal = c.streamed ? LARGE_TARGET : undefined;
    return [
      c.streamed ? `${c.op}Stream` : c.op,
      sizeLabel(c.size),
      m.name,
      fixed(m.opsPerSecond, c.streamed ? 2 : 0),
      fixed((m.opsPerSecond * c.size) / 1e6, 1),
      c.streamed ? fixed(m.medianMs, 0) : fixed(m.medianMs * 1000, 1),
      c.streamed ? fixed(m.bestMs, 0) : fixed(m.bestMs * 1000, 1),
      m.ours ? verdict(vsRaw, goal) : m.reference && Number.isFinite(vsRaw) ? `${fixed(vsRaw, 2)}×` : '',
      m.ours && age !== undefined ? `${fixed(oursVsAge ?? pairedRatio(m, [age]), 2)}×` : '',
    ];
  });
}

/** Runs the seal section and returns its table. */
export async function sealSection(s: RunSettings): Promise<Table> {
  const k = await keys();
  const rows: string[][] = [];
  for (const c of await smallCases(k, 1024)) rows.push(...caseRows(c, await measure(c.routes, s)));
  // Large: three calls per route and round (the setup above warmed every route, so they say
  // whether they are async), on the heap as a long-running process has it, after one collection
  // of whatever the previous group left. Age, seconds per call, in its own group of fewer rounds
  // of one call, each turn on a collected heap (it leaves hundreds of MiB behind).
  const large: GroupSettings = { ...s, minIterations: LARGE_CALLS, noWarmup: true };
  for (const c of await streamedCases(k, s.streamBytes)) {
    collectGarbage();
    const measured = await measure(c.routes, large);
    const vsAge =
      c.vsAge === undefined
        ? undefined
        : ((await measure(c.vsAge, { ...large, rounds: AGE_ROUNDS, minIterations: 1, collectGarbage: true })) as [Measured, Measured]);
    rows.push(...caseRows(c, measured, vsAge));
  }

  for (const size of [1024, 1024 * 1024]) rows.push(...(await kemRows(size, s)));

  const notes = [
    '',
    '"(KEM)" rows: one recipient, X25519 vs X-Wing (ML-KEM-768 + X25519); the ratio is X-Wing ops/s over X25519 ops/s, the',
    'last column what the X-Wing stanza adds to the blob (1120-byte enc instead of 32).',
    `Small rows: µs per call; streamed rows: ms per call, ${s.rounds} rounds of ${LARGE_CALLS} calls; age streamed: its own group`,
    `with ours, ${AGE_ROUNDS} rounds of one call (ours/age from that group). Ratios are paired per round, median over rounds, in ops/s`,
    '(> 1: ours faster). Target: streamed ≥ 0.8× raw AES-256-GCM on the same route (node:crypto, same stream plumbing).',
    '1 KiB rows carry an X25519 agreement and HPKE key schedule that raw AES does not: no target.',
  ];
  if (s.rssBytes > 0) {
    const r = await runRssChild(s.rssBytes);
    const growth = r.peakRss - r.baselineRss;
    notes.push(
      '',
      `Peak RSS while sealing ${sizeLabel(r.bytes)} from a generated stream (fresh child process, 64 KiB chunks, ${r.samples} samples):`,
      `  baseline ${mib(r.baselineRss)} MiB, peak ${mib(r.peakRss)} MiB, growth ${mib(growth)} MiB ` +
        `(target < ${mib(RSS_LIMIT)} MiB: ${growth < RSS_LIMIT ? 'ok' : 'MISS'}); ${fixed(r.seconds, 1)} s, ${fixed(r.bytes / r.seconds / 1e6, 0)} MB/s`,
    );
  } else {
    notes.push('', 'Peak RSS check skipped (BENCH_RSS_GIB=0).');
  }
  return {
    title: 'Sealed blobs (issue 7): seal/open vs raw AES-256-GCM and age-encryption',
    header: ['op', 'size', 'route', 'ops/s', 'MB/s', 'median', 'best', 'ours / raw (target)', 'ours / age'],
    rows,
    numeric: [3, 4, 5, 6],
    groupBy: [0, 1],
    notes,
  };
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain && process.argv[2] === CHILD_FLAG) {
  const result = await rssChild(Number(process.argv[3]));
  process.stdout.write(JSON.stringify(result));
}
