// A yamux session over one Duplex: opening streams, the send path (batching, backpressure), go-away, close; pings in keepalive.ts.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
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
  FLUSH_BATCH_BYTES,
  PREAUTH_CONN_CONTROL_BACKLOG,
  type FrameTypeValue,
  type GoAwayCodeValue,
} from './const.js';
import {
  badOptionError,
  goAwayOpenError,
  isMuxError,
  listenerThrewError,
  remoteGoAwayError,
  sessionAlreadyClosedError,
  sessionClosedError,
  streamsExhaustedError,
  tooManyStreamsError,
} from './errors.js';
import { FrameDispatcher } from './dispatch.js';
import { nonNegative, positive } from './options.js';
import { encodeHeader } from './frame.js';
import { FrameParser } from './parser.js';
import { Pinger } from './keepalive.js';
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
  /** Open streams allowed at once (both directions); beyond it SYNs get RST and open() throws. Default 65,536. */
  maxStreams?: number;
  /** A stream we open that is not ACKed within this closes the session; 0 disables. Default 75 s. */
  streamOpenTimeoutMs?: number;
  /** After our FIN, the peer's FIN is awaited this long, then RST; 0 disables. Default 5 min. */
  streamCloseTimeoutMs?: number;
  /**
   * Set on a server session whose peer has not authenticated yet: until authenticate(), at most
   * this many incoming streams are accepted in all (further SYNs get RST), accepted streams keep
   * yamux's initial 256 KiB window (no window update at all, so the peer can never send one more
   * than that), an ended stream drops what else arrives, and unsent control frames are capped at
   * PREAUTH_CONN_CONTROL_BACKLOG. Unset (default): the session is trusted from the start.
   */
  preauthStreams?: number;
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
  private readonly writeTimeoutMs: number;
  private readonly acceptBacklog: number;
  private readonly maxStreams: number;
  private readonly streamOpenTimeoutMs: number;
  /** Incoming streams an unauthenticated session may still accept; Infinity once authenticated. */
  private preauthStreamsLeft: number;
  /** SYNs answered with RST (limits, go-away, backlog), for tests and logs. */
  private refused = 0;

  private readonly parser: FrameParser;
  private readonly dispatcher: FrameDispatcher;
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
  /** A nextTick flush of a big batch is queued. */
  private flushQueued = false;
  private readPaused = false;
  private drainWaiters: MuxStream[] = [];

  private readonly pinger: Pinger;

  /** Wraps `conn` in a yamux session; it starts reading at once. */
  constructor(conn: Duplex, options: SessionOptions) {
    super();
    this.conn = conn;
    this.client = options.client;
    this.writeTimeoutMs = positive(
      'connectionWriteTimeoutMs',
      options.connectionWriteTimeoutMs,
      DEFAULT_CONNECTION_WRITE_TIMEOUT_MS,
    );
    this.maxStreamWindow = positive('maxStreamWindow', options.maxStreamWindow, DEFAULT_MAX_STREAM_WINDOW);
    if (this.maxStreamWindow < INITIAL_STREAM_WINDOW || this.maxStreamWindow > MAX_U32) {
      throw badOptionError('maxStreamWindow', `${INITIAL_STREAM_WINDOW}..${MAX_U32}`, this.maxStreamWindow);
    }
    this.acceptBacklog = nonNegative('acceptBacklog', options.acceptBacklog, DEFAULT_ACCEPT_BACKLOG);
    this.maxStreams = positive('maxStreams', options.maxStreams, DEFAULT_MAX_STREAMS);
    this.streamOpenTimeoutMs = nonNegative(
      'streamOpenTimeoutMs',
      options.streamOpenTimeoutMs,
      DEFAULT_STREAM_OPEN_TIMEOUT_MS,
    );
    this.streamCloseTimeoutMs = nonNegative(
      'streamCloseTimeoutMs',
      options.streamCloseTimeoutMs,
      DEFAULT_STREAM_CLOSE_TIMEOUT_MS,
    );
    this.nextStreamId = this.client ? 1 : 2;
    this.preauthStreamsLeft =
      options.preauthStreams === undefined ? Infinity : nonNegative('preauthStreams', options.preauthStreams, 0);

    this.dispatcher = new FrameDispatcher({
      client: this.client,
      streams: this.streams,
      backlog: this.backlog,
      acceptBacklog: this.acceptBacklog,
      maxStreams: this.maxStreams,
      localGoAway: () => this.localGoAway,
      sendControl: (type, flags, streamId, length) => this.sendControl(type, flags, streamId, length),
      createStream: (id) => this.createIncoming(id),
      mayAcceptStream: () => this.preauthStreamsLeft > 0,
      onRefused: () => void (this.refused += 1),
      hasStreamListener: () => this.listenerCount('stream') > 0,
      emitStream: (stream) => this.emit('stream', stream),
      onGoAway: (code) => {
        if (code === GoAwayCode.Normal) this.remoteGoAway = true;
        else this.close(remoteGoAwayError(code));
      },
      onPong: (id) => this.pinger.onPong(id),
    });
    this.parser = new FrameParser(this.dispatcher);

    this.on('newListener', this.onNewListener);
    conn.on('data', this.onConnData);
    conn.on('drain', this.onConnDrain);
    conn.on('end', this.onConnEnd);
    conn.on('close', this.onConnClose);
    conn.on('error', this.onConnError);

    const keepaliveMs = nonNegative('keepaliveIntervalMs', options.keepaliveIntervalMs, DEFAULT_KEEPALIVE_INTERVAL_MS);
    this.pinger = new Pinger(this, this.writeTimeoutMs, keepaliveMs);
  }

  /** True once the session has closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Streams currently open (including incoming ones waiting in the backlog). */
  get numStreams(): number {
    return this.streams.size;
  }

  /** False until authenticate() on a session created with `preauthStreams`; true otherwise. */
  get authenticated(): boolean {
    return this.preauthStreamsLeft === Infinity;
  }

  /** SYNs refused with RST so far (stream limits, go-away, full backlog). */
  get refusedStreams(): number {
    return this.refused;
  }

  /** Bytes received and buffered in this session's streams, not yet read by their consumers. */
  get bufferedBytes(): number {
    let sum = 0;
    for (const stream of this.streams.values()) sum += stream.readableLength;
    return sum;
  }

  /**
   * The peer proved itself (a login, a valid work connection): lifts the `preauthStreams` limits
   * and grants every open stream its full window (maxStreamWindow). Idempotent.
   */
  authenticate(): void {
    if (this.authenticated) return;
    this.preauthStreamsLeft = Infinity;
    for (const stream of this.streams.values()) stream.grantFullWindow();
  }

  /**
   * Opens a stream: sends SYN (a Window Update granting the rest of the max window); data may be
   * written at once. Throws BurrowError(CLOSED) on a closed session, MUX_REMOTE_GO_AWAY after the
   * peer's Go Away, MUX_TOO_MANY_STREAMS at the stream limit, MUX_STREAMS_EXHAUSTED when ids run out.
   */
  open(): MuxStream {
    if (this.closed) throw sessionAlreadyClosedError('open a stream');
    if (this.remoteGoAway) throw goAwayOpenError();
    if (this.streams.size >= this.maxStreams) throw tooManyStreamsError(this.maxStreams);
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) throw streamsExhaustedError();
    this.nextStreamId = id + 2;
    const stream = new MuxStream(this, id, false);
    this.streams.set(id, stream);
    stream.announce(Flag.SYN, this.streamOpenTimeoutMs);
    return stream;
  }

  /** Sends a ping and resolves with the round trip in ms; rejects with BurrowError(TIMEOUT) or (CLOSED). */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(sessionAlreadyClosedError('ping'));
    return this.pinger.ping();
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
    this.dispatcher.stop();
    this.pinger.stop();

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
    this.flushIfBig();
  }

  /** @internal Forgets a stream (both sides closed, reset or destroyed). */
  removeStream(stream: MuxStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.dispatcher.forget(stream);
  }

  // ---- accepting ----

  /** A stream for an incoming SYN; on an unauthenticated session it is held to the initial window and counted. */
  private createIncoming(id: number): MuxStream {
    const stream = new MuxStream(this, id, true);
    if (!this.authenticated) {
      this.preauthStreamsLeft -= 1;
      stream.holdWindow();
    }
    return stream;
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

  // ---- conn events ----

  private readonly onConnData = (chunk: Buffer): void => {
    try {
      this.parser.push(chunk);
    } catch (err) {
      if (isMuxError(err)) {
        this.sendControl(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError);
        this.close(err);
      } else {
        // A throwing 'stream'/'data' listener: report it with the close rather than lose it.
        this.sendControl(FrameType.GoAway, 0, 0, GoAwayCode.InternalError);
        this.close(listenerThrewError(err));
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

  /**
   * Batches the frames written until the event loop's check phase into one writev of the conn:
   * small frames from all the I/O callbacks of one loop iteration (many streams' requests and
   * answers) share one syscall and, over TLS, one record; a syscall on loopback costs tens of µs
   * on a VM, more than the wait, which ends in the same iteration. Once FLUSH_BATCH_BYTES are
   * waiting, they go at the end of the current callback instead (bulk data gains nothing by
   * waiting, and the peer can start on it sooner).
   */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.conn.cork();
    setImmediate(uncork, this);
  }

  /** After a frame: flush soon when the batch is big enough. */
  private flushIfBig(): void {
    if (this.corked && !this.flushQueued && this.conn.writableLength >= FLUSH_BATCH_BYTES) {
      this.flushQueued = true;
      process.nextTick(uncork, this);
    }
  }

  /** @internal */
  uncorkNow(): void {
    this.flushQueued = false;
    if (!this.corked) return;
    this.corked = false;
    this.conn.uncork();
  }

  private onBlocked(): void {
    this.blocked = true;
    // Only control frames pass a blocked conn; that many unsent means the peer floods and never reads.
    const limit = this.authenticated ? MAX_CONN_CONTROL_BACKLOG : PREAUTH_CONN_CONTROL_BACKLOG;
    if (!this.readPaused && this.conn.writableLength > limit) {
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
