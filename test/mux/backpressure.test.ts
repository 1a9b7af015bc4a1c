// Conn backpressure: a network slower than the producers holds stream writes and bounds memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import {
  DEFAULT_MAX_STREAM_WINDOW,
  Flag,
  FrameType,
  HEADER_SIZE,
  INITIAL_STREAM_WINDOW,
  MAX_DATA_FRAME_PAYLOAD,
  FLUSH_BATCH_BYTES,
  STREAM_WRITABLE_HIGH_WATER_MARK,
} from '../../src/mux/const.js';
import { encodeHeader, type FrameHeader } from '../../src/mux/frame.js';
import { FrameParser } from '../../src/mux/parser.js';
import { Session } from '../../src/mux/session.js';
import { delay, patternBytes, sha256, waitFor } from './helpers.js';

/** The conn's own buffer limit in this test (small, to make the network "slow"). */
const CONN_HWM = 32 * 1024;

/** A conn whose writes complete only when the test says so (a stalled network). */
class StallConn extends Duplex {
  readonly written: Buffer[] = [];
  private held: Array<() => void> = [];
  private flowing = false;
  writeCalls = 0;
  writevCalls = 0;

  constructor() {
    super({ writableHighWaterMark: CONN_HWM });
  }
  feed(bytes: Buffer): void {
    this.push(bytes);
  }
  /** Lets writes complete from now on (and completes the held ones). */
  release(): void {
    this.flowing = true;
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }
  stall(): void {
    this.flowing = false;
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeCalls++;
    this.complete([chunk], cb);
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.writevCalls++;
    this.complete(
      chunks.map((c) => c.chunk),
      cb,
    );
  }
  private complete(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    const done = () => {
      this.written.push(...chunks);
      setImmediate(cb);
    };
    if (this.flowing) done();
    else this.held.push(done);
  }
}

/** Reassembles the Data payload of `streamId` from everything written, checking frame sizes. */
function payloadOf(written: Buffer[], streamId: number): { data: Buffer; frames: FrameHeader[] } {
  const parts: Buffer[] = [];
  const frames: FrameHeader[] = [];
  const parser = new FrameParser({
    onHeader: (h) => frames.push(h),
    onPayload: (h, p) => {
      if (h.streamId === streamId) parts.push(Buffer.from(p));
    },
    onFrameEnd() {},
  });
  for (const w of written) parser.push(w);
  return { data: Buffer.concat(parts), frames };
}

test('a stalled conn holds stream writes: conn memory stays bounded, all bytes arrive after drain', async () => {
  const conn = new StallConn();
  const session = new Session(conn, { client: true, keepaliveIntervalMs: 0 });
  try {
    const s = session.open();
    // The peer ACKs with frp's grant: 6 MiB of window, far more than the conn can hold.
    conn.feed(encodeHeader(FrameType.WindowUpdate, Flag.ACK, 1, DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW));
    const data = patternBytes(4 * 1024 * 1024, 21);
    let handedOver = 0;
    let i = 0;
    const chunk = 64 * 1024;
    // Write until the stream pushes back (bounded loop).
    for (; i < data.length / chunk; i++) {
      const piece = data.subarray(i * chunk, (i + 1) * chunk);
      if (!s.write(piece, () => (handedOver += piece.length))) break;
    }
    await delay(50);
    // Only about one conn buffer plus one frame got in; the stream holds the rest.
    assert.ok(
      conn.writableLength <= CONN_HWM + MAX_DATA_FRAME_PAYLOAD + 4 * HEADER_SIZE,
      `conn holds ${conn.writableLength}`,
    );
    assert.ok(handedOver <= CONN_HWM + 2 * chunk, `handed over ${handedOver}`);
    // The stream's own buffer: its high-water mark plus the write that crossed it.
    assert.ok(s.writableLength <= STREAM_WRITABLE_HIGH_WATER_MARK + chunk, `stream holds ${s.writableLength}`);
    assert.equal(session.isBlocked, true);

    // The network recovers: the rest is written with backpressure, in order, split into frames.
    conn.release();
    for (i++; i < data.length / chunk; i++) {
      const piece = data.subarray(i * chunk, (i + 1) * chunk);
      if (!s.write(piece)) await new Promise((r) => s.once('drain', r));
    }
    s.end();
    await waitFor(() => s.writableFinished, 'stream finished');
    await waitFor(() => conn.writableLength === 0, 'conn flushed');
    const { data: sent, frames } = payloadOf(conn.written, 1);
    assert.equal(sent.length, data.length);
    assert.equal(sha256(sent), sha256(data));
    for (const f of frames) if (f.type === FrameType.Data) assert.ok(f.length <= MAX_DATA_FRAME_PAYLOAD);
    assert.equal(frames.at(-1)!.flags, Flag.FIN);
    assert.ok(conn.writevCalls > 0, 'frames are batched with writev (cork)');
  } finally {
    session.close();
  }
});

test('stream writes stop at the peer window even when the conn is fast', async () => {
  const conn = new StallConn();
  conn.release();
  const session = new Session(conn, { client: true, keepaliveIntervalMs: 0 });
  try {
    const s = session.open(); // no ACK: the window is the initial 256 KiB
    let handedOver = 0;
    const piece = patternBytes(16 * 1024, 2);
    for (let i = 0; i < 64; i++) s.write(piece, () => (handedOver += piece.length));
    await delay(50);
    // Callbacks of a writev batch fire together, so fewer may have fired; never more than the window.
    assert.ok(handedOver <= INITIAL_STREAM_WINDOW, `handed over ${handedOver}`);
    assert.equal(payloadOf(conn.written, 1).data.length, INITIAL_STREAM_WINDOW);
    // A window update releases exactly that much more.
    conn.feed(encodeHeader(FrameType.WindowUpdate, 0, 1, 100_000));
    await delay(50);
    assert.equal(payloadOf(conn.written, 1).data.length, INITIAL_STREAM_WINDOW + 100_000);
    conn.feed(encodeHeader(FrameType.WindowUpdate, 0, 1, 1024 * 1024));
    await waitFor(() => handedOver === 64 * piece.length, 'all writes done');
    assert.equal(payloadOf(conn.written, 1).data.length, 64 * piece.length);
  } finally {
    session.close();
  }
});

test('two streams blocked on the conn both resume on drain, fairly', async () => {
  const conn = new StallConn();
  const session = new Session(conn, { client: true, keepaliveIntervalMs: 0 });
  try {
    const a = session.open();
    const b = session.open();
    const grant = DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW;
    conn.feed(
      Buffer.concat([
        encodeHeader(FrameType.WindowUpdate, Flag.ACK, 1, grant),
        encodeHeader(FrameType.WindowUpdate, Flag.ACK, 3, grant),
      ]),
    );
    const da = patternBytes(1024 * 1024, 5);
    const db = patternBytes(1024 * 1024, 6);
    a.end(da);
    b.end(db);
    await delay(30);
    assert.ok(
      conn.writableLength <= CONN_HWM + 2 * (MAX_DATA_FRAME_PAYLOAD + HEADER_SIZE) + 8 * HEADER_SIZE,
      `conn holds ${conn.writableLength}`,
    );
    conn.release();
    await waitFor(() => a.writableFinished && b.writableFinished, 'both finished');
    await waitFor(() => conn.writableLength === 0, 'flushed');
    assert.equal(sha256(payloadOf(conn.written, 1).data), sha256(da));
    assert.equal(sha256(payloadOf(conn.written, 3).data), sha256(db));
    // Interleaved: stream 3's frames are not all after stream 1's.
    const order = payloadOf(conn.written, 0)
      .frames.filter((f) => f.type === FrameType.Data)
      .map((f) => f.streamId);
    const firstB = order.indexOf(3);
    const lastA = order.lastIndexOf(1);
    assert.ok(firstB < lastA, `streams interleave (${order.join(',')})`);
  } finally {
    session.close();
  }
});

test('control frames are batched into one write per tick (cork/uncork)', async () => {
  const conn = new StallConn();
  conn.release();
  const session = new Session(conn, { client: true, keepaliveIntervalMs: 0 });
  try {
    for (let i = 0; i < 10; i++) session.open();
    await delay(10);
    assert.equal(conn.writeCalls + conn.writevCalls, 1);
    assert.equal(Buffer.concat(conn.written).length, 10 * HEADER_SIZE);
  } finally {
    session.close();
  }
});

test('small frames of separate callbacks in one loop iteration share one write; a big batch goes at once', async () => {
  const conn = new StallConn();
  conn.release();
  const session = new Session(conn, { client: true, keepaliveIntervalMs: 0 });
  try {
    const a = session.open();
    const b = session.open();
    await delay(10);
    const before = conn.writeCalls + conn.writevCalls;
    // Two callbacks of one iteration (as two sockets' reads would be), each writing a small chunk.
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        process.nextTick(() => a.write(Buffer.from('first')));
        process.nextTick(() => {
          b.write(Buffer.from('second'));
          resolve();
        });
      });
    });
    await delay(10);
    assert.equal(conn.writeCalls + conn.writevCalls - before, 1, 'one write for both frames');

    // A big write is flushed before the iteration's check phase: its bytes are out by the next tick.
    const big = patternBytes(FLUSH_BATCH_BYTES, 5);
    const written = Buffer.concat(conn.written).length;
    a.write(big);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    assert.equal(Buffer.concat(conn.written).length, written + HEADER_SIZE + big.length);
  } finally {
    session.close();
  }
});
