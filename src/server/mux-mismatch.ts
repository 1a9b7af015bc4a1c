// A client whose transport.tcpMux differs from the server's: one warning naming the key, and an answer the client can read.
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import type { NotYamuxPeerError } from '../mux/index.js';
import { destroySoon } from '../net/linger.js';
import { FRP_COMPAT_VERSION } from '../version.js';
import { encodeMessage } from '../wire/codec.js';
import { messageNameOf } from '../wire/messages.js';
import { MAGIC as V2_MAGIC } from '../wire/v2/constants.js';

/** Server tcpMux on, the client's first bytes were no yamux frame. */
export const CLIENT_NOT_MUXED_HINT =
  'client does not multiplex (its transport.tcpMux = false) but this server has transport.tcpMux = true: set transport.tcpMux the same on both sides';

/** Server tcpMux off, the client's first bytes were a yamux frame. */
export const CLIENT_MUXED_HINT =
  'client multiplexes with yamux (its transport.tcpMux = true) but this server has transport.tcpMux = false: set transport.tcpMux the same on both sides';

/** What the client is told (in a v1 LoginResp its yamux reads as a non-yamux answer). */
const CLIENT_MUXED_ANSWER =
  'this server has transport.tcpMux = false: set transport.tcpMux = false on the client or true on the server';

/**
 * Server tcpMux on: the session closed because the peer does not speak yamux. Warns (once per
 * connection) only when its first byte starts an frp message (v1 type byte or the v2 magic), so
 * random garbage on bindPort stays at debug and cannot fill the log with advice.
 */
export function warnClientNotMuxed(logger: Logger, remote: string, err: NotYamuxPeerError): void {
  const frp = messageNameOf(err.firstByte) !== undefined || err.firstByte === V2_MAGIC[0];
  if (frp) logger.warn({ remote }, CLIENT_NOT_MUXED_HINT);
  else logger.debug({ remote, reason: err.message }, 'not a yamux peer; connection closed');
}

/**
 * Server tcpMux off: the client sent a yamux frame. Warns once, answers with a v1 LoginResp
 * carrying the advice (its first byte '1' is no yamux version, so the client's yamux session fails
 * as "not a yamux peer"), then closes the connection once that is written.
 */
export function refuseMuxedClient(logger: Logger, conn: Duplex, remote: string): void {
  logger.warn({ remote }, CLIENT_MUXED_HINT);
  conn.end(encodeMessage({ type: 'LoginResp', body: { version: FRP_COMPAT_VERSION, error: CLIENT_MUXED_ANSWER } }));
  destroySoon(conn);
}
