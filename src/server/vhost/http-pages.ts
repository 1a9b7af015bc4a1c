// The pages the HTTP vhost answers itself: 404 for unknown hosts, 401 for missing credentials, 502/504 when the backend fails.
import { BURROW_VERSION } from '../../version.js';

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
