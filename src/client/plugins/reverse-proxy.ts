// Forwards each HTTP request a plugin receives (HTTP/1.1 or HTTP/2) to localAddr over HTTP or HTTPS, as frp's httputil.ReverseProxy.
import http from 'node:http';
import type http2 from 'node:http2';
import https from 'node:https';
import { isIP } from 'node:net';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Duplex } from 'node:stream';
import { relay } from '../../net/relay.js';
import { outgoingRequestHeaders, outgoingResponseHeaders, responseHead, type ForwardRules } from './forward-headers.js';

/** A request to localAddr is abandoned (502, as Go's ReverseProxy) after this long without a byte either way. */
export const LOCAL_HTTP_IDLE_TIMEOUT_MS = 5 * 60_000;

/** Idle keep-alive connections kept to localAddr (Go's http.Transport keeps 2 per host by default; more helps h2 users). */
const LOCAL_MAX_FREE_SOCKETS = 16;

/** What the user gets when an upgrade cannot reach localAddr (Go's ReverseProxy: 502, empty body). */
const UPGRADE_FAILED = 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** Where a plugin's user connection came from, stored on the socket the HTTP server serves (it also reaches an HTTP/2 session's socket proxy). */
export const SOURCE_ADDR = Symbol('burrow.pluginSourceAddr');

/** A socket tagged with the user's address. */
export interface SourceTagged {
  [SOURCE_ADDR]?: string;
}

/** Tags `socket` with the user's address (StartWorkConn's src_addr) for X-Forwarded-For. */
export function tagSource(socket: object, srcAddr: string): void {
  (socket as SourceTagged)[SOURCE_ADDR] = srcAddr;
}

/** "host:port" (IPv6 in brackets) → host and port; throws BurrowError PLUGIN when it is not that. */
export function parseLocalAddr(localAddr: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(localAddr);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new BurrowError(ErrorCode.PLUGIN, `localAddr "${localAddr}" is not host:port`);
  }
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

/** Refuses, at start, a hostHeaderRewrite or requestHeaders.set entry Node could never send (BurrowError PLUGIN naming it). */
function checkRules(rules: ForwardRules): void {
  const check = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      throw new BurrowError(ErrorCode.PLUGIN, `${what}: ${errorMessage(err)}`, { cause: err });
    }
  };
  if (rules.hostHeaderRewrite !== '') {
    check('hostHeaderRewrite', () => http.validateHeaderValue('host', rules.hostHeaderRewrite));
  }
  for (const [name, value] of Object.entries(rules.setHeaders)) {
    check(`requestHeaders.set.${name}`, () => {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    });
  }
}

/** An incoming request of either HTTP version, and its response. */
export type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

/** What a forwarder is set up with. */
export interface ForwarderOptions {
  localAddr: string;
  /** How localAddr is spoken to; https skips verifying its certificate, as frp (InsecureSkipVerify). */
  scheme: 'http' | 'https';
  rules: ForwardRules;
  proxyName: string;
  logger: Logger;
}

/** A reverse proxy to one local address, with a keep-alive pool of connections to it. */
export class HttpForwarder {
  private readonly host: string;
  private readonly port: number;
  private readonly agent: http.Agent;

  constructor(private readonly options: ForwarderOptions) {
    ({ host: this.host, port: this.port } = parseLocalAddr(options.localAddr));
    checkRules(options.rules);
    this.agent =
      options.scheme === 'https'
        ? new https.Agent({ keepAlive: true, maxFreeSockets: LOCAL_MAX_FREE_SOCKETS, rejectUnauthorized: false })
        : new http.Agent({ keepAlive: true, maxFreeSockets: LOCAL_MAX_FREE_SOCKETS });
  }

  /** The request to localAddr for `req`, its headers per the rules; `upgrade` keeps Connection/Upgrade on a connection of its own. */
  private request(req: AnyRequest, upgrade = false): http.ClientRequest {
    const h2 = req.httpVersionMajor === 2;
    const host = (h2 ? (req.headers[':authority'] as string | undefined) : undefined) ?? req.headers.host ?? '';
    const srcAddr = (req.socket as SourceTagged)[SOURCE_ADDR] ?? '';
    const headers = outgoingRequestHeaders(
      { headers: req.headers, host, srcAddr, tls: 'encrypted' in req.socket && req.socket.encrypted === true },
      this.options.rules,
    );
    // Go's ReverseProxy puts the upgrade back after dropping the hop-by-hop headers.
    if (upgrade) Object.assign(headers, { connection: 'Upgrade', upgrade: req.headers.upgrade });
    const https_ = this.options.scheme === 'https';
    const out = (https_ ? https : http).request({
      host: this.host,
      port: this.port,
      method: req.method,
      path: req.url,
      headers,
      // An upgraded connection leaves the pool for good: give it one of its own.
      agent: upgrade ? false : this.agent,
      // Go's Transport names localAddr's host by SNI, never the user's Host; an IP address gets none.
      ...(https_ ? { servername: isIP(this.host) ? '' : this.host, rejectUnauthorized: false } : {}),
    });
    out.setTimeout(LOCAL_HTTP_IDLE_TIMEOUT_MS, () =>
      out.destroy(new Error(`no answer from ${this.options.localAddr} within ${LOCAL_HTTP_IDLE_TIMEOUT_MS} ms`)),
    );
    return out;
  }

  /**
   * Forwards an HTTP/1.1 upgrade (WebSocket) as Go's ReverseProxy: a 101 from localAddr joins the two
   * connections; any other answer is passed back and the connection closed; a failure is a 502.
   */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let out: http.ClientRequest;
    try {
      out = this.request(req, true);
    } catch (err) {
      this.logFailure(err);
      socket.end(UPGRADE_FAILED);
      return;
    }
    out.once('upgrade', (answer, local, localHead) => {
      out.setTimeout(0);
      const headers = outgoingResponseHeaders(answer.headers);
      Object.assign(headers, { connection: 'Upgrade', upgrade: answer.headers.upgrade });
      socket.write(responseHead(101, answer.statusMessage ?? 'Switching Protocols', headers));
      if (localHead.length > 0) socket.write(localHead);
      if (head.length > 0) local.write(head);
      void relay(socket, local);
    });
    out.once('response', (answer) => {
      const headers = { ...outgoingResponseHeaders(answer.headers), connection: 'close' };
      socket.write(responseHead(answer.statusCode ?? 502, answer.statusMessage ?? '', headers));
      answer.on('error', () => socket.destroy());
      answer.pipe(socket);
    });
    out.on('error', (err) => {
      this.logFailure(err);
      if (socket.writable) socket.end(UPGRADE_FAILED);
      else socket.destroy();
    });
    socket.once('close', () => out.destroy());
    // An upgrade request has no body: what follows its head is the new protocol, in `head` and on the socket.
    out.end();
  }

  /** Forwards one request and streams the answer back; a failure before the answer starts is a 502 (logged). */
  handle(req: AnyRequest, res: AnyResponse): void {
    const h2 = req.httpVersionMajor === 2;
    let out: http.ClientRequest;
    try {
      out = this.request(req);
    } catch (err) {
      // Node refuses a header it cannot send (a value the user's HTTP/2 allowed): the user gets the 502 Go would give.
      this.failed(err instanceof Error ? err : new Error(errorMessage(err)), res);
      return;
    }
    out.once('response', (answer) => {
      const resHeaders = outgoingResponseHeaders(answer.headers);
      const status = answer.statusCode ?? 502;
      // HTTP/2 has no reason phrase (Node warns when given one).
      if (h2 || answer.statusMessage === undefined) (res as http.ServerResponse).writeHead(status, resHeaders);
      else (res as http.ServerResponse).writeHead(status, answer.statusMessage, resHeaders);
      // pipe, not pipeline: an error must not destroy the user's connection before failed() decides.
      answer.on('error', (err) => this.failed(err, res));
      answer.pipe(res as NodeJS.WritableStream);
    });
    out.on('error', (err) => this.failed(err, res));
    // The user gone before the answer: stop the local request too.
    res.once('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    // pipe, not pipeline: a local failure mid-upload must leave the user's connection up for the 502.
    req.on('error', (err) => out.destroy(err));
    (req as NodeJS.ReadableStream).pipe(out);
  }

  /** Go's ReverseProxy ErrorHandler: logs "http: proxy error" and answers 502, or cuts the answer already under way. */
  private failed(err: Error, res: AnyResponse): void {
    if (res.destroyed) return;
    this.logFailure(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    (res as http.ServerResponse).writeHead(502);
    res.end();
  }

  private logFailure(err: unknown): void {
    this.options.logger.warn(
      { proxy: this.options.proxyName, localAddr: this.options.localAddr, err: errorMessage(err) },
      'http: proxy error',
    );
  }

  /** Closes the pooled connections to localAddr. */
  close(): void {
    this.agent.destroy();
  }
}
