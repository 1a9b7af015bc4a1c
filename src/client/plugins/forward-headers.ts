// The request and response headers of the http2http/http2https/https2http/https2https forwarders, as frp's httputil.ReverseProxy sets them.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers a proxy never forwards (Go's net/http/httputil hopHeaders, RFC 9110 §7.6.1). */
const HOP_HEADERS = [
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Forwarding headers Go's ReverseProxy drops from the outgoing request before frp's Rewrite runs. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];

/**
 * What a plugin does with X-Forwarded-*: frp's http2http drops them; http2https passes the user's
 * X-Forwarded-For/-Host/-Proto on unchanged; https2http and https2https append the user's address to
 * X-Forwarded-For and set X-Forwarded-Host (the request's Host) and X-Forwarded-Proto "https".
 */
export type ForwardedMode = 'drop' | 'pass' | 'append';

/** What the outgoing request's headers are built from. */
export interface ForwardRequest {
  /** The incoming headers (HTTP/2 pseudo-headers are skipped). */
  headers: IncomingHttpHeaders;
  /** The incoming Host (HTTP/1 Host, HTTP/2 :authority); "" when absent. */
  host: string;
  /** The user's address (StartWorkConn's source); "" when unknown. */
  srcAddr: string;
  /** The connection the user spoke is TLS (X-Forwarded-Proto). */
  tls: boolean;
}

/** What the plugin's config asks for. */
export interface ForwardRules {
  mode: ForwardedMode;
  /** hostHeaderRewrite; "" keeps the user's Host. */
  hostHeaderRewrite: string;
  /** requestHeaders.set: set (replacing) on every request. */
  setHeaders: Readonly<Record<string, string>>;
}

/** Header names the Connection header lists: they are hop-by-hop for this message too. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const tokens = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') tokens.add(token);
  }
  return tokens;
}

/** `headers` without hop-by-hop ones, HTTP/2 pseudo-headers and `drop` (lower-case names). */
function copyEndToEnd(headers: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const skip = new Set([...HOP_HEADERS, ...connectionTokens(headers), ...drop]);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || skip.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The incoming value of a header as Go's Header["Name"] would hold it: every value, in order. */
function values(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The headers of the request sent to localAddr, Host included. */
export function outgoingRequestHeaders(req: ForwardRequest, rules: ForwardRules): OutgoingHttpHeaders {
  const out = copyEndToEnd(req.headers, ['host', ...FORWARDING_HEADERS]);
  // Go keeps "TE: trailers" (the one TE value a proxy may pass on, for gRPC-style trailers).
  if (values(req.headers, 'te').some((v) => v.toLowerCase().includes('trailers'))) out.te = 'trailers';
  const prior = values(req.headers, 'x-forwarded-for');
  if (rules.mode === 'pass') {
    for (const name of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']) {
      const v = req.headers[name];
      if (v !== undefined) out[name] = v;
    }
  } else if (rules.mode === 'append') {
    // httputil.ProxyRequest.SetXForwarded: prior values joined, then the user's address; no address, no header.
    if (req.srcAddr !== '') out['x-forwarded-for'] = [...prior, req.srcAddr].join(', ');
    out['x-forwarded-host'] = req.host;
    out['x-forwarded-proto'] = req.tls ? 'https' : 'http';
  }
  const host = rules.hostHeaderRewrite !== '' ? rules.hostHeaderRewrite : req.host;
  for (const [name, value] of Object.entries(rules.setHeaders)) {
    // Go's client sends req.Host, never Header["Host"]: a "Host" in requestHeaders.set has no effect in frp either.
    if (name.toLowerCase() === 'host') continue;
    out[name.toLowerCase()] = value;
  }
  if (host !== '') out.host = host;
  return out;
}

/** The headers of the response passed back to the user: hop-by-hop ones removed. */
export function outgoingResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return copyEndToEnd(headers);
}

/** An HTTP/1.1 response head as bytes to write on a raw socket (an upgrade's answer); `headers` as outgoingResponseHeaders gives them. */
export function responseHead(status: number, statusMessage: string, headers: OutgoingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${status} ${statusMessage}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A host as frp's CanonicalHost compares it: lower case, no port, no trailing dot. */
export function canonicalHost(host: string): string {
  let h = host.toLowerCase();
  const colons = h.split(':').length - 1;
  if (colons === 1) h = h.slice(0, h.lastIndexOf(':'));
  else if (colons > 1 && h.startsWith('[') && h.includes(']:')) h = h.slice(1, h.lastIndexOf(']:'));
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** True when a TLS request names another host than its SNI did (frp answers 421 Misdirected Request). */
export function isMisdirected(sni: string, host: string): boolean {
  if (sni === '') return false;
  return canonicalHost(sni) !== canonicalHost(host);
}
