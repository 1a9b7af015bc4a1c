// The tcpmux HTTP CONNECT multiplexer: reads each connection's CONNECT head, routes it by host (and user) to a tcpmux proxy.
//
// Model: frp's pkg/util/tcpmux/httpconnect.go on pkg/util/vhost's Muxer. Differences on purpose:
// a failed Proxy-Authorization gets only the 407 (frps 0.70 writes its 200 first), bytes sent
// right after the head are kept for the tunnel (frp 0.71.1), a CONNECT announcing a body gets 400
// (frp 0.71.1), and the work connection is taken before the 200, so a dead client is a 502.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage, isBurrowError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { relayWithIdleTimeout } from '../../net/idle-timeout.js';
import { endSoon } from '../../net/linger.js';
import { peekUntil } from '../../net/peek.js';
import type { UserAddress } from '../proxies/work-conn.js';
import { socketAddress } from '../proxies/work-conn.js';
import type { TrafficMeter } from '../traffic.js';
import type { VhostAdmissionOptions } from '../vhost/admission.js';
import { VHOST_HEADER_TIMEOUT_MS } from '../vhost/head-watch.js';
import { MAX_HTTP_HEADER_BYTES } from '../vhost/host.js';
import { VhostRouter } from '../vhost/router.js';
import { VhostBase, type VhostKind } from '../vhost/vhost-base.js';
import {
  bodyRefusal,
  CONNECT_METHOD,
  connectHost,
  headerValues,
  parseRequestHead,
  type RequestHead,
} from './connect-head.js';
import { credentialsMatch, parseBasicAuth } from './proxy-auth.js';
import { CONNECT_ESTABLISHED, TcpmuxAnswer } from './responses.js';

/** A connection refused with an answer is destroyed this long after end() if the peer keeps it open. */
export const TCPMUX_REFUSED_LINGER_MS = 1_000;

/** The 400 page's text for a head that does not parse. */
const NOT_A_CONNECT_HEAD = 'the request is not a valid HTTP/1.x request head';

/** tcpmux routes match on the host (and user) alone: frp gives them no location. */
const NO_LOCATION = '';

/** Its log prefix and its own port's listener; allowHalfOpen: a tunnel carries each side's FIN on its own. */
const TCPMUX_KIND: VhostKind = {
  label: 'tcpmux',
  portKey: 'tcpmuxHTTPConnectPort',
  listenerOptions: { noDelay: true, allowHalfOpen: true },
};

/** Bounds and mode of a TcpmuxVhost. */
export interface TcpmuxVhostOptions extends VhostAdmissionOptions {
  /** tcpmuxPassthrough: the CONNECT head goes to the local service, no 200 is written. Default false. */
  passthrough?: boolean;
  /** The CONNECT head must be complete within this; default VHOST_HEADER_TIMEOUT_MS. */
  headerTimeoutMs?: number;
}

/** parseRequestHead, refusing a head past MAX_HTTP_HEADER_BYTES also when it came whole in one chunk. */
function boundedHead(bytes: Buffer): RequestHead | undefined {
  const head = parseRequestHead(bytes);
  if (head !== undefined && head.length > MAX_HTTP_HEADER_BYTES)
    throw new BurrowError(ErrorCode.MESSAGE_TOO_LARGE, `CONNECT head of ${head.length} bytes`);
  return head;
}

/**
 * Drops the first `length` bytes of a paused socket whose look-ahead put them back, keeping what
 * follows for the tunnel. read() without a size takes the whole buffer (read(n) would wait for a
 * buffer of n bytes to fill past the high-water mark); the rest goes back in front. False when
 * fewer bytes are buffered.
 */
function dropHead(socket: net.Socket, length: number): boolean {
  const buffered = socket.read() as Buffer | null;
  if (buffered === null || buffered.length < length) {
    if (buffered !== null) socket.unshift(buffered);
    return false;
  }
  if (buffered.length > length) socket.unshift(buffered.subarray(length));
  return true;
}

/** One tcpmux proxy as the multiplexer sees it. */
export interface TcpmuxBackend {
  readonly proxyName: string;
  readonly meter: TrafficMeter;
  /** httpUser / httpPassword; httpUser "" = no check (frp's rule). */
  readonly httpUser: string;
  readonly httpPassword: string;
  /** userConnIdleTimeout in ms (0 = never): a tunnel silent both ways this long is closed. */
  readonly idleTimeoutMs: number;
  /** A work connection (StartWorkConn written, wrapped per the proxy's flags) for one user connection. */
  openConn(address: UserAddress): Promise<Duplex>;
}

/** The tcpmux multiplexer of a server; its sockets come from the listener on tcpmuxHTTPConnectPort. */
export class TcpmuxVhost extends VhostBase {
  readonly router = new VhostRouter<TcpmuxBackend>();
  private readonly passthrough: boolean;
  private headerTimeoutMs: number;

  constructor(logger: Logger, options: TcpmuxVhostOptions = {}) {
    super(logger, options, TCPMUX_KIND);
    this.passthrough = options.passthrough ?? false;
    this.headerTimeoutMs = options.headerTimeoutMs ?? VHOST_HEADER_TIMEOUT_MS;
  }

  /** Changes the head deadline of a running multiplexer (tests use a short one). */
  setHeaderTimeout(ms: number): void {
    this.headerTimeoutMs = ms;
  }

  /** Adds a route for `domain` (lower-cased by the router); BurrowError PROXY_REFUSED when taken. */
  addRoute(domain: string, httpUser: string, backend: TcpmuxBackend): void {
    this.router.add({ domain, location: NO_LOCATION, httpUser, payload: backend });
  }

  removeRoute(domain: string, httpUser: string): void {
    this.router.remove(domain, NO_LOCATION, httpUser);
  }

  handleSocket(socket: net.Socket, charged = false): void {
    if (!this.admit(socket, charged)) return;
    if (!this.track(socket)) return;
    // Errors before the relay takes over only end this one connection.
    socket.on('error', () => socket.destroy());
    peekUntil(socket, boundedHead, { maxBytes: MAX_HTTP_HEADER_BYTES, timeoutMs: this.headerTimeoutMs }).then(
      (head) => {
        try {
          this.route(socket, head);
        } catch (err) {
          // Nothing in route() is expected to throw; if it does, only this connection ends.
          this.logger.warn({ remote: socket.remoteAddress, err: errorMessage(err) }, 'tcpmux: routing failed');
          socket.destroy();
        }
      },
      (err: unknown) => this.refuseHead(socket, err),
    );
  }

  /** The head could not be read: answer what the user can act on, then close. */
  private refuseHead(socket: net.Socket, err: unknown): void {
    this.logger.debug({ remote: socket.remoteAddress, err: errorMessage(err) }, 'tcpmux: no valid CONNECT head');
    if (socket.destroyed) return;
    // The parser's reason quotes the user's bytes: it goes to the log, not back into the page.
    if (isBurrowError(err, ErrorCode.PROTOCOL)) this.refuse(socket, TcpmuxAnswer.badRequest(NOT_A_CONNECT_HEAD));
    else if (isBurrowError(err, ErrorCode.MESSAGE_TOO_LARGE)) this.refuse(socket, TcpmuxAnswer.headTooLarge());
    else if (isBurrowError(err, ErrorCode.TIMEOUT) && socket.bytesRead > 0)
      this.refuse(socket, TcpmuxAnswer.requestTimeout());
    else socket.destroy();
  }

  private route(socket: net.Socket, head: RequestHead): void {
    if (head.method !== CONNECT_METHOD) {
      this.refuse(socket, TcpmuxAnswer.methodNotAllowed(head.method));
      return;
    }
    const bodyReason = bodyRefusal(head);
    if (bodyReason !== undefined) {
      this.refuse(socket, TcpmuxAnswer.badRequest(bodyReason));
      return;
    }
    const host = connectHost(head);
    const credentials = parseBasicAuth(headerValues(head, 'proxy-authorization')[0]);
    const backend = this.router.match(host, NO_LOCATION, credentials?.user ?? '')?.payload;
    if (backend === undefined) {
      this.logger.debug({ host }, 'tcpmux: no proxy for this host');
      this.refuse(socket, TcpmuxAnswer.notFound());
      return;
    }
    if (
      backend.httpUser !== '' &&
      !credentialsMatch({ user: backend.httpUser, password: backend.httpPassword }, credentials)
    ) {
      this.logger.debug({ proxy: backend.proxyName, host }, 'tcpmux: proxy authentication failed');
      this.refuse(socket, TcpmuxAnswer.proxyAuthRequired());
      return;
    }
    // Without passthrough the head is ours: take it off, so only the bytes after it (early data) reach the service.
    if (!this.passthrough && !dropHead(socket, head.length)) {
      socket.destroy(new BurrowError(ErrorCode.INTERNAL, 'tcpmux: the CONNECT head was not buffered'));
      return;
    }
    this.tunnel(socket, backend);
  }

  /** Takes a work connection, then opens the tunnel (the 200, unless passthrough) and relays. */
  private tunnel(socket: net.Socket, backend: TcpmuxBackend): void {
    backend.openConn(socketAddress(socket)).then(
      (conn) => {
        if (socket.destroyed) {
          conn.destroy();
          return;
        }
        if (!this.passthrough) socket.write(CONNECT_ESTABLISHED);
        void relayWithIdleTimeout(socket, conn, backend.idleTimeoutMs, backend.meter.userRelay());
      },
      (err: unknown) => {
        this.logger.warn({ proxy: backend.proxyName, err: errorMessage(err) }, 'tcpmux: no work connection');
        if (!socket.destroyed) this.refuse(socket, TcpmuxAnswer.badGateway());
      },
    );
  }

  /** Writes a closing answer; what the user still sends is read and dropped, so the close is no reset. */
  private refuse(socket: net.Socket, answer: string): void {
    socket.resume();
    socket.write(answer);
    endSoon(socket, TCPMUX_REFUSED_LINGER_MS);
  }
}
