// The wire layer's typed errors that callers tell apart: a yamux frame where an frp message was expected.
import { BurrowError, ErrorCode } from '../errors.js';

/** The yamux protocol version byte that starts every yamux frame header (no frp message type is 0x00). */
export const YAMUX_VERSION_BYTE = 0x00;

/**
 * The first byte of a message was 0x00, which no frp message uses but every yamux frame starts with:
 * the peer multiplexes its connection with yamux where a plain frp message was expected (PROTOCOL).
 */
export class YamuxFrameSeenError extends BurrowError {
  constructor() {
    super(
      ErrorCode.PROTOCOL,
      'unknown message type byte 0x00: not an frp v1 message; it looks like a yamux frame (the peer multiplexes with yamux)',
    );
    this.name = 'YamuxFrameSeenError';
  }
}
