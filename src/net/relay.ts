// Relays bytes both ways between two duplex streams with backpressure, closing both when one direction ends.
import type { Duplex } from 'node:stream';

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
 * Joins `a` and `b`: each one's readable side is piped into the other's writable side (pipe()
 * honours write() and 'drain', so the slower side paces the faster one). A half-close travels:
 * when one side's readable ends, the other side is end()ed (a TCP or yamux FIN) and the opposite
 * direction keeps flowing, so request-then-FIN clients still get their answer (frp closes both at
 * once there). When both directions have ended and flushed, or either side errors or closes
 * before its readable end, both streams are destroyed. TCP sockets given here should be created
 * with `allowHalfOpen: true`, or Node ends their writable side as soon as their readable ends.
 * `tally`, when given, sees every chunk as it passes (live traffic counters).
 */
export function relay(a: Duplex, b: Duplex, tally?: RelayTally): Promise<RelayResult> {
  return new Promise((resolve) => {
    const result: RelayResult = { bytesAtoB: 0, bytesBtoA: 0 };
    let settled = 0;
    let done = false;

    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      if (err && !result.error) result.error = err;
      a.destroy();
      b.destroy();
    };
    const onClose = (): void => {
      settled += 1;
      if (settled !== 2) return;
      tally?.done?.();
      resolve(result);
    };
    const onError = (err: Error): void => finish(err);
    // A side closed without a clean end of its readable half: the other side cannot go on.
    const closedEarly = (side: Duplex) => (): void => {
      if (!side.readableEnded) finish();
    };

    a.on('data', (chunk: Buffer) => {
      result.bytesAtoB += chunk.length;
      tally?.aToB(chunk.length);
    });
    b.on('data', (chunk: Buffer) => {
      result.bytesBtoA += chunk.length;
      tally?.bToA(chunk.length);
    });
    a.on('error', onError);
    b.on('error', onError);
    // 'finish' on a side means the direction ending there was flushed; both flushed = all done.
    let flushed = 0;
    const onFinish = (): void => {
      flushed += 1;
      if (flushed === 2) finish();
    };
    a.on('finish', onFinish);
    b.on('finish', onFinish);
    a.on('close', closedEarly(a));
    b.on('close', closedEarly(b));
    a.on('close', onClose);
    b.on('close', onClose);
    a.pipe(b);
    b.pipe(a);
  });
}
