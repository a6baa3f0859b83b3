/**
 * The `node:http` adapter: `(req, res)` for `http.createServer` and Express.
 * Mount it before any body parser (it reads the raw body, which the request
 * MAC covers).
 *
 * Only types come from `node:http`, so this module adds no runtime Node
 * dependency to the server entry.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASE_HEADERS } from './http.js';

/** The part of a server this adapter needs. */
export interface FetchHandler {
  fetch(request: Request, info?: { address?: string }): Promise<Response>;
}

/** Options for {@link toNodeHandler}. */
export interface NodeHandlerOptions {
  /**
   * Take the client address from the last `X-Forwarded-For` entry, the one
   * your proxy appended. Only behind exactly one proxy you run: a client can
   * send any header, and only the proxy's own entry is trustworthy.
   */
  trustProxy?: boolean;
  /** Largest body read before answering 413; default 96 MiB. */
  maxBodyBytes?: number;
}

/** A `node:http` request listener. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

function readRaw(req: IncomingMessage, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let over = false;
    req.on('data', (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > limit) {
        over = true;
        chunks.length = 0;
        return; // keep draining so the socket can carry the 413
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return resolve(null);
      const out = new Uint8Array(total);
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(out);
    });
    req.on('error', reject);
  });
}

/** Adapts a fetch-style server to `node:http`. */
export function toNodeHandler(server: FetchHandler, options: NodeHandlerOptions = {}): NodeHandler {
  const limit = options.maxBodyBytes ?? 96 * 1024 * 1024;
  return (req, res) => {
    void (async () => {
      try {
        const method = (req.method ?? 'GET').toUpperCase();
        const body: Uint8Array<ArrayBuffer> | null = method === 'GET' || method === 'HEAD' ? new Uint8Array(0) : await readRaw(req, limit);
        if (body === null) {
          res.writeHead(413, { ...BASE_HEADERS });
          res.end(JSON.stringify({ error: { code: 'INVALID_INPUT', message: 'body too large' } }));
          return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
        }
        const host = req.headers.host ?? 'localhost';
        const request = new Request(`http://${host}${req.url ?? '/'}`, {
          method,
          headers,
          ...(body.length > 0 ? { body } : {}),
        });
        // Proxies append the address they saw; earlier entries are whatever the client sent.
        // So the trusted one is the rightmost (one trusted proxy in front of this server).
        const forwarded = options.trustProxy === true ? req.headers['x-forwarded-for'] : undefined;
        const forwardedLast = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
        const address = forwardedLast !== undefined && forwardedLast !== '' ? forwardedLast : req.socket.remoteAddress;
        const response = await server.fetch(request, address === undefined ? {} : { address });
        const outHeaders: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          outHeaders[name] = value;
        });
        res.writeHead(response.status, outHeaders);
        res.end(response.body === null ? undefined : new Uint8Array(await response.arrayBuffer()));
      } catch {
        if (!res.headersSent) res.writeHead(500, { ...BASE_HEADERS });
        res.end(JSON.stringify({ error: { code: 'STORAGE', message: 'internal error' } }));
      }
    })();
  };
}
