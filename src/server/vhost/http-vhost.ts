// The shared HTTP vhost: Node's HTTP/1.1 server parses each request, VhostRouter picks the proxy, the request goes to a work connection.
//
// Design: routing, basic auth and header rewriting happen per request, not per TCP connection, so a
// keep-alive connection whose requests name different hosts reaches the right proxy each time and
// every request gets its Host rewrite and X-Forwarded-For (as frp, which uses Go's reverse proxy).
// Requests go out on a keep-alive pool of work connections per proxy (WorkConnAgent, as frps's
// http.Transport), so a work connection and the client's connection to the local service carry
// many requests; WebSocket and other upgrades get a work connection of their own, and become a raw
// relay only once the local service answers 101 (http-upgrade.ts). Node's header timeout never runs
// for sockets handed in with emit('connection'), so HeadWatch enforces header and idle deadlines, and
// VhostAdmission the per-IP connection rate and cap.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { BurrowError, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { unmapIPv4 } from '../../net/address.js';
import type { TrafficMeter } from '../traffic.js';
import { canonicalHost, MAX_HTTP_HEADER_BYTES } from './host.js';
import { BASIC_AUTH_REALM, rawResponse, VhostPage, VHOST_SERVER_HEADER } from './http-pages.js';
import { VhostRouter } from './router.js';
import { bodiless, forwardHeaders, pump, responseHeaders } from './http-forward.js';
import { WorkConnAgent, type WorkRequestOptions } from './work-agent.js';
import type { VhostAdmissionOptions } from './admission.js';
import { HeadWatch, VHOST_HEADER_TIMEOUT_MS, VHOST_IDLE_TIMEOUT_MS, type HeadWatchTimeouts } from './head-watch.js';
import { proxyUpgrade } from './http-upgrade.js';
import { locationPath } from './location-path.js';
import { VhostBase, type VhostKind } from './vhost-base.js';

/** Node's own header timeout (it applies only where Node's checker runs; HeadWatch enforces VHOST_HEADER_TIMEOUT_MS everywhere). */
export const HTTP_HEADERS_TIMEOUT_MS = VHOST_HEADER_TIMEOUT_MS;
/** How often Node checks headersTimeout on open connections. */
const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Node's keep-alive timeout (socket.setTimeout after a response); HeadWatch's VHOST_IDLE_TIMEOUT_MS is the same bound. */
export const HTTP_KEEPALIVE_IDLE_MS = VHOST_IDLE_TIMEOUT_MS;
/** The local service must send its response head within this after the request went out (frp: vhostHTTPTimeout 60 s). */
export const HTTP_RESPONSE_HEADER_TIMEOUT_MS = 60_000;

/** After answering a malformed request, the connection is destroyed this long after end() if the peer keeps it open. */
const BAD_REQUEST_LINGER_MS = 1_000;

/** Its logs' prefix and its own port's listener. */
const HTTP_VHOST_KIND: VhostKind = {
  label: 'http vhost',
  portKey: 'vhostHTTPPort',
  listenerOptions: { noDelay: true },
};

/** Bounds of an HttpVhost; defaults are the named constants (tests shorten the timeouts). */
export interface HttpVhostOptions extends VhostAdmissionOptions, Partial<HeadWatchTimeouts> {
  /** The local service must send its response head within this; default HTTP_RESPONSE_HEADER_TIMEOUT_MS (vhostHTTPTimeout). */
  responseTimeoutMs?: number;
  /** The body of the 404 page (custom404Page's content); default the built-in page. */
  notFoundPage?: string;
}

/** Where a request came from. */
export interface HttpPeer {
  address: string;
  port: number;
}

/** One http proxy as the vhost sees it: its rewrite rules, credentials and a way to reach its client. */
export interface HttpBackend {
  readonly proxyName: string;
  /** Counts user connections and bytes (requests and upgraded connections). */
  readonly meter: TrafficMeter;
  /** hostHeaderRewrite; "" = keep the Host the user sent. */
  readonly rewriteHost: string;
  /** requestHeaders.set: headers set on every request. */
  readonly setHeaders: Readonly<Record<string, string>>;
  /** responseHeaders.set: headers set on every response. */
  readonly setResponseHeaders: Readonly<Record<string, string>>;
  /** httpUser / httpPassword; both "" = no basic auth. */
  readonly httpUser: string;
  readonly httpPassword: string;
  /** A work connection (StartWorkConn written, wrapped per the proxy's flags) for requests or one upgrade. */
  openConn(peer: HttpPeer): Promise<Duplex>;
}

/** The user of a Basic Authorization header, or undefined. */
function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const text = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Constant-time string equality (lengths are compared in the open; they are not the secret). */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/**
 * The HTTP vhost of a server. Sockets are handed in by a listener on vhostHTTPPort or by the
 * shared-port sniffer (`handleSocket`); routes are added by http proxies (`router`).
 */
export class HttpVhost extends VhostBase {
  readonly router = new VhostRouter<HttpBackend>();
  private readonly server: http.Server;
  /** The work-connection pool of each backend with requests in flight or idle connections. */
  private readonly agents = new Map<HttpBackend, WorkConnAgent>();
  /** Per user connection: who it is, and the bytes already counted (so each request counts its own). */
  private readonly connections = new WeakMap<net.Socket, UserConnection>();
  private readonly watch: HeadWatch;
  private timeouts: HeadWatchTimeouts & { responseTimeoutMs: number };
  private readonly notFoundPage: string;

  constructor(logger: Logger, options: HttpVhostOptions = {}) {
    super(logger, options, HTTP_VHOST_KIND);
    this.notFoundPage = options.notFoundPage ?? VhostPage.notFound;
    this.timeouts = {
      headerTimeoutMs: options.headerTimeoutMs ?? VHOST_HEADER_TIMEOUT_MS,
      idleTimeoutMs: options.idleTimeoutMs ?? VHOST_IDLE_TIMEOUT_MS,
      responseTimeoutMs: options.responseTimeoutMs ?? HTTP_RESPONSE_HEADER_TIMEOUT_MS,
    };
    this.watch = new HeadWatch(
      () => this.timeouts,
      (socket, partial) => this.onDeadline(socket, partial),
    );
    this.server = http.createServer({
      maxHeaderSize: MAX_HTTP_HEADER_BYTES,
      headersTimeout: HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: 0,
      keepAliveTimeout: HTTP_KEEPALIVE_IDLE_MS,
      connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_INTERVAL_MS,
    });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      void this.onUpgrade(req, socket, head);
    });
    this.server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
      socket.end(rawResponse(405, 'Method Not Allowed', 'CONNECT is not supported by this vhost\n'));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
  }

  /**
   * Serves one accepted TCP connection (bytes already read by a sniffer must have been unshifted).
   * `charged`: its per-IP rate token was spent already (the shared bindPort); the per-IP cap applies
   * either way.
   */
  handleSocket(socket: net.Socket, charged = true): void {
    if (!this.admit(socket, charged)) return;
    this.track(socket, () => this.watch.busy(socket));
    this.watch.connectionOpened(socket);
    this.attach(socket);
  }

  /** Changes the timeouts of a running vhost (tests use short ones; the constants are the defaults). */
  setTimeouts(timeouts: Partial<HeadWatchTimeouts & { responseTimeoutMs: number }>): void {
    this.timeouts = { ...this.timeouts, ...timeouts };
  }

  /** Hands `socket` to the HTTP parser (a new connection, or one whose upgrade request was answered without 101). */
  private attach(socket: net.Socket): void {
    this.server.emit('connection', socket);
    // A sniffer leaves the socket paused with its first bytes unshifted; the HTTP server's 'data'
    // listener (attached synchronously above) does not restart a paused stream by itself.
    socket.resume();
  }

  /** A socket missed its header or idle deadline: 408 when part of a head had come, else just closed. */
  private onDeadline(socket: net.Socket, partial: boolean): void {
    this.logger.debug(
      { remote: socket.remoteAddress, partial },
      'http vhost: no complete request head in time; connection closed',
    );
    if (partial && socket.writable) {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      setTimeout(() => socket.destroy(), BAD_REQUEST_LINGER_MS).unref();
      return;
    }
    socket.destroy();
  }

  /** Stops listening and closes every connection, then the work-connection pools. */
  override close(): void {
    super.close();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.watch.close();
    this.server.close();
  }

  /** The route for a request, or undefined (after answering 404 / 401 on `reply`). */
  private route(
    req: http.IncomingMessage,
    reply: (status: number, reason: string, body: string, extra?: Record<string, string>) => void,
  ): HttpBackend | undefined {
    const target = req.url ?? '/';
    const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target);
    let hostPort = req.headers.host ?? '';
    if (absolute) {
      try {
        hostPort = new URL(target).host;
      } catch {
        // keep the Host header
      }
    }
    const host = canonicalHost(hostPort);
    const credentials = basicCredentials(req.headers.authorization);
    let path: string;
    try {
      path = locationPath(target);
    } catch (err) {
      this.logger.debug({ host, err: errorMessage(err) }, 'http request with a malformed path');
      reply(400, 'Bad Request', err instanceof BurrowError ? `${err.message}\n` : 'Bad Request\n');
      return undefined;
    }
    const route = this.router.match(host, path, credentials?.user ?? '');
    if (!route) {
      this.logger.debug({ host, path: target }, 'http request for an unknown host');
      reply(404, 'Not Found', this.notFoundPage);
      return undefined;
    }
    const backend = route.payload;
    if (backend.httpUser !== '' || backend.httpPassword !== '') {
      const ok =
        credentials !== undefined &&
        sameSecret(credentials.user, backend.httpUser) &&
        sameSecret(credentials.password, backend.httpPassword);
      if (!ok) {
        reply(401, 'Unauthorized', VhostPage.unauthorized, { 'WWW-Authenticate': `Basic realm="${BASIC_AUTH_REALM}"` });
        return undefined;
      }
    }
    return backend;
  }

  /** The work-connection pool of `backend`, made on first use and dropped once empty. */
  private agentFor(backend: HttpBackend): WorkConnAgent {
    let agent = this.agents.get(backend);
    if (agent === undefined) {
      agent = new WorkConnAgent(
        (peer) => backend.openConn(peer),
        (empty) => {
          if (this.agents.get(backend) === empty) this.agents.delete(backend);
        },
      );
      this.agents.set(backend, agent);
    }
    return agent;
  }

  /** The state of the user connection a request came on, made at its first request. */
  private connectionOf(req: http.IncomingMessage): UserConnection {
    const socket = req.socket;
    let conn = this.connections.get(socket);
    if (conn === undefined) {
      conn = { peer: peerOf(req), read: 0, written: 0, inFlight: 0 };
      this.connections.set(socket, conn);
    }
    return conn;
  }

  /**
   * Counts one request that has ended in `meter` (when routed): the bytes the user's TCP connection
   * read and wrote since the previous request on it ended — the request and its response, as frp
   * counts what its work connection carries — and the end of the connection counted at its start.
   */
  private meterDone(req: http.IncomingMessage, conn: UserConnection, meter: TrafficMeter | undefined): void {
    const read = req.socket.bytesRead;
    const written = req.socket.bytesWritten;
    if (meter !== undefined) {
      if (read > conn.read) meter.addIn(read - conn.read);
      if (written > conn.written) meter.addOut(written - conn.written);
      meter.connClosed();
    }
    conn.read = read;
    conn.written = written;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const reply = (status: number, _reason: string, body: string, extra: Record<string, string> = {}): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, {
        Server: VHOST_SERVER_HEADER,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        ...extra,
      });
      res.end(body);
      // An unread request body would be taken for the next request: drain it, bounded by the connection's life.
      req.resume();
    };
    const conn = this.connectionOf(req);
    this.requestStarted(req.socket, conn);
    res.on('close', () => this.requestEnded(req.socket, conn));
    const backend = this.route(req, reply);
    if (!backend) {
      res.on('close', () => this.meterDone(req, conn, undefined));
      return;
    }
    backend.meter.connOpened();
    const peer = conn.peer;
    const options: WorkRequestOptions = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      // As pairs, which Node writes as they are (no per-header setHeader).
      headers: forwardHeaders(req, backend, peer.address, false) as unknown as http.OutgoingHttpHeaders,
      setHost: false,
      agent: this.agentFor(backend),
      peer,
    };
    const { responseTimeoutMs } = this.timeouts;
    const out = http.request(options);
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      timer = undefined;
      this.logger.warn({ proxy: backend.proxyName }, 'http request: no response head in time');
      reply(504, 'Gateway Timeout', VhostPage.gatewayTimeout);
      out.destroy();
    }, responseTimeoutMs);
    timer.unref();
    const stopTimer = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    out.on('response', (upstream: http.IncomingMessage) => {
      stopTimer();
      res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage ?? '', responseHeaders(upstream, backend));
      upstream.on('error', () => res.destroy());
      pump(upstream, res);
    });
    out.on('error', (err) => {
      stopTimer();
      this.logger.warn(
        { proxy: backend.proxyName, err: errorMessage(err) },
        'http request to the local service failed',
      );
      reply(502, 'Bad Gateway', VhostPage.badGateway);
    });
    res.on('close', () => {
      stopTimer();
      if (!res.writableFinished) out.destroy();
      this.meterDone(req, conn, backend.meter);
    });
    // Most requests have no body: end at once rather than wait for the empty body's end.
    if (bodiless(req)) out.end();
    else pump(req, out);
  }

  /** A request head is complete on `socket`: no header or idle deadline until its answer is done. */
  private requestStarted(socket: net.Socket, conn: UserConnection): void {
    conn.inFlight += 1;
    this.watch.busy(socket);
  }

  /** An answer is done: with none left in flight, the connection waits (idle deadline) for its next request. */
  private requestEnded(socket: net.Socket, conn: UserConnection): void {
    conn.inFlight -= 1;
    if (conn.inFlight === 0 && this.tracks(socket)) this.watch.idle(socket);
  }

  private async onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): Promise<void> {
    this.watch.busy(socket);
    socket.on('error', () => socket.destroy());
    const reply = (status: number, reason: string, body: string, extra: Record<string, string> = {}): void => {
      socket.end(rawResponse(status, reason, body, extra));
    };
    const backend = this.route(req, reply);
    if (!backend) return;
    const conn = this.connectionOf(req);
    const outcome = await proxyUpgrade({
      logger: this.logger,
      backend,
      peer: conn.peer,
      req,
      socket,
      head,
      responseTimeoutMs: this.timeouts.responseTimeoutMs,
    });
    // An upgraded relay counts itself (meter.userRelay); an answer counts as one request.
    if (outcome === 'upgraded') return;
    backend.meter.connOpened();
    this.meterDone(req, conn, backend.meter);
    if (outcome !== 'answered') return;
    // No 101: the next bytes are a request of their own, routed and checked as such.
    this.watch.idle(socket);
    this.attach(socket);
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    this.logger.debug({ err: err.message, code: err.code }, 'bad http request; connection closed');
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = tooLarge ? 431 : timeout ? 408 : 400;
    const reason = tooLarge ? 'Request Header Fields Too Large' : timeout ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    // The answer is flushed by end(); a peer that never closes its side is cut off shortly after.
    setTimeout(() => socket.destroy(), BAD_REQUEST_LINGER_MS).unref();
  }
}

/** What the vhost keeps per user connection. */
interface UserConnection {
  /** Who it is: the address StartWorkConn reports as its source. */
  readonly peer: HttpPeer;
  /** Its bytesRead and bytesWritten when its previous request ended. */
  read: number;
  written: number;
  /** Requests whose answer is not done yet (pipelined requests overlap). */
  inFlight: number;
}

/** Who sent a request: the address StartWorkConn reports as its source. */
function peerOf(req: http.IncomingMessage): HttpPeer {
  return { address: unmapIPv4(req.socket.remoteAddress ?? ''), port: req.socket.remotePort ?? 0 };
}
