// One yamux stream as a Node Duplex: send/receive windows, half-close (FIN), reset (RST), timeouts; its state in stream-state.ts.

import { Duplex } from 'node:stream';
import {
  Flag,
  FrameType,
  INITIAL_STREAM_WINDOW,
  MAX_DATA_FRAME_PAYLOAD,
  STREAM_READABLE_HIGH_WATER_MARK,
  STREAM_WRITABLE_HIGH_WATER_MARK,
} from './const.js';
import { closeTimeoutError, openTimeoutError, sessionAlreadyClosedError, streamResetError } from './errors.js';
import type { Session } from './session.js';
import {
  StreamEvent,
  StreamState,
  isGone,
  mayGrantWindow,
  nextState,
  receivesData,
  type StreamEventValue,
  type StreamStateValue,
} from './stream-state.js';

/**
 * A logical stream of a Session. Writes become Data frames bounded by the peer's window; reads are
 * the peer's Data frames, and window updates go out as the consumer drains the readable side, so
 * a stalled reader stops its sender without blocking the session's other streams.
 * end() sends FIN (half-close); the peer's FIN ends the readable side; destroy() sends RST.
 * Created only by Session (open() or the 'stream' event).
 */
export class MuxStream extends Duplex {
  /** The stream id (odd: opened by the client side, even: by the server side). */
  readonly id: number;
  /** The session carrying this stream. */
  readonly session: Session;

  /** Bytes we may still send before the peer's next window update. */
  private sendWindow = INITIAL_STREAM_WINDOW;
  /** Bytes the peer may still send before our next window update. */
  private recvWindow = INITIAL_STREAM_WINDOW;
  /** Bytes of the Data frame being received that are counted in the window but not yet pushed. */
  private inbound = 0;
  /** Where the stream is in its lifecycle; written only by apply(). */
  private state: StreamStateValue;
  /** Unauthenticated session: no window beyond the initial one is granted (until grantFullWindow). */
  private held = false;
  /** A held stream we ended (a refused first message): what else the peer sends is dropped, not buffered. */
  private discarding = false;

  /** The write being sent: its chunks, progress, and callback (held while the window or conn is full). */
  private pendingChunks: Buffer[] | null = null;
  private pendingIndex = 0;
  private pendingOffset = 0;
  private pendingCb: ((err?: Error | null) => void) | null = null;
  /** @internal True while queued in the session's drain waiters. */
  waitingDrain = false;

  private openTimer: NodeJS.Timeout | null = null;
  private closeTimer: NodeJS.Timeout | null = null;

  /** @internal Use Session.open() or the Session 'stream' event. */
  constructor(session: Session, id: number, incoming: boolean) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: STREAM_READABLE_HIGH_WATER_MARK,
      writableHighWaterMark: STREAM_WRITABLE_HIGH_WATER_MARK,
    });
    this.session = session;
    this.id = id;
    this.state = incoming ? StreamState.SYNReceived : StreamState.Init;
  }

  /** The stream's lifecycle state (see stream-state.ts). */
  get streamState(): StreamStateValue {
    return this.state;
  }

  // ---- called by Session ----

  /**
   * @internal Sends SYN (we open) or ACK (we accept) as a Window Update granting the rest of the max
   * window (6 MiB − 256 KiB with frp's settings), like yamux's first sendWindowUpdate.
   */
  announce(flag: number, openTimeoutMs: number): void {
    // A held stream's ACK grants nothing: the peer keeps the initial window only.
    const delta = this.held ? 0 : this.session.maxStreamWindow - this.readableLength - this.inbound - this.recvWindow;
    this.recvWindow += delta;
    this.apply(flag === Flag.SYN ? StreamEvent.SendSyn : StreamEvent.SendAck);
    this.session.sendControl(FrameType.WindowUpdate, flag, this.id, delta);
    if (flag === Flag.SYN && openTimeoutMs > 0) {
      this.openTimer = setTimeout(onOpenTimeout, openTimeoutMs, this, openTimeoutMs);
      this.openTimer.unref();
    }
  }

  /** @internal Holds this (incoming, not yet announced) stream to the initial window: its session is unauthenticated. */
  holdWindow(): void {
    this.held = true;
  }

  /** True while the stream is held to yamux's initial window (its session has not authenticated). */
  get windowHeld(): boolean {
    return this.held;
  }

  /** @internal The session authenticated: grant the full window now (a window update) and from then on. */
  grantFullWindow(): void {
    if (!this.held) return;
    this.held = false;
    this.discarding = false;
    if (!mayGrantWindow(this.state) || this.destroyed) return;
    const delta = this.session.maxStreamWindow - this.readableLength - this.inbound - this.recvWindow;
    if (delta <= 0) return;
    this.recvWindow += delta;
    this.session.sendControl(FrameType.WindowUpdate, 0, this.id, delta);
  }

  /** @internal The peer accepted our SYN. */
  onAck(): void {
    this.apply(StreamEvent.RecvAck);
    if (this.openTimer !== null) {
      clearTimeout(this.openTimer);
      this.openTimer = null;
    }
  }

  /** @internal The peer granted more window: resume a held write. */
  onWindowUpdate(increment: number): void {
    this.sendWindow += increment;
    if (this.pendingChunks !== null && !this.waitingDrain) this.flushPending();
  }

  /** @internal A Data frame header: false when it exceeds the window (a protocol error). */
  onDataHeader(length: number): boolean {
    if (length > this.recvWindow) return false;
    this.recvWindow -= length;
    this.inbound += length;
    return true;
  }

  /** @internal The window the peer has left, for error messages. */
  get receiveWindow(): number {
    return this.recvWindow;
  }

  /** @internal A piece of Data payload (a view of the conn's chunk, pushed without copying). */
  onData(piece: Buffer): void {
    this.inbound -= piece.length;
    if (!receivesData(this.state) || this.destroyed || this.discarding) return; // data after FIN, our reset or a pre-auth refusal: dropped
    this.push(piece);
    this.maybeSendWindowUpdate();
  }

  /** @internal The peer half-closed: end the readable side. */
  onRemoteFin(): void {
    if (!receivesData(this.state)) return;
    this.apply(StreamEvent.RecvFin);
    if (!this.destroyed) this.push(null);
    if (this.state === StreamState.Closed) this.forget(); // both FINs
  }

  /** @internal The peer reset the stream; `report` false for a stream never handed out (no listener). */
  onReset(report: boolean): void {
    this.apply(StreamEvent.Reset);
    this.forget();
    this.destroy(report ? streamResetError(this.id) : undefined);
  }

  /** @internal The session closed: end quietly if both sides were done, else fail with `err`. */
  onSessionClosed(err: Error | undefined): void {
    this.apply(StreamEvent.SessionClosed);
    this.clearTimers();
    if ((this.readableEnded && this.writableFinished) || err === undefined) this.destroy();
    else this.destroy(err);
  }

  /** @internal The conn drained: continue the held write. */
  onDrain(): void {
    this.waitingDrain = false;
    if (this.pendingChunks !== null) this.flushPending();
  }

  // ---- Duplex implementation ----

  /** The consumer wants more: grant window for what it has drained. */
  override _read(): void {
    this.maybeSendWindowUpdate();
  }

  /**
   * Every consumption path (flowing mode, pipe, read(), async iteration) takes buffered data through
   * read(); granting window here, not only in _read (called near empty), keeps the sender going.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Readable.read's own signature
  override read(size?: number): any {
    const chunk: unknown = super.read(size);
    if (chunk !== null) this.maybeSendWindowUpdate();
    return chunk;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.startWrite([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    const list = new Array<Buffer>(chunks.length);
    for (let i = 0; i < chunks.length; i++) list[i] = chunks[i]!.chunk;
    this.startWrite(list, callback);
  }

  /** end(): all data frames are out; send FIN and wait (bounded) for the peer's. */
  override _final(callback: (err?: Error | null) => void): void {
    if (this.session.isClosed) {
      callback(sessionAlreadyClosedError(`close stream ${this.id}`));
      return;
    }
    this.apply(StreamEvent.SendFin);
    // An unauthenticated peer's stream we end was refused: nothing it sends from now on is kept.
    if (this.held) this.discarding = true;
    this.session.sendControl(FrameType.WindowUpdate, Flag.FIN, this.id, 0);
    if (this.state === StreamState.Closed) {
      this.forget(); // both FINs
    } else {
      const ms = this.session.streamCloseTimeoutMs;
      if (ms > 0) {
        this.closeTimer = setTimeout(onCloseTimeout, ms, this, ms);
        this.closeTimer.unref();
      }
    }
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.clearTimers();
    this.pendingChunks = null;
    this.pendingCb = null;
    if (!isGone(this.state)) {
      // Not both halves closed: tell the peer to drop its side now.
      if (!this.session.isClosed) this.session.sendControl(FrameType.WindowUpdate, Flag.RST, this.id, 0);
      this.apply(StreamEvent.Reset);
      this.forget();
    }
    callback(err);
  }

  // ---- internals ----

  /** @internal The close timeout fired: reset and drop. */
  closeTimedOut(ms: number): void {
    this.closeTimer = null;
    if (!this.session.isClosed) this.session.sendControl(FrameType.WindowUpdate, Flag.RST, this.id, 0);
    this.apply(StreamEvent.Reset);
    this.forget();
    this.destroy(closeTimeoutError(this.id, ms));
  }

  private startWrite(chunks: Buffer[], callback: (err?: Error | null) => void): void {
    if (this.session.isClosed) {
      callback(sessionAlreadyClosedError(`write to stream ${this.id}`));
      return;
    }
    this.pendingChunks = chunks;
    this.pendingIndex = 0;
    this.pendingOffset = 0;
    this.pendingCb = callback;
    this.flushPending();
  }

  /** Sends as much of the held write as window and conn allow; completes it when all is out. */
  private flushPending(): void {
    const chunks = this.pendingChunks!;
    const session = this.session;
    while (this.pendingIndex < chunks.length) {
      const chunk = chunks[this.pendingIndex]!;
      while (this.pendingOffset < chunk.length) {
        if (this.sendWindow === 0) return; // resumed by onWindowUpdate
        if (session.isBlocked) {
          session.waitForDrain(this); // resumed by onDrain
          return;
        }
        const offset = this.pendingOffset;
        const n = Math.min(this.sendWindow, chunk.length - offset, MAX_DATA_FRAME_PAYLOAD);
        session.writeData(this.id, offset === 0 && n === chunk.length ? chunk : chunk.subarray(offset, offset + n));
        this.sendWindow -= n;
        this.pendingOffset = offset + n;
      }
      this.pendingIndex++;
      this.pendingOffset = 0;
    }
    const callback = this.pendingCb!;
    this.pendingChunks = null;
    this.pendingCb = null;
    callback();
  }

  /** Grants the peer more window once at least half the max can be granted (yamux's rule). */
  private maybeSendWindowUpdate(): void {
    if (this.held || !mayGrantWindow(this.state) || this.destroyed) return;
    const max = this.session.maxStreamWindow;
    const delta = max - this.readableLength - this.inbound - this.recvWindow;
    if (delta < max / 2) return;
    this.recvWindow += delta;
    this.session.sendControl(FrameType.WindowUpdate, 0, this.id, delta);
  }

  /** The only writer of `state`: moves it along the transition table. */
  private apply(event: StreamEventValue): void {
    this.state = nextState(this.state, event);
  }

  /** Removes the stream from its session once it is Closed or Reset (idempotent: removeStream checks identity). */
  private forget(): void {
    this.clearTimers();
    this.session.removeStream(this);
  }

  private clearTimers(): void {
    if (this.openTimer !== null) clearTimeout(this.openTimer);
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.openTimer = null;
    this.closeTimer = null;
  }
}

/** Timer callback: our SYN was never ACKed, which closes the session (frp's behaviour). */
function onOpenTimeout(stream: MuxStream, ms: number): void {
  stream.session.close(openTimeoutError(stream.id, ms));
}

/** Timer callback: the peer never sent its FIN after ours. */
function onCloseTimeout(stream: MuxStream, ms: number): void {
  stream.closeTimedOut(ms);
}
