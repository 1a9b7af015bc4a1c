// yamux receive path: what each parsed frame does to the session's streams (accept, data, windows, FIN, RST, pings, go-away).

import { Flag, FrameType, type FrameTypeValue } from './const.js';
import { badStreamIdError, duplicateStreamError, windowExceededError } from './errors.js';
import type { FrameHeader } from './frame.js';
import type { FrameHandler } from './parser.js';
import type { MuxStream } from './stream.js';

/** What the dispatcher needs from its session: the stream table, limits, and a few actions. */
export interface DispatchHost {
  /** A client session opens odd ids, so it accepts even ones (and the reverse). */
  readonly client: boolean;
  /** Open streams by id, incoming ones in the backlog included. */
  readonly streams: Map<number, MuxStream>;
  /** Incoming streams not handed out yet (no 'stream' listener); their ACK waits too. */
  readonly backlog: MuxStream[];
  readonly acceptBacklog: number;
  readonly maxStreams: number;
  /** True once we sent Go Away: new SYNs get RST. */
  localGoAway(): boolean;
  /** Writes a header-only frame. */
  sendControl(type: FrameTypeValue, flags: number, streamId: number, length: number): void;
  /** A new stream object for an incoming id (not registered yet). */
  createStream(id: number): MuxStream;
  /** False while an unauthenticated session has accepted all the streams it may (SYNs get RST). */
  mayAcceptStream(): boolean;
  /** A SYN was refused with RST. */
  onRefused(): void;
  /** True when someone listens for 'stream'. */
  hasStreamListener(): boolean;
  /** Hands an accepted stream to the 'stream' listeners. */
  emitStream(stream: MuxStream): void;
  /** The peer sent Go Away with `code`. */
  onGoAway(code: number): void;
  /** The peer answered our ping `id`. */
  onPong(id: number): void;
}

/**
 * Receives headers, payload pieces and frame ends from the FrameParser (in wire order) and applies
 * them to the session. Throws a mux BurrowError for protocol errors (MUX_DUPLICATE_STREAM, MUX_INVALID_STREAM_ID,
 * MUX_WINDOW_EXCEEDED); the session answers those with Go Away and closes.
 */
export class FrameDispatcher implements FrameHandler {
  /** The stream receiving the current Data frame's payload (null: discard it). */
  private receiving: MuxStream | null = null;

  constructor(private readonly host: DispatchHost) {}

  /** Stops delivering payload (the session closed). */
  stop(): void {
    this.receiving = null;
  }

  /** A stream left the session: its remaining payload, if any, is discarded. */
  forget(stream: MuxStream): void {
    if (this.receiving === stream) this.receiving = null;
  }

  onHeader(h: FrameHeader): void {
    switch (h.type) {
      case FrameType.Data:
      case FrameType.WindowUpdate:
        this.onStreamHeader(h);
        return;
      case FrameType.Ping:
        if ((h.flags & Flag.SYN) !== 0) this.host.sendControl(FrameType.Ping, Flag.ACK, 0, h.length);
        else if ((h.flags & Flag.ACK) !== 0) this.host.onPong(h.length);
        return;
      case FrameType.GoAway:
        this.host.onGoAway(h.length);
        return;
    }
  }

  onPayload(_h: FrameHeader, piece: Buffer): void {
    if (this.receiving !== null) this.receiving.onData(piece);
  }

  onFrameEnd(h: FrameHeader): void {
    this.receiving = null;
    if ((h.flags & Flag.FIN) !== 0 && h.type <= FrameType.WindowUpdate) {
      this.host.streams.get(h.streamId)?.onRemoteFin();
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
    const stream = this.host.streams.get(id);
    if (stream === undefined) return; // unknown or recently closed stream: ignored, payload discarded
    // Hand an accepted stream out before the rest of its frame applies: a RST or a window overrun
    // in the SYN frame must reach a listener, not be emitted as 'error' on a stream nobody holds.
    if (accepted !== null) {
      this.host.emitStream(accepted);
      if (accepted.destroyed) return; // the listener dropped it (RST sent): the frame's payload is discarded
    }
    if ((flags & Flag.ACK) !== 0) stream.onAck();
    if ((flags & Flag.RST) !== 0) {
      const backlog = this.host.backlog;
      const queued = backlog.indexOf(stream);
      if (queued >= 0) {
        // Nobody has seen it yet, so nobody listens for its errors: drop it quietly.
        backlog.splice(queued, 1);
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

  /**
   * A SYN: returns the accepted stream (ACK sent; emit it), 'queued' (waits in the backlog),
   * or null (refused with RST). Throws on a duplicate or wrong-parity id.
   */
  private incomingStream(id: number): MuxStream | 'queued' | null {
    const host = this.host;
    if (id === 0 || (id % 2 === 1) === host.client) throw badStreamIdError(id, host.client);
    if (host.streams.has(id)) throw duplicateStreamError(id);
    if (host.localGoAway() || host.streams.size >= host.maxStreams || !host.mayAcceptStream()) {
      this.refuse(id);
      return null;
    }
    if (host.backlog.length === 0 && host.hasStreamListener()) {
      const stream = host.createStream(id);
      host.streams.set(id, stream);
      stream.announce(Flag.ACK, 0);
      return stream;
    }
    if (host.backlog.length >= host.acceptBacklog) {
      this.refuse(id);
      return null;
    }
    const stream = host.createStream(id);
    host.streams.set(id, stream);
    host.backlog.push(stream);
    return 'queued';
  }

  /** Answers a SYN with RST. */
  private refuse(id: number): void {
    this.host.onRefused();
    this.host.sendControl(FrameType.WindowUpdate, Flag.RST, id, 0);
  }
}
