import { generateKeyPair, openStream, sealStream } from './src/seal/index.js';
import { randomBytes } from './src/crypto/random.js';
const mode = process.argv[2] ?? 'seal';
const TOTAL = 1024 * 1024 * 1024;
const pool = randomBytes(1 << 20);
const { publicKey, secretKey } = generateKeyPair();
let produced = 0;
const source = new ReadableStream<Uint8Array>({
  pull(c) {
    if (produced >= TOTAL) { c.close(); return; }
    const off = produced % (1 << 20);
    c.enqueue(pool.slice(off, off + 65536));
    produced += 65536;
  },
}, { highWaterMark: 0 });
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const t = performance.now();
let s2 = source.pipeThrough(sealStream({ to: publicKey }));
if (mode === 'both') s2 = s2.pipeThrough(openStream({ secretKey }));
const reader = s2.getReader();
let n = 0, i = 0;
for (;;) { const { done, value } = await reader.read(); if (done) break; n += value.length; if (++i % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss); }
const s = (performance.now() - t) / 1000;
console.log(`${mode}: 1 GiB ${(TOTAL / 1e6 / s).toFixed(0)} MB/s; RSS ${(rss0/1048576).toFixed(0)} MiB, peak growth ${((peak - rss0) / 1048576).toFixed(1)} MiB`);
