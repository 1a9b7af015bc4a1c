// vhost parsers and routing: Host rules, TLS ClientHello SNI, domain/location matching, the shared HTTP/HTTPS vhosts.
export { canonicalHost, MAX_HTTP_HEADER_BYTES } from './host.js';
export { matchDomain, VhostRouter, type VhostRoute } from './router.js';
export {
  MAX_CLIENT_HELLO_BYTES,
  MAX_CLIENT_HELLO_SIZE,
  parseTlsClientHelloSni,
  TLS_HANDSHAKE_RECORD,
  tlsRecordBoundary,
  type TlsClientHelloResult,
} from './tls-sni.js';
export { HttpVhost, type HttpBackend, type HttpPeer } from './http-vhost.js';
export { forwardHeaders } from './http-forward.js';
export { HttpsVhost, readClientHelloSni, type HttpsBackend } from './https-vhost.js';
export { VhostPage } from './http-pages.js';
