import { loadArgon2idWasm } from '../src/crypto/argon2id-wasm.ts';
const simd = await loadArgon2idWasm('simd'), scalar = await loadArgon2idWasm('scalar');
const p = { password: new Uint8Array(64), salt: new Uint8Array(16), iterations: +(process.argv[2] ?? 2), memoryKiB: +(process.argv[3] ?? 19456), parallelism: +(process.argv[4] ?? 1), outputLength: 64 };
const r: number[] = []; const a: number[] = [], b: number[] = [];
for (let i = 0; i < 25; i++) {
  let t = performance.now(); simd.hash(p); const x = performance.now() - t;
  t = performance.now(); scalar.hash(p); const y = performance.now() - t;
  if (i >= 3) { r.push(x / y); a.push(x); b.push(y); }
}
const med = (v: number[]) => v.sort((m, n) => m - n)[v.length >> 1];
console.log('simd', med(a).toFixed(2), 'scalar', med(b).toFixed(2), 'ratio', med(r).toFixed(3));
