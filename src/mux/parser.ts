// Incremental yamux frame parser: turns arbitrarily chunked bytes into headers and zero-copy payload pieces.

import { FrameType, HEADER_SIZE, PROTOCOL_VERSION } from './const.js';
import { NotYamuxPeerError } from './errors.js';
import { decodeHeader, type FrameHeader } from './frame.js';

/** Receives what the parser finds, in wire order. */
export interface FrameHandler {
  /** A header arrived; for a Data frame with length > 0 its payload follows through onPayload. */
  onHeader(header: FrameHeader): void;
  /** A piece of the current Data frame's payload: a view into the received chunk, never a copy. */
  onPayload(header: FrameHeader, piece: Buffer): void;
  /** The frame is complete (its whole payload delivered); flags that end things (FIN) apply here. */
  onFrameEnd(header: FrameHeader): void;
}

/**
 * A pure, incremental frame parser. Feed it chunks with push(); it calls the handler synchronously.
 * Memory is bounded: only a straddling header (at most 12 bytes) is ever copied; payloads are
 * handed out as subarrays of the input chunks. A bad header throws BurrowError(MUX_INVALID_VERSION / MUX_INVALID_MSG_TYPE) from push();
 * when the session's very first header has a bad version, the peer is no yamux peer: NotYamuxPeerError (MUX_NOT_YAMUX_PEER).
 * Bounding payload sizes is the handler's job (it sees each header before any of its payload).
 */
export class FrameParser {
  /** Bytes of a header split across chunks. */
  private readonly partial = Buffer.alloc(HEADER_SIZE);
  private partialLength = 0;
  /** The Data frame whose payload is being read, if any. */
  private current: FrameHeader | null = null;
  private remaining = 0;
  private stopped = false;
  /** A valid header was seen: later bad headers are protocol errors, not a non-yamux peer. */
  private sawHeader = false;

  /** @param handler receives headers, payload pieces and frame ends. */
  constructor(private readonly handler: FrameHandler) {}

  /** Stops parsing: later and remaining bytes are ignored (used when the session closes). */
  stop(): void {
    this.stopped = true;
  }

  /** True while a frame is incomplete (a partial header or unread payload). */
  get midFrame(): boolean {
    return this.partialLength > 0 || this.current !== null;
  }

  /** Parses one chunk of bytes from the connection. */
  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len && !this.stopped) {
      const current = this.current;
      if (current !== null) {
        const take = Math.min(this.remaining, len - pos);
        const piece = pos === 0 && take === len ? chunk : chunk.subarray(pos, pos + take);
        pos += take;
        this.remaining -= take;
        this.handler.onPayload(current, piece);
        if (this.remaining === 0 && !this.stopped) {
          this.current = null;
          this.handler.onFrameEnd(current);
        }
        continue;
      }
      let header: FrameHeader;
      if (this.partialLength === 0 && len - pos >= HEADER_SIZE) {
        header = this.decode(chunk, pos);
        pos += HEADER_SIZE;
      } else {
        const take = Math.min(HEADER_SIZE - this.partialLength, len - pos);
        chunk.copy(this.partial, this.partialLength, pos, pos + take);
        this.partialLength += take;
        pos += take;
        if (this.partialLength < HEADER_SIZE) break;
        this.partialLength = 0;
        header = this.decode(this.partial, 0);
      }
      this.sawHeader = true;
      this.handler.onHeader(header);
      if (this.stopped) break;
      if (header.type === FrameType.Data && header.length > 0) {
        this.current = header;
        this.remaining = header.length;
      } else {
        this.handler.onFrameEnd(header);
      }
    }
  }

  /** decodeHeader, classifying a first header with a version other than yamux's as a non-yamux peer. */
  private decode(buf: Buffer, offset: number): FrameHeader {
    if (this.sawHeader) return decodeHeader(buf, offset);
    try {
      return decodeHeader(buf, offset);
    } catch (err) {
      const firstByte = buf[offset] ?? PROTOCOL_VERSION;
      if (firstByte !== PROTOCOL_VERSION && err instanceof Error) throw new NotYamuxPeerError(firstByte, err);
      throw err;
    }
  }
}
