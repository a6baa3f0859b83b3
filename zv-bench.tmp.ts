import { getBackend } from '#backend';
import { createWebBackend } from './src/crypto/backend-web.js';
import { generateKeyPair, openStream, sealStream } from './src/seal/index.js';
import { openStreamWith, sealStreamWith } from './src/seal/stream.js';
import { randomBytes } from './src/crypto/random.js';

const SIZE = 64 * 1024 * 1024;
const WRITE = 64 * 1024;
const data = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 65536) data.set(randomBytes(65536), i);
const { publicKey, secretKey } = generateKeyPair();

async function run(stream: TransformStream<Uint8Array, Uint8Array>, input: Uint8Array, keep: boolean) {
  const out: Uint8Array[] = [];
  let n = 0;
  const reading = (async () => { const r = stream.readable.getReader(); for (;;) { const { done, value } = await r.read(); if (done) return; n += value.length; if (keep) out.push(value); } })();
  const w = stream.writable.getWriter();
  for (let o = 0; o < input.length; o += WRITE) await w.write(input.subarray(o, o + WRITE));
  await w.close();
  await reading;
  return { n, out };
}
const mb = (ms: number) => (SIZE / 1e6 / (ms / 1000)).toFixed(0);
for (const [name, env] of [['node', { backend: getBackend(), random: randomBytes }], ['web (WebCrypto)', { backend: createWebBackend(), random: randomBytes }], ['web-noble', { backend: createWebBackend({ subtle: null }), random: randomBytes }]] as const) {
  const b = env.backend;
  const key = await b.importAesGcmKey(randomBytes(32));
  const nonce = new Uint8Array(12);
  let t = performance.now();
  const sealedChunks: Uint8Array[] = [];
  for (let o = 0; o < SIZE; o += 65536) sealedChunks.push(await b.aesGcmSeal(key, nonce, data.subarray(o, o + 65536)));
  const rawSeal = performance.now() - t;
  t = performance.now();
  for (const c of sealedChunks) await b.aesGcmOpen(key, nonce, c);
  const rawOpen = performance.now() - t;
  sealedChunks.length = 0;
  const rounds = name === 'web-noble' ? 1 : 3;
  let best = [Infinity, Infinity];
  for (let round = 0; round < rounds; round++) {
    t = performance.now();
    const sealed = await run(sealStreamWith(env, { to: publicKey }), data, true);
    const s = performance.now() - t;
    const blob = Buffer.concat(sealed.out);
    t = performance.now();
    const opened = await run(openStreamWith(env, { secretKey }), blob, false);
    const o = performance.now() - t;
    if (opened.n !== SIZE) throw new Error('size');
    best = [Math.min(best[0]!, s), Math.min(best[1]!, o)];
  }
  console.log(`${name}: raw AES-GCM 64KiB chunks seal ${mb(rawSeal)} MB/s open ${mb(rawOpen)} MB/s | sealStream ${mb(best[0]!)} MB/s openStream ${mb(best[1]!)} MB/s (64 MiB, 64 KiB writes)`);
}
void sealStream; void openStream;
