/**
 * The example's HTTP side: serves the notes page, mounts the zerovault
 * server under `/zv`, and adds one DEV-ONLY route, `GET /dev/stored?user=`,
 * that reads the server's blob store so the page can show what the server
 * keeps. It is unauthenticated on purpose (it only ever returns ciphertext,
 * which is the point of the demo); never mount it in a real deployment.
 *
 * Imports nothing from zerovault: the caller passes the server's handler and
 * store, so the same file serves the built package (`server.ts`) and tests.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The part of a zerovault `ServerStore` the dev route reads. */
export interface BlobReader {
  blobs(userId: string): {
    list(vault: string, options?: { after?: string; limit?: number }): Promise<{ items: readonly { id: string; version: number }[]; next?: string }>;
    get(vault: string, id: string): Promise<{ data: Uint8Array; version: number } | null>;
  };
}

/** One stored blob as the dev route shows it. */
export interface StoredRow {
  readonly vault: string;
  readonly id: string;
  readonly version: number;
  readonly size: number;
  /** The stored bytes, standard base64. */
  readonly base64: string;
}

/** Options for {@link notesHandler}. */
export interface NotesHostOptions {
  /** The zerovault server as a `node:http` handler (`zv.node()`), mounted at `/zv`. */
  readonly zeroVault: (req: IncomingMessage, res: ServerResponse) => void;
  /** The server's store, read by the dev route. */
  readonly store: BlobReader;
  /** The server's user-id normalization (`normalizeUserId`), so the dev route finds the same rows. */
  readonly normalizeUserId: (userId: string) => string;
  /** The bundled app (see `build.ts`). */
  readonly script: string;
  /** The bundled KSF worker (see `build.ts`), served as `/ksf.worker.js`. */
  readonly ksfWorker: string;
}

/** Vaults the page stores in: its notes, and zerovault's own account records (keyring, unlock slot, manifests). */
const VAULTS = ['notes', '_zv'];

/** What a page served here may do: scripts and WebAssembly (Argon2id) from this origin, requests to it. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  // The KSF worker, from this origin; its own response carries this policy too, so Argon2id's WebAssembly compiles there.
  // blob: lets that worker start Argon2id's lane threads (small workers made from blob: URLs), which the
  // isolation headers below make possible: sign-in stretches the password on two or more cores.
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Cross-origin isolation (docs/browser.md): gives the page and its KSF worker
 * shared memory, and so Argon2id's lanes their threads. Everything the page
 * loads is from this origin, so `require-corp` costs it nothing.
 */
export const CROSS_ORIGIN_ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } as const;

/** Every row the server keeps for `userId` in the page's vaults. */
export async function storedRows(store: BlobReader, userId: string): Promise<StoredRow[]> {
  const blobs = store.blobs(userId);
  const rows: StoredRow[] = [];
  for (const vault of VAULTS) {
    let after: string | undefined;
    do {
      const page = await blobs.list(vault, after === undefined ? {} : { after });
      for (const { id } of page.items) {
        const record = await blobs.get(vault, id);
        if (record === null) continue;
        rows.push({ vault, id, version: record.version, size: record.data.length, base64: Buffer.from(record.data).toString('base64') });
      }
      after = page.next;
    } while (after !== undefined);
  }
  return rows;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    ...CROSS_ORIGIN_ISOLATION,
  });
  res.end(body);
}

/** The request listener: page, app, KSF worker, styles, `/zv/*` and the dev route. */
export function notesHandler(options: NotesHostOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const html = readFileSync(join(here, 'index.html'), 'utf8');
  const css = readFileSync(join(here, 'style.css'), 'utf8');
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/zv' || url.pathname.startsWith('/zv/')) return options.zeroVault(req, res);
    if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', html);
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', options.script);
      case '/ksf.worker.js':
        return send(res, 200, 'text/javascript; charset=utf-8', options.ksfWorker);
      case '/style.css':
        return send(res, 200, 'text/css; charset=utf-8', css);
      case '/dev/stored': {
        const user = url.searchParams.get('user') ?? '';
        let userId: string;
        try {
          userId = options.normalizeUserId(user);
        } catch {
          return send(res, 400, 'application/json', JSON.stringify({ error: 'bad user id' }));
        }
        storedRows(options.store, userId).then(
          (rows) => send(res, 200, 'application/json', JSON.stringify({ rows })),
          () => send(res, 500, 'application/json', JSON.stringify({ error: 'store read failed' })),
        );
        return;
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    }
  };
}
