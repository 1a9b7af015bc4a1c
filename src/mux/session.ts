// A yamux session over one Duplex: frame dispatch, stream table, backpressure, keepalive, go-away.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import {
  DEFAULT_ACCEPT_BACKLOG,
  DEFAULT_CONNECTION_WRITE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_MAX_STREAMS,
  DEFAULT_MAX_STREAM_WINDOW,
  DEFAULT_STREAM_CLOSE_TIMEOUT_MS,
  DEFAULT_STREAM_OPEN_TIMEOUT_MS,
  Flag,
  FrameType,
  GoAwayCode,
  INITIAL_STREAM_WINDOW,
  MAX_CONN_CONTROL_BACKLOG,
  MAX_STREAM_ID,
  MAX_U32,
  type FrameTypeValue,
  type GoAwayCodeValue,
} from './const.js';
import {
  badOptionError,
  badStreamIdError,
  duplicateStreamError,
  goAwayOpenError,
  pingTimeoutError,
  remoteGoAwayError,
  sessionAlreadyClosedError,
  sessionClosedError,
  streamsExhaustedError,
  tooManyStreamsError,
  windowExceededError,
} from './errors.js';
import { encodeHeader, type FrameHeader } from './frame.js';
import { FrameParser } from './parser.js';
import { MuxStream } from './stream.js';

/** Session settings; defaults are yamux's DefaultConfig with frp's changes. */
export interface SessionOptions {
  /** Client sessions open odd stream ids, server sessions even ones. */
  client: boolean;
  /** Interval between keepalive pings; 0 disables keepalive. Default 30 s. */
  keepaliveIntervalMs?: number;
  /** Also the ping-reply deadline: a keepalive ping unanswered within it closes the session. Default 10 s. */
  connectionWriteTimeoutMs?: number;
  /** The receive window each stream grants its peer. Default 6 MiB (frp). */
  maxStreamWindow?: number;
  /** Incoming streams queued while no 'stream' listener is attached; beyond it SYNs get RST. Default 256. */
  acceptBacklog?: number;
  /** Open streams allowed at once (both directions); beyond it SYNs get RST and open() throws. Default 4096. */
  maxStreams?: number;
  /** A stream we open that is not ACKed within this closes the session; 0 disables. Default 75 s. */
  streamOpenTimeoutMs?: number;
  /** After our FIN, the peer's FIN is awaited this long, then RST; 0 disables. Default 5 min. */
  streamCloseTimeoutMs?: number;
}

/** A ping waiting for its reply. */
interface PendingPing {
  readonly start: number;
  readonly resolve: (rttMs: number) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A yamux session (hashicorp/yamux v0.1.1 wire format) over a Duplex such as a TCP or TLS socket.
 * Events: 'stream' (stream: MuxStream) for each stream the peer opens, already ACKed;
 * 'close' (err?: Error) once, when the session ends. 'error' is never emitted: errors come with 'close'.
 */
export class Session extends EventEmitter {
  /** @internal The receive window each stream grants. */
  readonly maxStreamWindow: number;
  /** @internal */
  readonly streamCloseTimeoutMs: number;

  private readonly conn: Duplex;
  private readonly client: boolean;
  private readonly keepaliveIntervalMs: number;
  private readonly writeTimeoutMs: number;
  private readonly acceptBacklog: number;
  private readonly maxStreams: number;
  private readonly streamOpenTimeoutMs: number;

  private readonly parser: FrameParser;
  private readonly streams = new Map<number, MuxStream>();
  /** Incoming streams not yet handed out (no 'stream' listener yet); their ACK waits too. */
  private readonly backlog: MuxStream[] = [];
  private nextStreamId: number;

  private closed = false;
  private localGoAway = false;
  private remoteGoAway = false;

  /** True when conn.write() returned false: data frames wait for 'drain'. */
  private blocked = false;
  private corked = false;
  private readPaused = false;
  private drainWaiters: MuxStream[] = [];

  /** The stream receiving the current Data frame's payload (null: discard it). */
  private receiving: MuxStream | null = null;

  private readonly pings = new Map<number, PendingPing>();
  private nextPingId = 0;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private keepaliveInFlight = false;

  /** Wraps `conn` in a yamux session; it starts reading at once. */
  constructor(conn: Duplex, options: SessionOptions) {
    super();
    this.conn = conn;
    this.client = options.client;
    this.keepaliveIntervalMs = nonNegative('keepaliveIntervalMs', options.keepaliveIntervalMs, DEFAULT_KEEPALIVE_INTERVAL_MS);
    this.writeTimeoutMs = positive('connectionWriteTimeoutMs', options.connectionWriteTimeoutMs, DEFAULT_CONNECTION_WRITE_TIMEOUT_MS);
    this.maxStreamWindow = positive('maxStreamWindow', options.maxStreamWindow, DEFAULT_MAX_STREAM_WINDOW);
    if (this.maxStreamWindow < INITIAL_STREAM_WINDOW || this.maxStreamWindow > MAX_U32) {
      throw badOptionError('maxStreamWindow', `${INITIAL_STREAM_WINDOW}..${MAX_U32}`, this.maxStreamWindow);
    }
    this.acceptBacklog = nonNegative('acceptBacklog', options.acceptBacklog, DEFAULT_ACCEPT_BACKLOG);
    this.maxStreams = positive('maxStreams', options.maxStreams, DEFAULT_MAX_STREAMS);
    this.streamOpenTimeoutMs = nonNegative('streamOpenTimeoutMs', options.streamOpenTimeoutMs, DEFAULT_STREAM_OPEN_TIMEOUT_MS);
    this.streamCloseTimeoutMs = nonNegative('streamCloseTimeoutMs', options.streamCloseTimeoutMs, DEFAULT_STREAM_CLOSE_TIMEOUT_MS);
    this.nextStreamId = this.client ? 1 : 2;

    this.parser = new FrameParser({
      onHeader: (h) => this.onHeader(h),
      onPayload: (_h, piece) => {
        if (this.receiving !== null) this.receiving.onData(piece);
      },
      onFrameEnd: (h) => this.onFrameEnd(h),
    });

    this.on('newListener', this.onNewListener);
    conn.on('data', this.onConnData);
    conn.on('drain', this.onConnDrain);
    conn.on('end', this.onConnEnd);
    conn.on('close', this.onConnClose);
    conn.on('error', this.onConnError);

    if (this.keepaliveIntervalMs > 0) {
      this.keepaliveTimer = setInterval(this.keepalive, this.keepaliveIntervalMs);
      this.keepaliveTimer.unref();
    }
  }

  /** True once the session has closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Streams currently open (including incoming ones waiting in the backlog). */
  get numStreams(): number {
    return this.streams.size;
  }

  /**
   * Opens a stream: sends SYN (a Window Update granting the rest of the max window); data may be
   * written at once. Throws BurrowError(CLOSED) on a closed session, BurrowError(MUX) after the
   * peer's Go Away, at the stream limit, or when ids are exhausted.
   */
  open(): MuxStream {
    if (this.closed) throw sessionAlreadyClosedError('open a stream');
    if (this.remoteGoAway) throw goAwayOpenError();
    if (this.streams.size >= this.maxStreams) throw tooManyStreamsError(this.maxStreams);
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) throw streamsExhaustedError();
    this.nextStreamId = id + 2;
    const stream = new MuxStream(this, id);
    this.streams.set(id, stream);
    stream.announce(Flag.SYN, this.streamOpenTimeoutMs);
    return stream;
  }

  /** Sends a ping and resolves with the round trip in ms; rejects with BurrowError(TIMEOUT) or (CLOSED). */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(sessionAlreadyClosedError('ping'));
    const id = this.nextPingId;
    this.nextPingId = id === MAX_U32 ? 0 : id + 1;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(pingTimeoutError(this.writeTimeoutMs));
      }, this.writeTimeoutMs);
      timer.unref();
      this.pings.set(id, { start: performance.now(), resolve, reject, timer });
      this.sendControl(FrameType.Ping, Flag.SYN, 0, id);
    });
  }

  /** Tells the peer we accept no new streams (its SYNs will get RST); existing streams continue. */
  goAway(code: GoAwayCodeValue = GoAwayCode.Normal): void {
    this.localGoAway = true;
    this.sendControl(FrameType.GoAway, 0, 0, code);
  }

  /**
   * Closes the session: every stream is destroyed (with `err` if given), queued frames are flushed,
   * then the conn is destroyed; emits 'close' (with `err`) once.
   */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.parser.stop();
    this.receiving = null;
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;

    const pingErr = sessionAlreadyClosedError('wait for a ping reply');
    for (const p of this.pings.values()) {
      clearTimeout(p.timer);
      p.reject(pingErr);
    }
    this.pings.clear();

    const streams = [...this.streams.values()];
    // Queued streams never reached the user, so nobody listens for their errors: end them quietly.
    const unseen = new Set(this.backlog);
    this.streams.clear();
    this.backlog.length = 0;
    this.drainWaiters = [];
    for (const s of streams) s.onSessionClosed(unseen.has(s) ? undefined : err);

    const conn = this.conn;
    conn.off('data', this.onConnData);
    conn.off('drain', this.onConnDrain);
    conn.off('end', this.onConnEnd);
    conn.off('close', this.onConnClose);
    conn.off('error', this.onConnError);
    // The dying conn may still report EPIPE/ECONNRESET; the session has already said why it closed.
    conn.on('error', ignoreLateError);
    if (this.corked) {
      this.corked = false;
      conn.uncork();
    }
    if (!conn.destroyed && conn.writableFinished) {
      conn.destroy();
    } else if (!conn.destroyed) {
      // Flush what is queued (a Go Away, FINs), then drop; bounded by the write timeout.
      const timer = setTimeout(() => conn.destroy(), this.writeTimeoutMs);
      timer.unref();
      conn.once('finish', () => {
        clearTimeout(timer);
        conn.destroy();
      });
      if (this.readPaused) conn.resume();
      conn.end();
    }
    process.nextTick(() => this.emit('close', err));
  }

  // ---- used by MuxStream ----

  /** @internal True while data frames must wait for the conn's 'drain'. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** @internal Queues a stream to resume on 'drain'. */
  waitForDrain(stream: MuxStream): void {
    if (stream.waitingDrain) return;
    stream.waitingDrain = true;
    this.drainWaiters.push(stream);
  }

  /** @internal Writes a header-only frame (window update, FIN, RST, ping, go away); never held. */
  sendControl(type: FrameTypeValue, flags: number, streamId: number, length: number): void {
    if (this.closed) return;
    this.cork();
    if (!this.conn.write(encodeHeader(type, flags, streamId, length))) this.onBlocked();
  }

  /** @internal Writes one Data frame: header and payload as two writes in one cork (no copy). */
  writeData(streamId: number, payload: Buffer): void {
    if (this.closed) return;
    this.cork();
    this.conn.write(encodeHeader(FrameType.Data, 0, streamId, payload.length));
    if (!this.conn.write(payload)) this.onBlocked();
  }

  /** @internal Forgets a stream (both sides closed, reset or destroyed). */
  removeStream(stream: MuxStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    if (this.receiving === stream) this.receiving = null;
  }

  // ---- receive path ----

  private onHeader(h: FrameHeader): void {
    switch (h.type) {
      case FrameType.Data:
      case FrameType.WindowUpdate:
        this.onStreamHeader(h);
        return;
      case FrameType.Ping:
        if ((h.flags & Flag.SYN) !== 0) this.sendControl(FrameType.Ping, Flag.ACK, 0, h.length);
        else if ((h.flags & Flag.ACK) !== 0) this.onPong(h.length);
        return;
      case FrameType.GoAway:
        if (h.length === GoAwayCode.Normal) this.remoteGoAway = true;
        else this.close(remoteGoAwayError(h.length));
        return;
    }
  }

  private onStreamHeader(h: FrameHeader): void {
    const id = h.streamId;
    const flags = h.flags;
    this.receiving = null;
    let accepted: MuxStream | null = null;
    if ((flags & Flag.SYN) !== 0) {
      const incoming = this.incomingStream(id);
      if (incoming === null) return; // refused with RST: the frame's payload is discarded
      if (incoming !== 'queued') accepted = incoming;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) return; // unknown or recently closed stream: ignored, payload discarded
    // Hand an accepted stream out before the rest of its frame applies: a RST or a window overrun
    // in the SYN frame must reach a listener, not be emitted as 'error' on a stream nobody holds.
    if (accepted !== null) {
      this.emit('stream', accepted);
      if (accepted.destroyed) return; // the listener dropped it (RST sent): the frame's payload is discarded
    }
    if ((flags & Flag.ACK) !== 0) stream.onAck();
    if ((flags & Flag.RST) !== 0) {
      const queued = this.backlog.indexOf(stream);
      if (queued >= 0) {
        // Nobody has seen it yet, so nobody listens for its errors: drop it quietly.
        this.backlog.splice(queued, 1);
        stream.onReset(false);
      } else {
        stream.onReset(true);
      }
      return;
    }
    if (h.type === FrameType.WindowUpdate) {
      if (h.length > 0) stream.onWindowUpdate(h.length);
    } else if (h.length > 0) {
      if (!stream.onDataHeader(h.length)) throw windowExceededError(id, h.length, stream.receiveWindow);
      this.receiving = stream;
    }
  }

  private onFrameEnd(h: FrameHeader): void {
    this.receiving = null;
    if ((h.flags & Flag.FIN) !== 0 && h.type <= FrameType.WindowUpdate) {
      this.streams.get(h.streamId)?.onRemoteFin();
    }
  }

  /**
   * A SYN: returns the accepted stream (ACK sent; emit it), 'queued' (waits in the backlog),
   * or null (refused with RST). Throws on a duplicate or wrong-parity id.
   */
  private incomingStream(id: number): MuxStream | 'queued' | null {
    if (id === 0 || (id % 2 === 1) === this.client) throw badStreamIdError(id, this.client);
    if (this.streams.has(id)) throw duplicateStreamError(id);
    if (this.localGoAway || this.streams.size >= this.maxStreams) {
      this.sendControl(FrameType.WindowUpdate, Flag.RST, id, 0);
      return null;
    }
    if (this.backlog.length === 0 && this.listenerCount('stream') > 0) {
      const stream = new MuxStream(this, id);
      this.streams.set(id, stream);
      stream.announce(Flag.ACK, 0);
      return stream;
    }
    if (this.backlog.length >= this.acceptBacklog) {
      this.sendControl(FrameType.WindowUpdate, Flag.RST, id, 0);
      return null;
    }
    const stream = new MuxStream(this, id);
    this.streams.set(id, stream);
    this.backlog.push(stream);
    return 'queued';
  }

  /** Hands queued incoming streams to a newly attached 'stream' listener. */
  private readonly onNewListener = (event: string | symbol): void => {
    if (event === 'stream' && this.backlog.length > 0) process.nextTick(() => this.flushBacklog());
  };

  private flushBacklog(): void {
    while (!this.closed && this.backlog.length > 0 && this.listenerCount('stream') > 0) {
      const stream = this.backlog.shift()!;
      if (stream.destroyed) continue;
      stream.announce(Flag.ACK, 0);
      this.emit('stream', stream);
    }
  }

  private onPong(id: number): void {
    const p = this.pings.get(id);
    if (p === undefined) return; // late reply to a ping that already timed out
    this.pings.delete(id);
    clearTimeout(p.timer);
    p.resolve(performance.now() - p.start);
  }

  private readonly keepalive = (): void => {
    if (this.keepaliveInFlight || this.closed) return;
    this.keepaliveInFlight = true;
    this.ping().then(
      () => {
        this.keepaliveInFlight = false;
      },
      (err: unknown) => {
        this.keepaliveInFlight = false;
        if (!this.closed) this.close(new BurrowError(ErrorCode.TIMEOUT, `keepalive failed: ${errorMessage(err)}`, { cause: err }));
      },
    );
  };

  // ---- conn events ----

  private readonly onConnData = (chunk: Buffer): void => {
    try {
      this.parser.push(chunk);
    } catch (err) {
      if (err instanceof BurrowError && err.code === ErrorCode.MUX) {
        this.sendControl(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError);
        this.close(err);
      } else {
        // A throwing 'stream'/'data' listener: report it with the close rather than lose it.
        this.sendControl(FrameType.GoAway, 0, 0, GoAwayCode.InternalError);
        this.close(new BurrowError(ErrorCode.INTERNAL, `yamux session listener threw: ${errorMessage(err)}`, { cause: err }));
      }
    }
  };

  private readonly onConnDrain = (): void => {
    this.blocked = false;
    if (this.readPaused && !this.closed) {
      this.readPaused = false;
      this.conn.resume();
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (let i = 0; i < waiters.length; i++) {
      if (this.blocked || this.closed) {
        // Blocked again: the rest keep their turn ahead of any stream queued meanwhile.
        for (let j = i; j < waiters.length; j++) waiters[j]!.waitingDrain = false;
        const rest = waiters.slice(i);
        const newcomers = this.drainWaiters;
        this.drainWaiters = [];
        for (const s of rest) this.waitForDrain(s);
        for (const s of newcomers) {
          s.waitingDrain = false;
          this.waitForDrain(s);
        }
        return;
      }
      waiters[i]!.onDrain();
    }
  };

  private readonly onConnEnd = (): void => {
    this.close(sessionClosedError('connection ended by peer'));
  };

  private readonly onConnClose = (): void => {
    this.close(sessionClosedError('connection closed'));
  };

  private readonly onConnError = (err: Error): void => {
    this.close(sessionClosedError(`connection error: ${err.message}`, err));
  };

  // ---- send path ----

  /** Batches every frame written in this tick into one writev of the conn. */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.conn.cork();
    process.nextTick(uncork, this);
  }

  /** @internal */
  uncorkNow(): void {
    if (!this.corked) return;
    this.corked = false;
    this.conn.uncork();
  }

  private onBlocked(): void {
    this.blocked = true;
    // Only control frames pass a blocked conn; that many unsent means the peer floods and never reads.
    if (!this.readPaused && this.conn.writableLength > MAX_CONN_CONTROL_BACKLOG) {
      this.readPaused = true;
      this.conn.pause();
    }
  }
}

function uncork(session: Session): void {
  session.uncorkNow();
}

function ignoreLateError(): void {
  // intentionally empty: see Session.close()
}

/** An option that must be an integer >= 0, or its default. */
function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw badOptionError(name, 'an integer >= 0', value);
  return value;
}

/** An option that must be an integer > 0, or its default. */
function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw badOptionError(name, 'an integer > 0', value);
  return value;
}
