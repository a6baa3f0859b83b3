import { generateKeyPair, seal, open } from './src/seal/index.js';
import { openStream } from './src/seal/index.js';
import { randomBytes } from './src/crypto/random.js';
const SIZE = 64 * 1024 * 1024;
const data = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 65536) data.set(randomBytes(65536), i);
const { publicKey, secretKey } = generateKeyPair();
const blob = await seal(data, { to: publicKey });
async function run(write: number) {
  const s = openStream({ secretKey });
  const r = (async () => { const rd = s.readable.getReader(); let n = 0; for (;;) { const { done, value } = await rd.read(); if (done) return n; n += value.length; } })();
  const w = s.writable.getWriter();
  const first = 122;
  await w.write(blob.subarray(0, first));
  for (let o = first; o < blob.length; o += write) await w.write(blob.subarray(o, o + write));
  await w.close();
  return r;
}
for (let k = 0; k < 3; k++) {
  for (const write of [65536, 65552, 1 << 20]) {
    const t = performance.now(); await run(write); const ms = performance.now() - t;
    process.stdout.write(`write ${write}: ${(SIZE / 1e6 / (ms / 1000)).toFixed(0)} MB/s  `);
  }
  let t = performance.now(); await open(blob, { secretKey }); let ms = performance.now() - t;
  process.stdout.write(`single-shot open ${(SIZE / 1e6 / (ms / 1000)).toFixed(0)} MB/s  `);
  t = performance.now(); await seal(data, { to: publicKey }); ms = performance.now() - t;
  console.log(`single-shot seal ${(SIZE / 1e6 / (ms / 1000)).toFixed(0)} MB/s`);
}
