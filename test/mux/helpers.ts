// Test helpers for the mux layer: loopback session pairs, raw peers, frame collectors, bounded waits.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { FrameParser } from '../../src/mux/parser.js';
import type { FrameHeader } from '../../src/mux/frame.js';
import { Session, type SessionOptions } from '../../src/mux/session.js';

/** Longest any helper waits for a condition before failing the test. */
export const WAIT_LIMIT_MS = 10_000;

/** Options that keep background timers out of the way unless a test wants them. */
export const QUIET: Partial<SessionOptions> = { keepaliveIntervalMs: 0 };

/** A client and a server Session over a real loopback TCP connection. */
export interface SessionPair {
  client: Session;
  server: Session;
  clientSocket: net.Socket;
  serverSocket: net.Socket;
  close(): Promise<void>;
}

/** Starts a loopback listener, connects, and wraps both ends in Sessions. */
export async function sessionPair(
  clientOptions: Partial<SessionOptions> = {},
  serverOptions: Partial<SessionOptions> = {},
): Promise<SessionPair> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const clientSocket = net.connect(port, '127.0.0.1');
  await once(clientSocket, 'connect');
  const [serverSocket] = await accepted;
  clientSocket.setNoDelay(true);
  serverSocket.setNoDelay(true);
  const client = new Session(clientSocket, { ...QUIET, ...clientOptions, client: true });
  const server = new Session(serverSocket, { ...QUIET, ...serverOptions, client: false });
  return {
    client,
    server,
    clientSocket,
    serverSocket,
    async close() {
      client.close();
      server.close();
      clientSocket.destroy();
      serverSocket.destroy();
      listener.close();
      await once(listener, 'close');
    },
  };
}

/** A raw TCP socket talking to a server-side Session, plus everything that Session sent back. */
export interface RawPeer {
  socket: net.Socket;
  session: Session;
  frames: FrameHeader[];
  received: Buffer[];
  close(): Promise<void>;
}

/** Connects a raw socket to a fresh server-side Session (the test writes frames by hand). */
export async function rawPeer(serverOptions: Partial<SessionOptions> = {}, sessionIsClient = false): Promise<RawPeer> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const [serverSocket] = await accepted;
  const session = new Session(serverSocket, { ...QUIET, ...serverOptions, client: sessionIsClient });
  const frames: FrameHeader[] = [];
  const received: Buffer[] = [];
  const parser = new FrameParser({ onHeader: (h) => frames.push(h), onPayload() {}, onFrameEnd() {} });
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    parser.push(chunk);
  });
  socket.on('error', () => {});
  return {
    socket,
    session,
    frames,
    received,
    async close() {
      session.close();
      socket.destroy();
      serverSocket.destroy();
      listener.close();
      await once(listener, 'close');
    },
  };
}

/** Resolves once `cond()` is true; rejects after `limitMs` naming `what`. Polls every 5 ms. */
export async function waitFor(cond: () => boolean, what: string, limitMs = WAIT_LIMIT_MS): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await delay(5);
  }
}

/** Sleeps `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects if `p` does not settle within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The 'close' event's error of a session, once it fires. */
export function closed(session: Session): Promise<Error | undefined> {
  return new Promise((resolve) => session.once('close', (err?: Error) => resolve(err)));
}

/**
 * Reads a readable to its end; returns all bytes. Uses 'data'/'end' rather than for-await, which
 * would destroy the Duplex (and so reset its still-open write side) when the read side ends.
 */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** SHA-256 of a buffer, hex. */
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift), so failures are reproducible. */
export function patternBytes(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** Writes `data` in `chunkSize` pieces honouring backpressure, then ends. */
export async function writeAll(stream: NodeJS.WritableStream, data: Buffer, chunkSize = 64 * 1024): Promise<void> {
  for (let off = 0; off < data.length; off += chunkSize) {
    if (!stream.write(data.subarray(off, off + chunkSize))) await once(stream as unknown as Duplex, 'drain');
  }
  stream.end();
}

/** A fake conn: what the Session writes is collected; test bytes are fed with `feed`. */
export class FakeConn extends Duplex {
  readonly written: Buffer[] = [];
  /** Passes bytes to the Session as if they came from the network. */
  feed(bytes: Buffer): void {
    this.push(bytes);
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.written.push(chunk);
    cb();
  }
}
