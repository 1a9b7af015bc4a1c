// The shared HTTPS vhost: routes each TLS connection by its ClientHello's SNI to an https proxy, without terminating TLS.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { peekUntil } from '../../net/peek.js';
import { unmapIPv4 } from '../../net/address.js';
import { endSoon } from '../../net/linger.js';
import { relay } from '../../net/relay.js';
import type { TrafficMeter } from '../traffic.js';
import type { VhostAdmissionOptions } from './admission.js';
import { VhostRouter } from './router.js';
import { VhostBase, type VhostKind } from './vhost-base.js';
import {
  MAX_CLIENT_HELLO_BYTES,
  parseTlsClientHelloSni,
  tlsRecordBoundary,
  type TlsClientHelloResult,
} from './tls-sni.js';

/** The ClientHello of a new connection must be complete within this (frps: 10 s). */
export const CLIENT_HELLO_TIMEOUT_MS = 10_000;

/** Its logs' prefix and its own port's listener; allowHalfOpen: a TLS close_notify then FIN from one side must not cut the other's answer. */
const HTTPS_VHOST_KIND: VhostKind = {
  label: 'https vhost',
  portKey: 'vhostHTTPSPort',
  listenerOptions: { noDelay: true, allowHalfOpen: true },
};

/** Bounds of an HttpsVhost; defaults are the named constants (tests shorten the timeout). */
export interface HttpsVhostOptions extends VhostAdmissionOptions {
  /** The ClientHello must be complete within this; default CLIENT_HELLO_TIMEOUT_MS. */
  clientHelloTimeoutMs?: number;
}

/** One https proxy as the vhost sees it. */
export interface HttpsBackend {
  readonly proxyName: string;
  /** Counts the relayed connections and bytes. */
  readonly meter: TrafficMeter;
  /** A work connection (StartWorkConn written, wrapped per the proxy's flags) for one TLS connection. */
  openConn(peer: { address: string; port: number }): Promise<Duplex>;
}

/**
 * Reads the ClientHello at the start of a connection (bounded by MAX_CLIENT_HELLO_BYTES and
 * CLIENT_HELLO_TIMEOUT_MS), puts the bytes back, and resolves with its SNI ("" without one).
 * Rejects on anything that is not a well-formed ClientHello.
 */
export async function readClientHelloSni(stream: Duplex, timeoutMs = CLIENT_HELLO_TIMEOUT_MS): Promise<string> {
  let needed = 0;
  const result = await peekUntil<Extract<TlsClientHelloResult, { complete: true }>>(
    stream,
    (bytes) => {
      if (bytes.length < needed) return undefined;
      const parsed = parseTlsClientHelloSni(bytes);
      if (parsed.complete) return parsed;
      needed = tlsRecordBoundary(bytes);
      return undefined;
    },
    { maxBytes: MAX_CLIENT_HELLO_BYTES, timeoutMs },
  );
  return result.sni ?? '';
}

/** The HTTPS vhost of a server; sockets come from a listener on vhostHTTPSPort or from the shared-port sniffer. */
export class HttpsVhost extends VhostBase {
  readonly router = new VhostRouter<HttpsBackend>();
  private clientHelloTimeoutMs: number;

  constructor(logger: Logger, options: HttpsVhostOptions = {}) {
    super(logger, options, HTTPS_VHOST_KIND);
    this.clientHelloTimeoutMs = options.clientHelloTimeoutMs ?? CLIENT_HELLO_TIMEOUT_MS;
  }

  /** Changes the ClientHello deadline of a running vhost (tests use a short one). */
  setClientHelloTimeout(ms: number): void {
    this.clientHelloTimeoutMs = ms;
  }

  /** Whether an https proxy serves this SNI. */
  serves(sni: string): boolean {
    return sni !== '' && this.router.match(sni) !== undefined;
  }

  /**
   * Serves a connection whose ClientHello is still unread. `charged`: its per-IP rate token was
   * spent already (the shared bindPort); the per-IP cap applies either way.
   */
  handleSocket(socket: net.Socket, charged = true): void {
    if (!this.admit(socket, charged)) return;
    this.trackWithErrors(socket);
    readClientHelloSni(socket, this.clientHelloTimeoutMs).then(
      (sni) => this.routeAdmitted(socket, sni),
      (err: unknown) => {
        this.logger.debug(
          { remote: socket.remoteAddress, err: errorMessage(err) },
          'https vhost: no valid ClientHello; connection closed',
        );
        socket.destroy();
      },
    );
  }

  /** Serves a connection whose ClientHello was already read (and put back) by the shared-port sniffer. */
  route(socket: net.Socket, sni: string): void {
    if (!this.admit(socket, true)) return;
    this.routeAdmitted(socket, sni);
  }

  private routeAdmitted(socket: net.Socket, sni: string): void {
    this.trackWithErrors(socket);
    const backend = sni === '' ? undefined : this.router.match(sni)?.payload;
    if (!backend) {
      // Unknown host: closed cleanly, as frps does (there is no certificate to answer with).
      this.logger.debug({ sni }, 'https vhost: no proxy for this SNI; connection closed');
      endSoon(socket, UNKNOWN_SNI_LINGER_MS);
      return;
    }
    const peer = { address: unmapIPv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    backend.openConn(peer).then(
      (conn) => {
        if (socket.destroyed) {
          conn.destroy();
          return;
        }
        void relay(socket, conn, backend.meter.userRelay());
      },
      (err: unknown) => {
        this.logger.warn({ proxy: backend.proxyName, err: errorMessage(err) }, 'https vhost: no work connection');
        socket.destroy();
      },
    );
  }

  /** Counts an admitted socket; its errors only end it. */
  private trackWithErrors(socket: net.Socket): void {
    if (this.track(socket)) socket.on('error', () => socket.destroy());
  }
}

/** A connection refused for its SNI is destroyed this long after end() if the peer keeps it open. */
const UNKNOWN_SNI_LINGER_MS = 1_000;
