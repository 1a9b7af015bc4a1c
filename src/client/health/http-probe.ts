// The http health check: GET http://localIP:localPort{path} with the configured headers; a 2xx answer is healthy (frp's doHTTPCheck).
import http from 'node:http';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import { formatAddress } from '../../net/dial.js';

/** Most body bytes read (and dropped) from one answer; past this the connection is closed (frp reads it all). */
export const MAX_HEALTH_BODY_BYTES = 64 * 1024;
/** Most header bytes accepted in one answer (Node's default, written down). */
const MAX_HEALTH_HEADER_BYTES = 16 * 1024;
/** The status class frp calls healthy: StatusCode/100 == 2. */
const HEALTHY_STATUS_CLASS = 2;

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

/**
 * Resolves when the local service answers 2xx within the timeout; rejects with BurrowError
 * HEALTH_CHECK (other status), TIMEOUT or NETWORK. The body is drained up to MAX_HEALTH_BODY_BYTES
 * within the same timeout and does not change the verdict (frp ignores errors while draining it).
 * `signal` aborts the check (CLOSED): the monitor stopped, nothing may stay open after it.
 */
export function probeHttp(target: HttpProbeTarget, signal?: AbortSignal): Promise<void> {
  const where = `http://${formatAddress(target.host, target.port)}${requestPath(target.path)}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    const req = http.request({
      host: target.host,
      port: target.port,
      method: 'GET',
      path: requestPath(target.path),
      headers: requestHeaders(target.headers),
      // A fresh connection per check, closed after it: nothing stays open between checks.
      agent: false,
      maxHeaderSize: MAX_HEALTH_HEADER_BYTES,
      ...(signal ? { signal } : {}),
    });
    const timer = setTimeout(() => {
      finish(new BurrowError(ErrorCode.TIMEOUT, `GET ${where}: no answer within ${target.timeoutMs} ms`));
      req.destroy();
    }, target.timeoutMs);
    // The timer also bounds the drain after the verdict; it ends with the connection.
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      const code = err.name === 'AbortError' ? ErrorCode.CLOSED : ErrorCode.NETWORK;
      finish(new BurrowError(code, `GET ${where}: ${errorMessage(err)}`, { cause: err }));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (Math.floor(status / 100) === HEALTHY_STATUS_CLASS) finish();
      else finish(new BurrowError(ErrorCode.HEALTH_CHECK, `GET ${where}: status ${status}, not 2xx`));
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
