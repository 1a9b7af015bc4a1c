// One port for everything: decides from a connection's first bytes whether it is a tunnel client, an HTTP vhost request or an HTTPS vhost ClientHello.
import type { Duplex } from 'node:stream';
import { peekUntil } from '../net/peek.js';
import { WEBSOCKET_PREFIX } from './accept.js';
import { MAX_CLIENT_HELLO_BYTES, parseTlsClientHelloSni, tlsRecordBoundary } from './vhost/index.js';

/** Where a connection on the shared port goes. `sni` is set for 'https'. */
export type SharedPortRoute =
  { kind: 'tunnel' } | { kind: 'http' } | { kind: 'https'; sni: string } | { kind: 'websocket' };

/** The first byte of a TLS record carrying a handshake (a ClientHello). */
const TLS_HANDSHAKE_BYTE = 0x16;
/** frp's custom first byte before a tunnel client's ClientHello. */
const CUSTOM_TLS_FIRST_BYTE = 0x17;
/** How many leading bytes name an HTTP method (frps's muxer compares 3). */
const HTTP_METHOD_PREFIX_LENGTH = 3;
/** The method prefixes frps routes to the HTTP vhost. */
const HTTP_METHOD_PREFIXES = new Set(['GET', 'HEA', 'POS', 'PUT', 'DEL', 'CON', 'OPT', 'TRA', 'PAT']);

/** What the shared port serves besides tunnel clients. */
export interface SharedPortOptions {
  /** vhostHTTPPort == bindPort. */
  http: boolean;
  /** vhostHTTPSPort == bindPort. */
  https: boolean;
  /** Whether an https proxy serves this SNI (a ClientHello for any other name is a tunnel client's). */
  servesSni: (sni: string) => boolean;
  /** Deadline for the decision (frps: 10 s). */
  timeoutMs: number;
}

/**
 * Classifies a new connection on bindPort, in this order: 0x17 → tunnel (TLS); 0x16 → https vhost
 * when the ClientHello's SNI is a known https domain, else tunnel (TLS, including a ClientHello
 * that does not parse: the TLS handshake will say why); "GET /~!frp" → websocket; an HTTP method
 * → http vhost (when on); anything else → tunnel. Every byte read is put back. Rejects on
 * timeout or early close (the caller closes the connection).
 */
export function sniffSharedPort(stream: Duplex, options: SharedPortOptions): Promise<SharedPortRoute> {
  let needed = 0;
  return peekUntil<SharedPortRoute>(
    stream,
    (bytes) => {
      const first = bytes[0];
      if (first === CUSTOM_TLS_FIRST_BYTE) return { kind: 'tunnel' };
      if (first === TLS_HANDSHAKE_BYTE) {
        if (!options.https) return { kind: 'tunnel' };
        if (bytes.length < needed) return undefined;
        let parsed;
        try {
          parsed = parseTlsClientHelloSni(bytes);
        } catch {
          return { kind: 'tunnel' };
        }
        if (!parsed.complete) {
          needed = tlsRecordBoundary(bytes);
          return undefined;
        }
        const sni = parsed.sni ?? '';
        return options.servesSni(sni) ? { kind: 'https', sni } : { kind: 'tunnel' };
      }
      const head = bytes.subarray(0, WEBSOCKET_PREFIX.length);
      if (WEBSOCKET_PREFIX.subarray(0, head.length).equals(head)) {
        if (head.length < WEBSOCKET_PREFIX.length) return undefined;
        return { kind: 'websocket' };
      }
      if (options.http) {
        if (bytes.length < HTTP_METHOD_PREFIX_LENGTH) {
          const partial = bytes.toString('latin1');
          return [...HTTP_METHOD_PREFIXES].some((m) => m.startsWith(partial)) ? undefined : { kind: 'tunnel' };
        }
        if (HTTP_METHOD_PREFIXES.has(bytes.subarray(0, HTTP_METHOD_PREFIX_LENGTH).toString('latin1')))
          return { kind: 'http' };
      }
      return { kind: 'tunnel' };
    },
    { maxBytes: MAX_CLIENT_HELLO_BYTES, timeoutMs: options.timeoutMs },
  );
}
