// The static_file plugin: serves the files under localPath over HTTP (prefix stripped, Basic auth, ranges, folder listings).
import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import { basename, join, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { authFailDelay, basicAuthOk, type BasicCredentials } from './basic-auth.js';
import { HeadDeadlines } from './head-deadline.js';
import { PluginHttpServer } from './http-bridge.js';
import type { ClientPlugin, PluginFactory } from './plugin.js';
import { listingPage, type ListingEntry } from './static-file-listing.js';
import { parseRange } from './static-file-range.js';
import { contentTypeOf } from './static-file-types.js';

/** Most entries a folder listing shows; a huge folder is cut there rather than read whole into memory. */
export const MAX_LISTING_ENTRIES = 10_000;

/** The file a folder serves in place of its listing (as http.FileServer). */
const INDEX_FILE = 'index.html';

/** The folder's real path (symlinks resolved); throws BurrowError PLUGIN when it is missing or not a folder. */
function openRoot(localPath: string): string {
  let real: string;
  let info: Stats;
  try {
    real = realpathSync(localPath);
    info = statSync(real);
  } catch (err) {
    throw new BurrowError(ErrorCode.PLUGIN, `static_file: localPath "${localPath}": ${errorMessage(err)}`, {
      cause: err,
    });
  }
  if (!info.isDirectory()) {
    throw new BurrowError(ErrorCode.PLUGIN, `static_file: localPath "${localPath}" is not a folder`);
  }
  return real;
}

/** A short plain-text answer (http.Error's shape). */
function answer(res: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** A redirect relative to the request's own path (http.FileServer's localRedirect), the query kept. */
function redirect(res: http.ServerResponse, location: string, query: string): void {
  res.writeHead(301, { Location: `${location}${query}`, 'Content-Length': 0 });
  res.end();
}

/** The real path of `target` when it lies inside `root`; undefined when missing or (through a symlink) outside. */
async function inside(root: string, target: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return undefined;
    throw err;
  }
  // A symlink pointing outside the folder is treated as missing: only what lies under localPath is served.
  return real === root || real.startsWith(root + sep) ? real : undefined;
}

class StaticFiles {
  private readonly prefix: string;

  constructor(
    private readonly root: string,
    stripPrefix: string,
    private readonly creds: BasicCredentials,
    private readonly proxyName: string,
    private readonly logger: Logger,
  ) {
    const trimmed = stripPrefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed === '' ? '/' : `/${trimmed}/`;
  }

  async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const query = q >= 0 ? url.slice(q) : '';
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      answer(res, 400, 'Bad Request: malformed URL path');
      return;
    }
    if (!path.startsWith(this.prefix)) {
      answer(res, 404, '404 page not found');
      return;
    }
    if (!basicAuthOk(req.headers.authorization, this.creds)) {
      await authFailDelay();
      answer(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="Restricted"' });
      return;
    }
    // ".." (also sent encoded as %2e%2e) never walks up: refused outright rather than cleaned away.
    if (path.includes('\0') || path.split('/').includes('..')) {
      answer(res, 403, 'Forbidden: ".." in the path');
      return;
    }
    const relative = path.slice(this.prefix.length);
    const real = await inside(this.root, join(this.root, relative));
    if (real === undefined) {
      answer(res, 404, '404 page not found');
      return;
    }
    const info = await stat(real);
    if (info.isDirectory()) {
      await this.serveFolder(req, res, real, path, query);
      return;
    }
    if (path.endsWith('/')) {
      redirect(res, `../${basename(path)}`, query);
      return;
    }
    if (path.endsWith(`/${INDEX_FILE}`)) {
      redirect(res, './', query);
      return;
    }
    this.sendFile(req, res, real, info);
  }

  private async serveFolder(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    real: string,
    path: string,
    query: string,
  ): Promise<void> {
    if (!path.endsWith('/')) {
      redirect(res, `${basename(path)}/`, query);
      return;
    }
    const index = await inside(this.root, join(real, INDEX_FILE));
    if (index !== undefined) {
      const info = await stat(index);
      if (info.isFile()) {
        this.sendFile(req, res, index, info);
        return;
      }
    }
    const entries: ListingEntry[] = [];
    const dir = await opendir(real);
    for await (const entry of dir) {
      entries.push({ name: entry.name, isDirectory: entry.isDirectory() });
      if (entries.length >= MAX_LISTING_ENTRIES) break;
    }
    const body = listingPage(entries);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private sendFile(req: http.IncomingMessage, res: http.ServerResponse, real: string, info: Stats): void {
    if (!info.isFile()) {
      // A FIFO or device would block or never end: only regular files are served.
      answer(res, 403, 'Forbidden: not a regular file');
      return;
    }
    const lastModified = info.mtime.toUTCString();
    const since = Date.parse(req.headers['if-modified-since'] ?? '');
    if (!Number.isNaN(since) && Math.floor(info.mtimeMs / 1000) * 1000 <= since) {
      res.writeHead(304, { 'Last-Modified': lastModified });
      res.end();
      return;
    }
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentTypeOf(real),
      'Last-Modified': lastModified,
      'Accept-Ranges': 'bytes',
    };
    const ifRange = req.headers['if-range'];
    const range = ifRange === undefined || ifRange === lastModified ? parseRange(req.headers.range, info.size) : 'all';
    if (range === 'unsatisfiable') {
      answer(res, 416, 'Range Not Satisfiable', { 'Content-Range': `bytes */${info.size}` });
      return;
    }
    const start = range === 'all' ? 0 : range.start;
    const end = range === 'all' ? info.size - 1 : range.end;
    if (range !== 'all') headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
    headers['Content-Length'] = info.size === 0 ? 0 : end - start + 1;
    res.writeHead(range === 'all' ? 200 : 206, headers);
    if (req.method === 'HEAD' || info.size === 0) {
      res.end();
      return;
    }
    pipeline(createReadStream(real, { start, end }), res, (err) => {
      if (err) this.logger.debug({ proxy: this.proxyName, err: errorMessage(err) }, 'static_file: transfer cut');
    });
  }
}

export const createStaticFilePlugin: PluginFactory = (options, { proxyName, logger }) => {
  const root = openRoot(options.localPath);
  const files = new StaticFiles(
    root,
    options.stripPrefix,
    { user: options.httpUser, password: options.httpPassword },
    proxyName,
    logger,
  );
  const bridge = new PluginHttpServer((req, res) => {
    files.serve(req, res).catch((err: unknown) => {
      logger.warn({ proxy: proxyName, path: req.url, err: errorMessage(err) }, 'static_file: request error');
      if (res.headersSent) res.destroy();
      else answer(res, 500, 'Internal Server Error');
    });
  });
  const deadlines = new HeadDeadlines(bridge.server);
  const plugin: ClientPlugin = {
    type: 'static_file',
    handle({ conn }) {
      deadlines.watch(conn);
      bridge.handle(conn);
    },
    close() {
      return bridge.close();
    },
  };
  return plugin;
};
