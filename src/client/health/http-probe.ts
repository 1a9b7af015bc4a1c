// The http health check: GET http://localIP:localPort{path} with the configured headers, redirects followed; a 2xx answer is healthy (frp's doHTTPCheck).
import http from 'node:http';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import { formatAddress } from '../../net/dial.js';

/** Most body bytes read (and dropped) from one answer; past this the connection is closed (frp reads it all). */
export const MAX_HEALTH_BODY_BYTES = 64 * 1024;
/** Most header bytes accepted in one answer (Node's default, written down). */
const MAX_HEALTH_HEADER_BYTES = 16 * 1024;
/** The status class frp calls healthy: StatusCode/100 == 2. */
const HEALTHY_STATUS_CLASS = 2;
/** Go's http.Client (frp's check) fails on the 10th redirect answer with "stopped after 10 redirects": 10 requests at most. */
export const MAX_HEALTH_REDIRECTS = 10;
/** The statuses Go's http.Client follows for a GET. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Headers Go drops when a redirect goes to another host (plus Host, which names the first one). */
const CROSS_HOST_DROPPED: ReadonlySet<string> = new Set([
  'host',
  'authorization',
  'www-authenticate',
  'cookie',
  'cookie2',
]);
/** The port of an http: URL that names none. */
const HTTP_DEFAULT_PORT = 80;

export interface HttpProbeTarget {
  readonly host: string;
  readonly port: number;
  /** healthCheck.path; a "/" is put in front when missing, as frp does. */
  readonly path: string;
  /** healthCheck.httpHeaders in order; a later one of the same name wins (Go's Header.Set), "Host" sets the Host. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** The check (connect, request, the answer's headers) must finish within this; the drain of the body too. */
  readonly timeoutMs: number;
}

/** The request path as frp builds the URL: "/" + path when path does not start with "/". */
export function requestPath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** The headers to send: one value per name (case-insensitive, the last one written wins). */
export function requestHeaders(headers: HttpProbeTarget['headers']): Record<string, string> {
  const byName = new Map<string, { name: string; value: string }>();
  for (const h of headers) byName.set(h.name.toLowerCase(), { name: h.name, value: h.value });
  return Object.fromEntries([...byName.values()].map((h) => [h.name, h.value]));
}

/** One answer: its status and, for a redirect, where it points. */
interface Hop {
  readonly status: number;
  readonly location: string | undefined;
}

/**
 * Resolves when the local service answers 2xx within the timeout, after following up to
 * MAX_HEALTH_REDIRECTS redirects as frp's Go http.Client does; rejects with BurrowError
 * HEALTH_CHECK (another status, too many redirects, a redirect off http), TIMEOUT or NETWORK.
 * `signal` aborts the check (CLOSED): the monitor stopped, nothing may stay open after it.
 */
export async function probeHttp(target: HttpProbeTarget, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + target.timeoutMs;
  const first = new URL(`http://${formatAddress(target.host, target.port)}${requestPath(target.path)}`);
  let url = first;
  let headers = requestHeaders(target.headers);
  for (let redirects = 0; ; redirects += 1) {
    const hop = await getOnce(url, headers, deadline, target.timeoutMs, signal);
    const location = REDIRECT_STATUSES.has(hop.status) ? hop.location : undefined;
    if (location === undefined) {
      if (Math.floor(hop.status / 100) === HEALTHY_STATUS_CLASS) return;
      throw new BurrowError(ErrorCode.HEALTH_CHECK, `GET ${shown(url)}: status ${hop.status}, not 2xx`);
    }
    // This is redirect answer number redirects + 1; Go fails on the 10th instead of following it.
    if (redirects + 1 >= MAX_HEALTH_REDIRECTS)
      throw new BurrowError(
        ErrorCode.HEALTH_CHECK,
        `GET ${shown(first)}: stopped after ${MAX_HEALTH_REDIRECTS} redirects`,
      );
    const next = new URL(location, url);
    if (next.protocol !== 'http:')
      throw new BurrowError(
        ErrorCode.HEALTH_CHECK,
        `GET ${shown(url)}: redirect to ${shown(next)} not followed (not http)`,
      );
    // Go keeps the request's headers on a redirect but drops the credentials and the Host to another host.
    if (next.host !== url.host) headers = withoutCrossHostHeaders(headers);
    url = next;
  }
}

/** A URL as logs and errors show it: without its query, which may carry a credential (no secrets in logs). */
export function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search === '' ? '' : '?…'}`;
}

/** The headers without those Go's http.Client drops when a redirect leaves the host. */
function withoutCrossHostHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CROSS_HOST_DROPPED.has(name.toLowerCase())));
}

/**
 * One GET; resolves with the status once the answer's headers are in. Its body is drained (up to
 * MAX_HEALTH_BODY_BYTES, before the deadline) without changing the verdict, as frp ignores errors
 * while draining; a redirect's connection is closed at once.
 */
function getOnce(
  url: URL,
  headers: Record<string, string>,
  deadline: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Hop> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, hop?: Hop): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else if (hop) resolve(hop);
    };
    const req = http.request({
      // URL keeps an IPv6 host in brackets; the request wants it bare.
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? HTTP_DEFAULT_PORT : Number(url.port),
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers,
      // A fresh connection per request, closed after it: nothing stays open between checks.
      agent: false,
      maxHeaderSize: MAX_HEALTH_HEADER_BYTES,
      ...(signal ? { signal } : {}),
    });
    const timer = setTimeout(
      () => {
        finish(new BurrowError(ErrorCode.TIMEOUT, `GET ${shown(url)}: no answer within ${timeoutMs} ms`));
        req.destroy();
      },
      Math.max(0, deadline - Date.now()),
    );
    // The timer also bounds the drain after the verdict; it ends with the connection.
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      const code = err.name === 'AbortError' ? ErrorCode.CLOSED : ErrorCode.NETWORK;
      finish(new BurrowError(code, `GET ${shown(url)}: ${errorMessage(err)}`, { cause: err }));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      finish(undefined, { status, location: res.headers.location });
      if (REDIRECT_STATUSES.has(status)) {
        req.destroy();
        return;
      }
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_HEALTH_BODY_BYTES) req.destroy();
      });
      res.on('end', () => req.destroy());
      // The verdict is in; errors while draining (a reset, our own destroy) change nothing.
      res.on('error', () => req.destroy());
    });
    req.end();
  });
}
