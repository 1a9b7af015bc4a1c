// The pages the HTTP vhost answers itself: 404 for unknown hosts (or custom404Page's file), 401 for missing credentials, 502/504 when the backend fails.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { BURROW_VERSION } from '../../version.js';

/** Largest custom404Page file read; a bigger one is refused (with a warning) for the built-in page. */
export const MAX_CUSTOM_PAGE_BYTES = 1024 * 1024;

/** What the vhost says in the Server header of its own pages (frp says "frp/<version>"). */
export const VHOST_SERVER_HEADER = `burrow/${BURROW_VERSION}`;

/** The realm of the basic-auth challenge (frp's wording). */
export const BASIC_AUTH_REALM = 'Restricted';

/** A small HTML page with a title and one paragraph. */
function page(title: string, text: string): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    `<head><title>${title}</title></head>`,
    '<body>',
    `<h1>${title}</h1>`,
    `<p>${text}</p>`,
    '<p><em>burrow</em></p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The body of each page the vhost writes, by status. */
export const VhostPage = {
  notFound: page('Not Found', 'The page you requested was not found: no tunnel serves this host.'),
  unauthorized: page('Unauthorized', 'This tunnel requires a user name and password.'),
  badGateway: page('Bad Gateway', 'The tunnel for this host is down, or its local service did not answer.'),
  gatewayTimeout: page('Gateway Timeout', 'The local service behind this tunnel did not answer in time.'),
} as const;

/** A complete HTTP/1.1 response that closes the connection, for sockets no HTTP server owns (upgrades). */
export function rawResponse(status: number, reason: string, body: string, extra: Record<string, string> = {}): string {
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    `Server: ${VHOST_SERVER_HEADER}`,
    'Content-Type: text/html; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * The 404 page of the http vhost: the content of `file` (custom404Page), read once here, or the
 * built-in page when `file` is "". A file that cannot be read, or is over MAX_CUSTOM_PAGE_BYTES,
 * is logged as a warning and the built-in page is used, as frp does when its read fails.
 */
export function notFoundPage(file: string, logger: Logger): string {
  if (file === '') return VhostPage.notFound;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size > MAX_CUSTOM_PAGE_BYTES) {
      logger.warn(
        { file, size, max: MAX_CUSTOM_PAGE_BYTES },
        'custom404Page: the file is too large; the built-in 404 page is used',
      );
      return VhostPage.notFound;
    }
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read).toString('utf8');
  } catch (err) {
    logger.warn({ file, err: errorMessage(err) }, 'custom404Page: cannot read the file; the built-in 404 page is used');
    return VhostPage.notFound;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
