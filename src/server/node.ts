/**
 * The `node:http` adapter: `(req, res)` for `http.createServer` and Express.
 * Mount it before any body parser: the request MAC covers the raw body.
 *
 * The body is not read here: it is handed to the server unread, which reads
 * it only once the route and, for signed routes, the session are known, and
 * only up to that route's limit (see `server.ts`). `zv.node()` takes the
 * fast path: the server gets node:http's request as an `IncomingRequest`
 * (no WHATWG `Request`, no web stream) and a JSON answer is written as its
 * text; `toNodeHandler(anyFetchHandler)` builds a `Request` with the body as
 * a stream that reads from the socket only when pulled. A request the
 * fetch API cannot express is answered here, never as a 500: a malformed or
 * duplicated `Host` or request target is 400 (RFC 9112 §3.2), `TRACE` and
 * `OPTIONS *` are 501 (nothing here implements them); absolute-form targets
 * are accepted, as RFC 9112 §3.2.2 requires of a server. Every 5xx this adapter answers itself is
 * reported through `onError` (`zv.node()` makes it an `error` event).
 *
 * Only types come from `node:http`, so this module adds no runtime Node
 * dependency to the server entry.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ZeroVaultError } from '../errors.js';
import { BASE_HEADERS, BODY_CONSUMED_MESSAGE, BodyTooLarge, jsonTextOf, type IncomingRequest } from './http.js';
import { noteMountPath } from './mount.js';
import type { RequestContext } from './server.js';

/** The part of a server this adapter needs. */
export interface FetchHandler {
  fetch(request: Request, context?: RequestContext): Promise<Response>;
}

/** Options for {@link toNodeHandler}. */
export interface NodeHandlerOptions {
  /**
   * Take the client address from the last `X-Forwarded-For` entry, the one
   * your proxy appended, and the request URL's scheme and host from the last
   * `X-Forwarded-Proto` and `X-Forwarded-Host` entries (the URL a DPoP proof
   * on `POST /token` names). Only behind exactly one proxy you run: a client
   * can send any header, and only the proxy's own entry is trustworthy.
   */
  trustProxy?: boolean;
  /**
   * Called with a short reason for each 5xx the adapter answers itself
   * (`body-consumed-before-zerovault`, `adapter-failure`); the server's own
   * 5xx are already `error` events. `zv.node()` wires it to the `error` event.
   */
  onError?: (reason: string) => void;
}

/** A `node:http` request listener. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Methods the fetch API refuses to carry; no zerovault route implements them. */
const UNCARRIED_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** `host[:port]`: an IP literal or a reg-name without percent-encoding, and a port up to 65535. */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(?::([0-9]{1,5}))?$/;

/** The last entry of a header a proxy appends to (`a, b` or repeated lines), if any. */
function lastEntry(value: string | string[] | undefined): string | undefined {
  const last = (Array.isArray(value) ? value.join(',') : value)?.split(',').pop()?.trim();
  return last === '' ? undefined : last;
}

/**
 * Scheme and host of the URL the client used: the socket's (TLS or not) and
 * `Host`, or, behind a trusted proxy, the proxy's own (last) forwarded entries
 * when they are well-formed. A DPoP proof signs this URL, so a TLS-terminating
 * proxy must not turn `https://app/...` into `http://backend/...`.
 */
function publicOrigin(req: IncomingMessage, host: string, trustProxy: boolean): { scheme: string; host: string } {
  let scheme = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http';
  if (!trustProxy) return { scheme, host };
  const proto = lastEntry(req.headers['x-forwarded-proto'])?.toLowerCase();
  if (proto === 'http' || proto === 'https') scheme = proto;
  const forwardedHost = lastEntry(req.headers['x-forwarded-host']);
  const match = forwardedHost === undefined ? null : HOST.exec(forwardedHost);
  const valid = match !== null && (match[2] === undefined || Number(match[2]) <= 65535);
  return { scheme, host: valid ? (forwardedHost as string) : host };
}

// A mount path: one or more `/segment`s (no query, no fragment, no empty segment).
const MOUNT = /^(\/[^/?#]+)+$/;

/**
 * The request target as the client sent it, and the prefix a framework
 * stripped from `req.url` (Express and Connect keep the original in
 * `req.originalUrl`; see `mount.ts`).
 */
function targetOf(req: IncomingMessage): { target: string; mount: string } {
  const url = req.url ?? '';
  const original = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  if (typeof original !== 'string' || original === url || !url.startsWith('/') || !original.endsWith(url)) return { target: url, mount: '' };
  const mount = original.slice(0, original.length - url.length);
  return MOUNT.test(mount) ? { target: original, mount } : { target: url, mount: '' };
}

/** The request's absolute URL, or `null` when its target or `Host` is malformed (→ 400). */
function requestUrl(req: IncomingMessage, trustProxy: boolean, target: string): string | null {
  const hostLines = req.rawHeaders.filter((value, i) => i % 2 === 0 && value.toLowerCase() === 'host').length;
  if (hostLines > 1) return null;
  const rawHost = req.headers.host;
  let host = 'localhost';
  if (rawHost !== undefined) {
    const match = HOST.exec(rawHost);
    if (match === null || (match[2] !== undefined && Number(match[2]) > 65535)) return null;
    host = rawHost;
  } else if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
    return null; // HTTP/1.1 requires Host (RFC 9112 §3.2)
  }
  let url: string;
  if (target.startsWith('/')) {
    const origin = publicOrigin(req, host, trustProxy);
    url = `${origin.scheme}://${origin.host}${target}`; // origin-form; concatenated so `//x` stays a path
  }
  else if (/^https?:\/\//i.test(target)) url = target; // absolute-form, which a server must accept (RFC 9112 §3.2.2)
  else return null; // `*` (asterisk-form) and anything else name no resource here
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
}

/** True when the request announces a body (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The request body as a web stream that reads from the socket only when
 * pulled (high-water mark 0): nothing is read before the server asks, and
 * never more than it asks for. Node discards a body nobody read once the
 * response is sent.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let attached = false;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (attached) {
          req.resume();
          return;
        }
        attached = true;
        req.on('data', (chunk: Uint8Array) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (!done) controller.close();
          done = true;
        });
        req.once('close', () => {
          // The client went away before the end: the reader sees an error, not a short body.
          if (!done && !req.complete) controller.error(new Error('request body ended early'));
          done = true;
        });
      },
      cancel() {
        // Refused (413) after a partial read: drop the rest as it arrives, as Node does
        // for a body nobody read, so the connection can carry the response and the next request.
        done = true;
        req.resume();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
}

function send(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { ...BASE_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function addressOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  // Proxies append the address they saw; earlier entries are whatever the client sent.
  // So the trusted one is the rightmost (one trusted proxy in front of this server).
  const forwardedLast = trustProxy ? lastEntry(req.headers['x-forwarded-for']) : undefined;
  return forwardedLast ?? req.socket.remoteAddress;
}

/** The server's own entry for the fast path: a request read straight from node:http. */
export type ServeIncoming = (request: IncomingRequest, context: RequestContext) => Promise<Response>;

/**
 * Reads a node:http body up to `limit` bytes: `Content-Length` first, then
 * while reading; past the limit the rest is discarded as it arrives (the
 * connection can carry the 413 and the next request), as `bodyStream` does.
 */
function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(new BodyTooLarge());
  // Gone before the server asked (no `close` would come now): the same as ending early.
  if (req.destroyed && !req.complete) return Promise.reject(new ZeroVaultError('INVALID_INPUT', 'request body ended early'));
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      req.resume();
      reject(new BodyTooLarge());
    };
    const onEnd = (): void => {
      cleanup();
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    };
    // The client went away before the end: a bad request, not a short body.
    const onClose = (): void => {
      cleanup();
      if (!req.complete) reject(new ZeroVaultError('INVALID_INPUT', 'request body ended early'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
  });
}

/** A node:http request as the server reads it, without a WHATWG `Request` (the fast path). */
function incomingFrom(req: IncomingMessage, method: string, url: string, mount: string): IncomingRequest {
  // An ended stream that nobody read held no body (a parser saw zero bytes): nothing to read.
  const withBody = method !== 'GET' && method !== 'HEAD' && hasBody(req) && !req.readableEnded;
  return {
    method,
    url,
    headers: headersOf(req),
    bodyUsed: false,
    mount,
    readBody: (limit) => (withBody ? readNodeBody(req, limit) : Promise.resolve(new Uint8Array(0))),
  };
}

/** Writes a server response to node:http; a JSON body the server built is written as its text. */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  const text = jsonTextOf(response);
  const body = text !== undefined ? text : response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  // Framed by length, not chunked: node:http chunks a body written after writeHead without one,
  // which cost 10-20 % of a small verified GET (five buffers per answer, and the client parsing chunks).
  if (body !== undefined && outHeaders['content-length'] === undefined) outHeaders['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(response.status, outHeaders);
  res.end(body);
}

async function handleNode(server: FetchHandler, options: NodeHandlerOptions, req: IncomingMessage, res: ServerResponse, serve: ServeIncoming | undefined): Promise<void> {
  const method = (req.method ?? '').toUpperCase();
  // TRACE and `OPTIONS *` (a question about the whole server) are implemented by no route.
  if (UNCARRIED_METHODS.has(method) || (method === 'OPTIONS' && req.url === '*')) return send(res, 501, 'UNSUPPORTED', 'method not implemented');
  const { target, mount } = targetOf(req);
  const url = requestUrl(req, options.trustProxy === true, target);
  if (url === null) return send(res, 400, 'INVALID_INPUT', 'malformed request');
  if (req.readableDidRead) {
    // A body parser mounted first took the bytes the MAC covers; waiting for them would hang.
    options.onError?.('body-consumed-before-zerovault');
    return send(res, 500, 'STORAGE', BODY_CONSUMED_MESSAGE);
  }
  const address = addressOf(req, options.trustProxy === true);
  const context = address === undefined ? {} : { address };
  if (serve !== undefined) {
    let incoming: IncomingRequest;
    try {
      incoming = incomingFrom(req, method, url, mount);
    } catch {
      return send(res, 400, 'INVALID_INPUT', 'malformed request');
    }
    return writeResponse(res, await serve(incoming, context));
  }
  let request: Request;
  try {
    // An ended stream that nobody read held no body (a parser saw zero bytes): nothing to pass on.
    const withBody = method !== 'GET' && method !== 'HEAD' && hasBody(req) && !req.readableEnded;
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: headersOf(req),
      ...(withBody ? { body: bodyStream(req), duplex: 'half' as const } : {}),
    };
    request = new Request(url, init);
    noteMountPath(request, mount);
  } catch {
    return send(res, 400, 'INVALID_INPUT', 'malformed request');
  }
  return writeResponse(res, await server.fetch(request, context));
}

/**
 * The adapter, with the server's own fast path when it gives one (`zv.node()`
 * does): the same checks, then the request straight from node:http instead
 * of a WHATWG `Request`, and a JSON body written as its text.
 */
export function nodeHandler(server: FetchHandler, options: NodeHandlerOptions, serve?: ServeIncoming): NodeHandler {
  return (req, res) => {
    handleNode(server, options, req, res, serve).catch(() => {
      options.onError?.('adapter-failure');
      send(res, 500, 'STORAGE', 'internal error');
    });
  };
}

/** Adapts a fetch-style server to `node:http` (see the module comment). */
export function toNodeHandler(server: FetchHandler, options: NodeHandlerOptions = {}): NodeHandler {
  return nodeHandler(server, options);
}
