// How the http vhost forwards a request and its answer: header rewriting both ways (hop-by-hop, Host, X-Forwarded-*), bodies.
import type http from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { HttpBackend } from './http-vhost.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded as they are. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The header names a Connection header lists (they are hop-by-hop for this message), or undefined. */
function connectionTokens(value: string | undefined): Set<string> | undefined {
  // The usual values name no header that is not hop-by-hop anyway.
  if (!value || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Upgrade')
    return undefined;
  const tokens = new Set<string>();
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') tokens.add(token);
  }
  return tokens;
}

/** The lower-cased names of a set of headers, or undefined when there are none. */
function lowerNames(headers: Readonly<Record<string, string>>): Set<string> | undefined {
  const names = Object.keys(headers);
  return names.length === 0 ? undefined : new Set(names.map((name) => name.toLowerCase()));
}

/**
 * The request headers sent on: hop-by-hop headers dropped (those named in Connection too), Host
 * rewritten, X-Forwarded-For extended, X-Real-IP / X-Forwarded-Host / X-Forwarded-Proto set, then
 * requestHeaders.set applied (replacing any header of the same name). `keepUpgrade` keeps
 * Connection/Upgrade for an upgrade request. One pass over the raw headers, no grouping: the
 * pairs go to Node as they are.
 */
export function forwardHeaders(
  req: http.IncomingMessage,
  backend: HttpBackend,
  clientIp: string,
  keepUpgrade: boolean,
): [string, string][] {
  const named = connectionTokens(req.headers.connection);
  const replaced = lowerNames(backend.setHeaders);
  const host = req.headers.host ?? '';
  const out: [string, string][] = [];
  const keep = (lower: string): boolean => replaced === undefined || !replaced.has(lower);
  if (keep('host')) out.push(['Host', backend.rewriteHost || host]);
  const raw = req.rawHeaders;
  let forwardedFor = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'x-real-ip' || lower === 'x-forwarded-host' || lower === 'x-forwarded-proto')
      continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${raw[i + 1]!}` : raw[i + 1]!;
      continue;
    }
    if (
      (HOP_BY_HOP.has(lower) || named?.has(lower)) &&
      !(keepUpgrade && (lower === 'connection' || lower === 'upgrade'))
    )
      continue;
    if (!keep(lower)) continue;
    out.push([name, raw[i + 1]!]);
  }
  if (keep('x-forwarded-for')) out.push(['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp]);
  if (keep('x-real-ip')) out.push(['X-Real-IP', clientIp]);
  if (host && keep('x-forwarded-host')) out.push(['X-Forwarded-Host', host]);
  if (keep('x-forwarded-proto')) out.push(['X-Forwarded-Proto', 'http']);
  for (const [name, value] of Object.entries(backend.setHeaders)) out.push([name, value]);
  return out;
}

/** The response headers sent to the user: hop-by-hop ones dropped, then responseHeaders.set applied. */
export function responseHeaders(upstream: http.IncomingMessage, backend: HttpBackend): [string, string][] {
  const replaced = lowerNames(backend.setResponseHeaders);
  const named = connectionTokens(upstream.headers.connection);
  const raw = upstream.rawHeaders;
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || replaced?.has(lower)) continue;
    out.push([name, raw[i + 1]!]);
  }
  for (const [name, value] of Object.entries(backend.setResponseHeaders)) out.push([name, value]);
  return out;
}

/** True when a request has no body (no Content-Length above 0, no Transfer-Encoding). */
export function bodiless(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * Copies `from` into `to` until it ends, pausing `from` while `to` is full: pipe() without its
 * dozen listeners and once() wrappers per request. Errors are the caller's (as with pipe()).
 */
export function pump(from: Readable, to: Writable): void {
  const onDrain = (): void => {
    from.resume();
  };
  to.on('drain', onDrain);
  from.on('data', (chunk: Buffer) => {
    if (to.destroyed) return; // the exchange failed; its 'close' handlers clean up
    if (!to.write(chunk)) from.pause();
  });
  from.on('end', () => {
    to.off('drain', onDrain);
    to.end();
  });
}
