// Turns an accepted connection into the server's transport: the WebSocket/TLS/plain Transport by the first bytes, enrollment inside TLS, then optionally yamux.
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { BurrowError, ErrorCode } from '../errors.js';
import { Session } from '../mux/index.js';
import { clientCertRefusal, type ServerTls } from '../tls/index.js';
import { ENROLL_REQUEST_PREFIX } from '../enroll/constants.js';
import {
  acceptSecure,
  FRP_WEBSOCKET_PATH,
  HttpEngine,
  upgradeSecured,
  websocketTransport,
  WEBSOCKET_HANDSHAKE_TIMEOUT_MS,
  type SecuredConn,
  type TlsFacts,
  type TransportAcceptOptions,
} from '../transport/index.js';
import { lookAhead } from '../io/look-ahead.js';
import { HANDSHAKE_TIMEOUT_MS } from './constants.js';

export type { TlsFacts };

export interface AcceptOptions {
  tls: ServerTls;
  tcpMux: boolean;
  keepaliveIntervalMs: number;
  /**
   * Report a TLS connection whose first bytes are `POST /~!burrow/` as kind 'enroll' (the enrollment
   * endpoint). Off: such a connection goes on as a tunnel client and fails at its first message.
   */
  enroll?: boolean;
  /** The server's WebSocket set-up budget and HTTP engine (per server: nothing is shared between servers). */
  webSockets: WebSocketSlots;
  /** The yamux session starts unauthenticated with this many streams allowed (SessionOptions.preauthStreams); unset = trusted. */
  preauthStreams?: number;
}

/** The secured connection of one client: a yamux session or a single logical connection. */
export type AcceptedTransport =
  { kind: 'mux'; session: Session; tls?: TlsFacts } | { kind: 'single'; conn: Duplex; tls?: TlsFacts };

/** An enrollment request inside TLS; `conn` still holds every byte of it, from "POST" on. */
export interface AcceptedEnroll {
  kind: 'enroll';
  conn: Duplex;
  tls?: TlsFacts;
  /** The server's HTTP engine, which parses the request. */
  http: HttpEngine;
}

/** The first bytes of frp's WebSocket upgrade (frps's muxer matches exactly these). */
export const WEBSOCKET_PREFIX = Buffer.from(`GET ${FRP_WEBSOCKET_PATH}`, 'latin1');
/** The first bytes of a request to burrow's enrollment endpoint. */
const ENROLL_PREFIX = Buffer.from(ENROLL_REQUEST_PREFIX, 'latin1');
/** Enough bytes to compare against the longest prefix. */
const MAX_PREFIX_BYTES = Math.max(WEBSOCKET_PREFIX.length, ENROLL_PREFIX.length);

type PrefixKind = 'websocket' | 'enroll';

/**
 * Which of `prefixes` the stream starts with, or undefined as soon as the first bytes match none (a
 * yamux header, a frp message, a TLS record: usually after one byte). Every byte is put back.
 */
function matchPrefix(stream: Duplex, prefixes: readonly [PrefixKind, Buffer][]): Promise<PrefixKind | undefined> {
  return lookAhead<{ kind: PrefixKind | undefined }>(
    stream,
    (bytes) => {
      let open = false;
      for (const [kind, prefix] of prefixes) {
        const n = Math.min(bytes.length, prefix.length);
        if (!bytes.subarray(0, n).equals(prefix.subarray(0, n))) continue;
        if (n === prefix.length) return { kind };
        open = true;
      }
      return open ? undefined : { kind: undefined };
    },
    { maxBytes: MAX_PREFIX_BYTES, timeoutMs: HANDSHAKE_TIMEOUT_MS },
  ).then((r) => r.kind);
}

/** The transports' plain options for this server (accept.ts knows the server's deadlines). */
function transportOptions(options: AcceptOptions, deferClientCertCheck = false): TransportAcceptOptions {
  return {
    tls: options.tls,
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    deferClientCertCheck,
    http: options.webSockets.http,
    webSocketTimeoutMs: WEBSOCKET_HANDSHAKE_TIMEOUT_MS,
  };
}

/** WebSocket connections being upgraded and secured at once (each may buffer up to one message before anyone is authenticated). */
export const MAX_PENDING_WEBSOCKETS = 64;

/** A budget of WebSocket upgrade-and-secure steps running at once, and the HTTP engine that parses them; each server owns one. */
export class WebSocketSlots {
  private pending = 0;
  /** The server's one HTTP engine: WebSocket upgrades and enrollment requests. */
  readonly http = new HttpEngine();

  constructor(private readonly max = MAX_PENDING_WEBSOCKETS) {}

  /** Steps running now. */
  get inUse(): number {
    return this.pending;
  }

  /** Runs `step` in a slot; rejects at once (TIMEOUT) when every slot is taken. */
  async run<T>(step: () => Promise<T>): Promise<T> {
    if (this.pending >= this.max) {
      throw new BurrowError(ErrorCode.TIMEOUT, `too many WebSocket connections being set up (${this.max}); try again`);
    }
    this.pending += 1;
    try {
      return await step();
    } finally {
      this.pending -= 1;
    }
  }
}

/**
 * Layers, as frp's clients build them:
 * - `GET /~!frp` on the raw connection: a WebSocket upgrade (transport.protocol = "websocket"); inside it
 *   the usual stream, TLS or plain by its first byte.
 * - otherwise TLS or plain by the first byte; inside TLS, `GET /~!frp` is a WebSocket upgrade
 *   (transport.protocol = "wss"; frps itself needs a TLS-terminating proxy for that, burrow serves it),
 *   and with `enroll`, `POST /~!burrow/` is an enrollment request.
 * Then a yamux server session when tcpMux is on. TLS facts are those of whichever layer had TLS.
 * Rejects with a BurrowError saying which step failed (a bad upgrade was answered with an HTTP error
 * first); the caller destroys the socket.
 */
export function acceptTransport(
  socket: Duplex,
  options: AcceptOptions & { enroll: boolean },
): Promise<AcceptedTransport | AcceptedEnroll>;
export function acceptTransport(socket: Duplex, options: AcceptOptions): Promise<AcceptedTransport>;
export async function acceptTransport(
  socket: Duplex,
  options: AcceptOptions,
): Promise<AcceptedTransport | AcceptedEnroll> {
  const webSockets = options.webSockets;
  const http = webSockets.http;
  let layered: SecuredConn;
  if ((await matchPrefix(socket, [['websocket', WEBSOCKET_PREFIX]])) === 'websocket') {
    layered = await webSockets.run(() => websocketTransport.accept(socket, transportOptions(options)));
  } else {
    // With enrollment, a client without a certificate gets through the handshake; only an
    // enrollment request may go on without one (checked right below).
    const transport = transportOptions(options, options.enroll === true);
    layered = await acceptSecure(socket, transport);
    if (layered.tls) {
      const inner = await matchPrefix(
        layered.conn,
        options.enroll
          ? [
              ['websocket', WEBSOCKET_PREFIX],
              ['enroll', ENROLL_PREFIX],
            ]
          : [['websocket', WEBSOCKET_PREFIX]],
      );
      if (inner === 'enroll') return { kind: 'enroll', conn: layered.conn, tls: layered.tls, http };
      // Everything but enrollment needs the client certificate the handshake let through.
      const refusal = options.enroll ? clientCertRefusal(layered.conn as tls.TLSSocket, options.tls) : undefined;
      if (refusal) {
        layered.conn.destroy();
        throw refusal;
      }
      // wss: the WebSocket upgrade inside this TLS connection.
      if (inner === 'websocket') {
        const secured = layered;
        layered = await webSockets.run(() => upgradeSecured(secured, transport));
      }
    }
  }
  const { conn, tls } = layered;
  if (!options.tcpMux) return { kind: 'single', conn, ...(tls ? { tls } : {}) };
  const session = new Session(conn, {
    client: false,
    keepaliveIntervalMs: options.keepaliveIntervalMs,
    ...(options.preauthStreams !== undefined ? { preauthStreams: options.preauthStreams } : {}),
  });
  return { kind: 'mux', session, ...(tls ? { tls } : {}) };
}
