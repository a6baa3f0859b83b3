/**
 * Where a framework mounted the server. Express and Connect strip the mount
 * path from `req.url` (`app.use('/zv', zv.node())` hands the handler
 * `/token` for `POST /zv/token`), yet a DPoP proof names the URL the
 * browser sent. So the Node adapter builds the `Request` from the full
 * target (`req.originalUrl`) and notes here the prefix Express stripped; the
 * server then answers under that prefix. A `WeakMap`, not a header or a
 * public option: only the adapter in this process may say it, never a client.
 *
 * @module
 */

const mounts = new WeakMap<Request, string>();

/** Notes that `request` reached the server under the mount path `prefix` (e.g. `/zv`). */
export function noteMountPath(request: Request, prefix: string): void {
  if (prefix !== '') mounts.set(request, prefix);
}

/**
 * The path the server's routes answer under for `request`: `basePath` when
 * it already names the mount (`basePath: '/zv'` mounted at `/zv`), else the
 * mount path followed by `basePath` (empty when neither is set).
 */
export function effectiveBasePath(request: Request, basePath: string): string {
  return basePathUnder(mountPathOf(request), basePath);
}

/** The mount path noted for `request`, or `''`. */
export function mountPathOf(request: Request): string {
  return mounts.get(request) ?? '';
}

/** {@link effectiveBasePath} for a known mount path (`''` for none). */
export function basePathUnder(mount: string, basePath: string): string {
  if (mount === '') return basePath;
  if (basePath === mount || basePath.startsWith(`${mount}/`)) return basePath;
  return `${mount}${basePath}`;
}
