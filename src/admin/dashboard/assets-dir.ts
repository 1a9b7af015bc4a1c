// webServer.assetsDir: the dashboard's files served from a folder, as frp's http.FileServer does (/static/… → the folder, / → /static/), never outside it.
import { realpathSync, statSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import { errorReply, type Reply } from '../http.js';
import type { Route, RouteContext } from '../router.js';

/** Largest file served from assetsDir: far above any dashboard bundle, and a bound on memory per request. */
export const MAX_ASSET_BYTES = 32 * 1024 * 1024;
/** The page a folder stands for (http.FileServer's rule). */
const INDEX_FILE = 'index.html';
/** The URL prefix frp serves the folder under. */
const STATIC_PREFIX = '/static/';

/** Content types by extension; anything else is application/octet-stream (with nosniff, never run as a script). */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/**
 * The decoded segments of a URL path below the folder, or undefined when one would leave it or
 * name something odd: "." and ".." (also percent-encoded), an encoded "/" or "\", a NUL byte, or
 * bad percent-encoding. Empty segments ("a//b", a trailing "/") are dropped.
 */
export function assetSegments(urlPath: string): string[] | undefined {
  const out: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
    out.push(segment);
  }
  return out;
}

/**
 * The real path of the file `segments` names inside `root` (itself a real path), following a
 * folder to its index.html; undefined when there is none, or when a symbolic link leads outside
 * `root`.
 */
export async function resolveAsset(root: string, segments: readonly string[]): Promise<string | undefined> {
  let target: string;
  try {
    target = await realpath(path.join(root, ...segments));
    if ((await stat(target)).isDirectory()) target = await realpath(path.join(target, INDEX_FILE));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  const inside = target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  return inside ? target : undefined;
}

/** The folder's real path; throws BurrowError CONFIG naming the key when it is not a readable folder. */
export function assetsRoot(dir: string): string {
  try {
    const root = realpathSync(dir);
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
    return root;
  } catch (err) {
    throw new BurrowError(ErrorCode.CONFIG, `webServer.assetsDir: ${JSON.stringify(dir)}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** Reads one file of at most MAX_ASSET_BYTES (the size is checked on the open file, not before it). */
async function readAsset(file: string): Promise<Buffer | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_ASSET_BYTES) return undefined;
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buf, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buf.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Serves the file a request path names below `prefix` from `root`, with the dashboard's headers. */
async function serve(root: string, ctx: RouteContext, prefix: string, headers: Record<string, string>): Promise<Reply> {
  const pathname = new URL(ctx.req.url ?? '/', 'http://admin.invalid').pathname;
  const segments = assetSegments(pathname.slice(prefix.length - 1));
  if (segments === undefined) return errorReply(400, `path ${JSON.stringify(pathname)} is not a file name`);
  const file = await resolveAsset(root, segments);
  if (file === undefined) return errorReply(404, `no such file: ${pathname}`);
  const body = await readAsset(file);
  if (body === undefined) return errorReply(413, `file is over the limit of ${MAX_ASSET_BYTES} bytes: ${pathname}`);
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return { status: 200, body, contentType: type, headers };
}

/**
 * The dashboard routes when webServer.assetsDir is set, frp's: `/` redirects to `/static/`,
 * `/static/…` serves the folder's files (a folder: its index.html) and `/favicon.ico` the folder's.
 * `headers` go on every file (the dashboard's Content-Security-Policy).
 */
export function assetsDirRoutes(dir: string, headers: Record<string, string>): Route[] {
  const root = assetsRoot(dir);
  return [
    {
      method: 'GET',
      pattern: '/',
      handler: () => ({ status: 301, text: '', headers: { Location: STATIC_PREFIX } }),
    },
    { method: 'GET', pattern: '/static/*', handler: (ctx) => serve(root, ctx, STATIC_PREFIX, headers) },
    { method: 'GET', pattern: '/favicon.ico', handler: (ctx) => serve(root, ctx, '/', headers) },
  ];
}
