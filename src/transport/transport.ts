// The one Transport interface both roles use: the client dials through it, the server accepts through it.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientTls, PeerIdentity, ServerTls } from '../tls/index.js';
import type { HttpEngine } from './http-engine.js';

/** The layerings frp's clients speak (transport.protocol; "kcp" and "quic" dial "tcp"). */
export type TransportName = 'tcp' | 'tls' | 'websocket' | 'wss';

/** What the client learnt about the transport when it connected. */
export interface TransportInfo {
  tls: boolean;
  /** The server certificate's fingerprint, when TLS is on. */
  serverFingerprint?: string;
  /** Negotiated TLS version, e.g. "TLSv1.3". */
  tlsVersion?: string;
  /** Negotiated cipher suite. */
  tlsCipher?: string;
}

/** TLS facts of an accepted connection (absent on plain connections). */
export interface TlsFacts {
  version: string;
  cipher: string;
  /** The client certificate's identity, when the client presented one. */
  identity?: PeerIdentity;
  /** The client certificate (DER), for revocation checks when a new CRL arrives. */
  certDer?: Buffer;
}

/** Plain settings of one client dial (the connector builds them from its config). */
export interface TransportDialOptions {
  /** The TLS settings; required by "tls" and "wss", and "websocket" runs TLS inside when set. */
  tls?: ClientTls;
  /** Write frp's 0x17 byte before the ClientHello (not transport.tls.disableCustomTLSFirstByte); never for wss. */
  customFirstByte: boolean;
  /** Deadline of the TLS handshake (transport.dialServerTimeout, passed as is). */
  tlsTimeoutMs: number;
  /** The WebSocket Host header: "addr:port" for websocket, the TLS server name for wss (IPv6 in brackets). */
  webSocketHost: string;
  /** Deadline of the WebSocket opening handshake. */
  webSocketTimeoutMs: number;
}

/** The secured duplex of a client dial and what was negotiated. */
export interface DialedTransport {
  conn: Duplex;
  info: TransportInfo;
}

/** Plain settings of one server accept (accept.ts builds them from its options). */
export interface TransportAcceptOptions {
  tls: ServerTls;
  /** Deadline of the first-byte sniff and of the TLS handshake. */
  handshakeTimeoutMs: number;
  /** Let a client without a (valid) certificate through the handshake; the caller checks it later (enrollment). */
  deferClientCertCheck?: boolean;
  /** The server's HTTP engine, which parses WebSocket upgrades. */
  http: HttpEngine;
  /** Deadline of the WebSocket opening handshake. */
  webSocketTimeoutMs: number;
}

/** The secured duplex of an accepted connection and its TLS facts (absent on plain connections). */
export interface SecuredConn {
  conn: Duplex;
  tls?: TlsFacts;
}

/**
 * One way of layering a tunnel connection, the same for both roles. `dial` (client) takes a connected TCP
 * socket and destroys it on failure; `accept` (server) takes the connection as accepted or sniffed, and the
 * caller destroys it on failure. Both reject with a BurrowError saying which step failed.
 */
export interface Transport {
  readonly name: TransportName;
  dial(socket: Socket, options: TransportDialOptions): Promise<DialedTransport>;
  accept(conn: Duplex, options: TransportAcceptOptions): Promise<SecuredConn>;
}
