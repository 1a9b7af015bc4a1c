// An open WebSocket (the `ws` package) as a byte-stream Duplex: binary messages both ways, backpressure, half-close, close and errors.
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import {
  CLEAN_CLOSE_CODES,
  CLOSE_NORMAL,
  WEBSOCKET_COALESCE_BYTES,
  WEBSOCKET_MAX_SEND_BYTES,
  WEBSOCKET_READ_HIGH_WATER,
  WEBSOCKET_WRITE_HIGH_WATER,
} from './constants.js';

/** The empty message that says "no more data from me" (see WebSocketDuplex). */
const END_MARKER = Buffer.alloc(0);

/** ws's error code for a message above maxPayload (other WS_ERR_* codes are framing errors; ws closes with 1009/1002 then). */
const TOO_LARGE_CODE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** A ws RawData value as one Buffer (binaryType is 'nodebuffer', so this is the Buffer itself). */
function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The messages to send for `chunks`: small ones joined up to WEBSOCKET_COALESCE_BYTES, big ones split at WEBSOCKET_MAX_SEND_BYTES. */
export function frameChunks(chunks: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let groupBytes = 0;
  const flush = (): void => {
    if (group.length === 1) out.push(group[0]!);
    else if (group.length > 1) out.push(Buffer.concat(group, groupBytes));
    group = [];
    groupBytes = 0;
  };
  for (const chunk of chunks) {
    if (chunk.length === 0) continue; // an empty message is the end marker, never data
    if (chunk.length >= WEBSOCKET_COALESCE_BYTES) {
      flush();
      // subarray: the big write goes out without a copy.
      for (let off = 0; off < chunk.length; off += WEBSOCKET_MAX_SEND_BYTES)
        out.push(chunk.subarray(off, off + WEBSOCKET_MAX_SEND_BYTES));
      continue;
    }
    if (groupBytes + chunk.length > WEBSOCKET_COALESCE_BYTES) flush();
    group.push(chunk);
    groupBytes += chunk.length;
  }
  flush();
  return out;
}

/** How a WebSocketDuplex ends its direction. */
export interface WebSocketDuplexOptions {
  /**
   * True when both ends agreed (HALF_CLOSE_HEADER) that an empty binary message is an end of stream:
   * end() sends one and the other direction goes on. False (a frp peer): end() sends a Close frame,
   * as frp does, and empty messages mean nothing.
   */
  halfClose: boolean;
}

/**
 * Bytes over an open WebSocket. Every write goes out as binary messages (frp ≥ 0.70 sends binary; older
 * frp sent text frames, which are read as bytes too: the server and dialer turn UTF-8 checks off).
 * Reading pauses the WebSocket (and so its socket) when the reader falls behind; writing waits for the
 * flush once more than WEBSOCKET_WRITE_HIGH_WATER is unsent.
 *
 * Ending: WebSocket has no half-close (a Close frame ends both directions for most peers). Between
 * burrow peers (options.halfClose) end() sends an empty binary message, read by the peer as its
 * end-of-stream while its own direction goes on, and the WebSocket is closed (code 1000) once both
 * directions have ended. With a frp peer end() sends a Close frame (code 1000), which frp reads as
 * EOF and answers by closing. destroy() closes with 1000 too; destroy(err) drops the connection without
 * a Close frame. A Close from the peer ends the readable side (codes 1000/1001/1005) or fails the
 * stream (any other code, e.g. 1006: the connection dropped), and ends the writable side, as nothing
 * more can be sent.
 */
export class WebSocketDuplex extends Duplex {
  private readPaused = false;
  /** The peer's end marker or Close arrived: no more data may follow. */
  private peerEnded = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: WebSocketDuplexOptions,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: WEBSOCKET_READ_HIGH_WATER });
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    ws.on('error', this.onError);
  }

  /** The WebSocket underneath (for tests and diagnostics). */
  get socket(): WebSocket {
    return this.ws;
  }

  private readonly onMessage = (data: WebSocket.RawData): void => {
    if (this.destroyed) return;
    const bytes = toBuffer(data);
    if (this.peerEnded) {
      this.destroy(
        new BurrowError(ErrorCode.PROTOCOL, `WebSocket peer sent ${bytes.length} bytes after its end of stream`),
      );
      return;
    }
    if (bytes.length === 0) {
      // Without the agreement an empty message carries nothing (frp reads it so too).
      if (!this.options.halfClose) return;
      this.peerEnded = true;
      this.push(null);
      return;
    }
    if (!this.push(bytes) && !this.readPaused) {
      this.readPaused = true;
      this.ws.pause();
    }
  };

  private readonly onClose = (code: number, reason: Buffer): void => {
    if (this.destroyed) return;
    if (!CLEAN_CLOSE_CODES.has(code)) {
      const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
      this.destroy(new BurrowError(ErrorCode.NETWORK, `WebSocket closed abnormally (code ${code}${why})`));
      return;
    }
    if (!this.peerEnded) {
      this.peerEnded = true;
      this.push(null);
    }
    // Nothing more can be sent; ending here lets autoDestroy finish once the reader saw the end.
    if (!this.writableEnded) this.end();
  };

  private readonly onError = (err: Error & { code?: string }): void => {
    if (this.destroyed) return;
    const code =
      err.code === TOO_LARGE_CODE
        ? ErrorCode.MESSAGE_TOO_LARGE
        : err.code?.startsWith('WS_ERR_')
          ? ErrorCode.PROTOCOL
          : ErrorCode.NETWORK;
    this.destroy(new BurrowError(code, `WebSocket: ${errorMessage(err)}`, { cause: err }));
  };

  override _read(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** Sends `chunks` as messages; `callback` runs at once while little is unsent, else when the last one is flushed. */
  private send(chunks: readonly Buffer[], callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      callback(new BurrowError(ErrorCode.CLOSED, 'WebSocket is closed; data not sent'));
      return;
    }
    const messages = frameChunks(chunks);
    if (messages.length === 0) {
      callback();
      return;
    }
    let answered = false;
    const flushed = (err?: Error): void => {
      if (answered) {
        // The write was already reported done: a late failure ends the stream instead.
        if (err && !this.destroyed)
          this.destroy(new BurrowError(ErrorCode.NETWORK, `WebSocket send failed: ${err.message}`, { cause: err }));
        return;
      }
      answered = true;
      callback(err ?? null);
    };
    const last = messages.length - 1;
    for (let i = 0; i < messages.length; i++) {
      this.ws.send(messages[i]!, { binary: true, compress: false, fin: true }, i === last ? flushed : undefined);
    }
    if (!answered && this.ws.bufferedAmount < WEBSOCKET_WRITE_HIGH_WATER) {
      answered = true;
      callback();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      callback();
      return;
    }
    if (!this.options.halfClose) {
      // frp's end of stream: a Close frame, queued after every byte written before it.
      this.ws.close(CLOSE_NORMAL);
      callback();
      return;
    }
    // Its send callback runs once the marker, and so every byte before it, reached the socket.
    this.ws.send(END_MARKER, { binary: true, compress: false, fin: true }, (err) => callback(err ?? null));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.ws.off('message', this.onMessage);
    this.ws.off('close', this.onClose);
    this.ws.off('error', this.onError);
    // ws may still report the socket's fate; it is no longer ours to act on.
    this.ws.on('error', () => undefined);
    const state = this.ws.readyState;
    if (error && (state === WebSocket.OPEN || state === WebSocket.CLOSING || state === WebSocket.CONNECTING)) {
      this.ws.terminate();
    } else if (state === WebSocket.OPEN || state === WebSocket.CLOSING) {
      // The peer's Close must be read for the close handshake to finish.
      if (this.readPaused) this.ws.resume();
      if (state === WebSocket.OPEN) this.ws.close(CLOSE_NORMAL);
    }
    callback(error);
  }
}
