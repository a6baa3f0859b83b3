import { defineConfig, type Options } from 'tsup';

/**
 * Two builds of the same sources, ES modules only. The `#backend` import
 * condition is resolved here, at build time: the node build bundles
 * `backend-node.ts` (`node:crypto`), the web build `backend-web.ts`
 * (WebCrypto + noble). The package's `exports` map then sends Node to
 * `dist/node` and everything else (browsers, workers, Deno, Bun's browser
 * target) to `dist/web`, so no Node built-in is reachable from a browser
 * entry. CommonJS apps `require()` the ES modules (Node >= 20.19), so there is
 * no CommonJS build: nothing may use top-level await.
 */
const shared: Options = {
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: true,
  minify: false,
  // Runtime dependencies stay imports; the consumer's bundler dedupes them.
  external: ['@noble/ciphers', '@noble/curves', '@noble/hashes', '@simplewebauthn/browser', '@simplewebauthn/server', 'idb', 'jose', 'otpauth', 'better-sqlite3', 'pg'],
};

const browserSafe = {
  index: 'src/index.ts',
  record: 'src/record.ts',
  idb: 'src/idb.ts',
  seal: 'src/seal/index.ts',
  opaque: 'src/opaque/index.ts',
  'ksf-worker': 'src/ksf-worker.ts',
  // The same names as the node build; the Node-only stores throw UNSUPPORTED (see the file).
  server: 'src/server-web.ts',
  // Likewise: the Node-only replay stores throw UNSUPPORTED here.
  verify: 'src/verify-web.ts',
};

export default defineConfig([
  {
    ...shared,
    // Node adds the database-backed server and replay stores and the file-system store.
    entry: { ...browserSafe, server: 'src/server/index-node.ts', verify: 'src/verify.ts', fs: 'src/fs.ts', cli: 'src/cli/index.ts' },
    outDir: 'dist/node',
    platform: 'node',
    target: 'node20',
  },
  {
    ...shared,
    entry: browserSafe,
    outDir: 'dist/web',
    platform: 'browser',
    target: 'es2022',
  },
]);
