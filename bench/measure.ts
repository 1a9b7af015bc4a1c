// The two measurements, taken in the bench's own process: one bulk download, one 1-byte ping-pong run.
import http from 'node:http';
import net from 'node:net';
import { BurrowError, ErrorCode } from '../src/errors.js';
import { LENGTH_HEADER_BYTES, LOOPBACK } from './protocol.js';

/** Bytes per megabyte in the reported MB/s (decimal, as network throughput usually is). */
const BYTES_PER_MB = 1e6;
/** Nanoseconds per second and per microsecond, for hrtime arithmetic. */
const NS_PER_S = 1e9;
const NS_PER_US = 1e3;
/** The single byte sent in each ping. */
const PING = Buffer.from([0x2a]);

/**
 * Runs `body` on a fresh connection to 127.0.0.1:`port`; `body` calls `settle` once with the outcome.
 * The socket is destroyed when the outcome is known or when `timeoutMs` runs out (a TIMEOUT error).
 */
function onConnection<T>(
  port: number,
  timeoutMs: number,
  what: string,
  body: (socket: net.Socket, settle: (err: Error | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port, noDelay: true });
    let settled = false;
    const settle = (err: Error | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(
      () => settle(new BurrowError(ErrorCode.TIMEOUT, `${what} on port ${port} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (err) =>
      settle(new BurrowError(ErrorCode.NETWORK, `${what} on port ${port}: ${err.message}`, { cause: err })),
    );
    socket.on('close', () =>
      settle(
        new BurrowError(
          ErrorCode.UNEXPECTED_EOF,
          `${what} on port ${port}: connection closed before the measurement finished`,
        ),
      ),
    );
    body(socket, settle);
  });
}

/**
 * Asks the source target (through `port`) for `bytes` bytes and returns the download rate in MB/s,
 * timed from sending the request to the end of the stream. Fails unless exactly `bytes` arrive.
 */
export function downloadMBps(port: number, bytes: number, timeoutMs: number): Promise<number> {
  return onConnection<number>(port, timeoutMs, `download of ${bytes} bytes`, (socket, settle) => {
    let received = 0;
    let started = 0n;
    socket.once('connect', () => {
      const header = Buffer.alloc(LENGTH_HEADER_BYTES);
      header.writeBigUInt64BE(BigInt(bytes));
      started = process.hrtime.bigint();
      socket.write(header);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.once('end', () => {
      const seconds = Number(process.hrtime.bigint() - started) / NS_PER_S;
      if (received !== bytes) {
        settle(
          new BurrowError(
            ErrorCode.UNEXPECTED_EOF,
            `download on port ${port}: expected ${bytes} bytes, got ${received}`,
          ),
        );
      } else {
        settle(undefined, bytes / BYTES_PER_MB / seconds);
      }
    });
  });
}

/**
 * Sends `warmup + count` 1-byte pings through `port` to the echo target, one at a time, and returns
 * the round-trip time of the last `count` in microseconds.
 */
export function pingPongMicros(port: number, count: number, warmup: number, timeoutMs: number): Promise<number[]> {
  return onConnection<number[]>(port, timeoutMs, `${count} round trips`, (socket, settle) => {
    const samples: number[] = [];
    let sent = 0;
    let sentAt = 0n;
    const ping = (): void => {
      sent += 1;
      sentAt = process.hrtime.bigint();
      socket.write(PING);
    };
    socket.once('connect', ping);
    socket.on('data', (chunk: Buffer) => {
      const now = process.hrtime.bigint();
      if (chunk.length !== PING.length) {
        settle(
          new BurrowError(
            ErrorCode.PROTOCOL,
            `ping-pong on port ${port}: expected a ${PING.length}-byte echo, got ${chunk.length} bytes`,
          ),
        );
        return;
      }
      if (sent > warmup) samples.push(Number(now - sentAt) / NS_PER_US);
      if (sent < warmup + count) ping();
      else settle(undefined, samples);
    });
  });
}

/**
 * `streams` downloads of `bytesEach` bytes at once through `port`; returns the aggregate MB/s
 * (all bytes over the wall time of the slowest).
 */
export async function parallelDownloadMBps(
  port: number,
  streams: number,
  bytesEach: number,
  timeoutMs: number,
): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: streams }, () => downloadMBps(port, bytesEach, timeoutMs)));
  const seconds = Number(process.hrtime.bigint() - started) / NS_PER_S;
  return (streams * bytesEach) / BYTES_PER_MB / seconds;
}

/** One GET through `port` with Host `host`; resolves with the status (the body is read and dropped). */
function httpGet(port: number, host: string, agent: http.Agent, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: LOOPBACK, port, path: '/', headers: { host }, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new BurrowError(ErrorCode.TIMEOUT, `GET through port ${port} timed out`)));
    req.on('error', reject);
  });
}

/**
 * Requests per second through `port` (Host `host`): `connections` keep-alive clients sending GETs
 * back to back for `seconds`. Any answer but 200 fails the measurement.
 */
export async function httpRps(
  port: number,
  host: string,
  connections: number,
  seconds: number,
  timeoutMs: number,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < deadline) {
          const status = await httpGet(port, host, agent, timeoutMs);
          if (status !== 200) throw new BurrowError(ErrorCode.PROTOCOL, `GET through port ${port}: status ${status}`);
          done += 1;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return done / (Number(process.hrtime.bigint() - started) / NS_PER_S);
}

/** Polls a GET through `port` until it answers 200, or fails after `deadlineMs`. */
export async function waitForHttp(port: number, host: string, deadlineMs: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: false });
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await httpGet(port, host, agent, 2_000)) === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until)
      throw new BurrowError(ErrorCode.TIMEOUT, `no 200 through port ${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
