// Relays bytes both ways between two duplex streams with backpressure, closing both when one direction ends.
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Bytes a relay lets wait in a socket's write buffer during one event-loop iteration before it
 * pauses the reader: chunks that arrive in one iteration (a 64 KiB TLS read comes as four 16 KiB
 * chunks) go out in one writev instead of one write each.
 */
export const RELAY_BATCH_BYTES = 256 * 1024;
/**
 * Chunks smaller than this are written at once when no batch is waiting: small chunks are
 * interactive traffic, where a wait for the loop's check phase costs latency and saves nothing.
 */
export const RELAY_BATCH_MIN_CHUNK = 8 * 1024;

/** What a finished relay moved. */
export interface RelayResult {
  /** Bytes read from `a` and written to `b`. */
  bytesAtoB: number;
  /** Bytes read from `b` and written to `a`. */
  bytesBtoA: number;
  /** The first error either side raised, if any. */
  error?: Error;
}

/** Live byte counting for a relay (traffic meters); each callback gets the size of one chunk. */
export interface RelayTally {
  aToB(bytes: number): void;
  bToA(bytes: number): void;
  /** Called once when both streams have closed. */
  done?(): void;
}

/**
 * Joins `a` and `b`: each one's readable side is written into the other's writable side, and a
 * write() that returns false pauses the reader until the writer's 'drain', so the slower side paces
 * the faster one. A half-close travels: when one side's readable ends, the other side is end()ed
 * (a TCP or yamux FIN) and the opposite direction keeps flowing, so request-then-FIN clients still
 * get their answer (frp closes both at once there). When both directions have ended and flushed,
 * or either side errors or closes before its readable end, both streams are destroyed. TCP sockets
 * given here should be created with `allowHalfOpen: true`, or Node ends their writable side as soon
 * as their readable ends. `tally`, when given, sees every chunk as it passes (live traffic counters).
 */
export function relay(a: Duplex, b: Duplex, tally?: RelayTally): Promise<RelayResult> {
  return new Promise((resolve) => {
    const shared: Relay = {
      result: { bytesAtoB: 0, bytesBtoA: 0 },
      tally,
      resolve,
      closed: 0,
      flushed: 0,
      finished: false,
      a,
      b,
    };
    const sideA = new Side(shared, a, b, true);
    const sideB = new Side(shared, b, a, false);
    attach(a, sideA);
    attach(b, sideB);
  });
}

/** What both directions of one relay share. */
interface Relay {
  readonly result: RelayResult;
  readonly tally: RelayTally | undefined;
  readonly resolve: (result: RelayResult) => void;
  readonly a: Duplex;
  readonly b: Duplex;
  /** Sides closed so far (2 = done). */
  closed: number;
  /** Writable sides finished so far (2 = both directions flushed). */
  flushed: number;
  /** Both streams were destroyed (done, or an error or early close). */
  finished: boolean;
}

/**
 * One stream of a relay: it reads `self` and writes into `other`. Not pipe(): pipe() adds about
 * twenty closures and once() wrappers per direction, and a second 'data' listener for counting
 * would make every emit copy a listener array. Here the listeners are shared module functions
 * that find their side through the stream (`this` in a listener), so an idle relay costs two
 * small objects, which matters with 10,000s of idle connections.
 */
class Side {
  /** A batch of writes to `other` waits for the loop's check phase. */
  corked = false;
  /** `other` is a socket: its writes of one loop iteration are batched (a yamux stream batches its own). */
  readonly batch: boolean;

  constructor(
    readonly relay: Relay,
    readonly self: Duplex,
    readonly other: Duplex,
    /** True for `a` (its bytes count as a→b). */
    readonly isA: boolean,
  ) {
    this.batch = other instanceof net.Socket;
  }

  /** The batch of this loop iteration goes out. */
  flush(): void {
    this.corked = false;
    this.other.uncork();
  }
}

/** Where a stream's relay side hangs (found by the shared listeners through `this`). */
const SIDE = Symbol('relay side');
type Tagged = Duplex & { [SIDE]?: Side };

function sideOf(stream: Duplex): Side {
  return (stream as Tagged)[SIDE]!;
}

function attach(stream: Duplex, side: Side): void {
  (stream as Tagged)[SIDE] = side;
  stream.on('data', onData);
  stream.on('drain', onDrain);
  stream.on('end', onEnd);
  stream.on('error', onError);
  // 'finish' on a side means the direction ending there was flushed; both flushed = all done.
  stream.on('finish', onFinish);
  stream.on('close', onClose);
  // A stream a previous reader paused does not start flowing by a 'data' listener alone.
  stream.resume();
}

/** A chunk read from `this`: count it and write it to the other side, pausing `this` when that side is full. */
function onData(this: Duplex, chunk: Buffer): void {
  const side = sideOf(this);
  const { relay, other } = side;
  if (side.isA) relay.result.bytesAtoB += chunk.length;
  else relay.result.bytesBtoA += chunk.length;
  if (relay.tally !== undefined) {
    if (side.isA) relay.tally.aToB(chunk.length);
    else relay.tally.bToA(chunk.length);
  }
  if (!side.batch || (chunk.length < RELAY_BATCH_MIN_CHUNK && !side.corked)) {
    if (!other.write(chunk)) this.pause();
    return;
  }
  if (!side.corked) {
    side.corked = true;
    other.cork();
    setImmediate(flushSide, side);
  }
  // write() says false past the socket's 16 KiB mark, which one chunk reaches; 'drain' still follows.
  other.write(chunk);
  if (other.writableLength > RELAY_BATCH_BYTES) this.pause();
}

function flushSide(side: Side): void {
  side.flush();
}

/** `this` can take more: let the stream that writes into it flow again (unless it has ended or the relay is done). */
function onDrain(this: Duplex): void {
  const side = sideOf(this);
  if (!side.relay.finished && !side.other.readableEnded) side.other.resume();
}

/** `this` ended its readable side: pass the half-close on. */
function onEnd(this: Duplex): void {
  const other = sideOf(this).other;
  if (!other.writableEnded) other.end();
}

function onError(this: Duplex, err: Error): void {
  finish(sideOf(this).relay, err);
}

function onFinish(this: Duplex): void {
  const relay = sideOf(this).relay;
  relay.flushed += 1;
  if (relay.flushed === 2) finish(relay);
}

function onClose(this: Duplex): void {
  const relay = sideOf(this).relay;
  // A side closed without a clean end of its readable half: the other side cannot go on.
  if (!this.readableEnded) finish(relay);
  relay.closed += 1;
  if (relay.closed !== 2) return;
  relay.tally?.done?.();
  relay.resolve(relay.result);
}

function finish(relay: Relay, err?: Error): void {
  if (relay.finished) return;
  relay.finished = true;
  if (err && !relay.result.error) relay.result.error = err;
  relay.a.destroy();
  relay.b.destroy();
}
