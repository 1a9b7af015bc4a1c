// In-memory socket stand-ins for stream targets: a conn fed by the test, and a connected pair.
import { Duplex } from 'node:stream';

/** A conn whose incoming bytes the test feeds; what the code under test writes is collected. */
export class FeedConn extends Duplex {
  readonly written: Buffer[] = [];

  constructor() {
    super({ allowHalfOpen: true });
  }

  /** Delivers bytes as if they came from the network. */
  feed(bytes: Buffer): void {
    if (!this.destroyed && !this.readableEnded) this.push(bytes);
  }

  /** The peer ends its side (EOF). */
  feedEnd(): void {
    if (!this.destroyed && !this.readableEnded) this.push(null);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.written.push(chunk);
    cb();
  }
}

/** One end of a connected in-memory pair. */
class PairEnd extends Duplex {
  peer: PairEnd | undefined;

  constructor() {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.peer !== undefined && !this.peer.destroyed) this.peer.push(chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.peer !== undefined && !this.peer.destroyed) this.peer.push(null);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const peer = this.peer;
    if (peer !== undefined && !peer.destroyed) process.nextTick(() => peer.destroy());
    cb(err);
  }
}

/** Two Duplexes where what one writes the other reads (ends and destroys propagate). */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Collects a readable's data until 'end', 'close' or 'error'; resolves with the bytes and the error, if any. */
export function drain(stream: Duplex): Promise<{ data: Buffer; error: unknown }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: unknown;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve({ data: Buffer.concat(chunks), error });
    };
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err) => {
      error = err;
    });
    stream.on('end', finish);
    stream.on('close', finish);
  });
}
