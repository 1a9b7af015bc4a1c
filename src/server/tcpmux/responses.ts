// What the tcpmux multiplexer answers a CONNECT itself: 200 before the tunnel, or an error page before it closes.
import { BASIC_AUTH_REALM, rawResponse, VhostPage } from '../vhost/http-pages.js';

/**
 * The answer that opens the tunnel (RFC 9110: a 2xx to CONNECT carries no Content-Length; frp 0.70
 * writes "200 OK" with Content-Length: 0, which clients read the same way).
 */
export const CONNECT_ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

/** The error answers, each a complete response that closes the connection. */
export const TcpmuxAnswer = {
  /** No proxy serves the host (frp: its 404 page). */
  notFound: (): string => rawResponse(404, 'Not Found', VhostPage.notFound),
  /** Missing or wrong Proxy-Authorization for a proxy with httpUser (frp: 407 with this challenge). */
  proxyAuthRequired: (): string =>
    rawResponse(407, 'Proxy Authentication Required', 'Proxy authentication required.\n', {
      'Proxy-Authenticate': `Basic realm="${BASIC_AUTH_REALM}"`,
    }),
  /** A head that is not HTTP, or a CONNECT with a body. */
  badRequest: (reason: string): string => rawResponse(400, 'Bad Request', `${reason}\n`),
  /** Another method than CONNECT (frp closes without an answer). */
  methodNotAllowed: (method: string): string =>
    rawResponse(405, 'Method Not Allowed', `only CONNECT is served on this port, not ${method}\n`, {
      Allow: 'CONNECT',
    }),
  /** A head begun but not finished within the header timeout. */
  requestTimeout: (): string => rawResponse(408, 'Request Timeout', 'the request head did not arrive in time\n'),
  /** A head larger than the bound. */
  headTooLarge: (): string =>
    rawResponse(431, 'Request Header Fields Too Large', 'the request head is larger than this server reads\n'),
  /** The proxy's client gave no work connection. */
  badGateway: (): string => rawResponse(502, 'Bad Gateway', VhostPage.badGateway),
} as const;
