// conns-10k-kb's tools: the RSS of a process, the open-files limit, and many idle connections held open through a tunnel.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BurrowError, ErrorCode } from '../src/errors.js';
import { LOOPBACK } from './protocol.js';

/** Bytes per KB in the reported KB per connection (binary, as /proc reports kB). */
const BYTES_PER_KB = 1024;
/** The byte each connection echoes once, so the whole chain behind it is known to be set up. */
const PROBE = Buffer.from([0x2a]);
/** Connections being set up at once (below the listeners' accept backlog of 511). */
const OPEN_CONCURRENCY = 200;
/** File descriptors a process keeps for itself besides the connections (listeners, pipes, libuv, V8). */
const FD_RESERVE = 200;
/** When the limit cannot be read, assume the common Linux default. */
const DEFAULT_FD_LIMIT = 1024;
/** Pause before the RSS readings, so buffers of the set-up phase are freed or reused. */
const SETTLE_MS = 1_000;
/** RSS readings taken SAMPLE_INTERVAL_MS apart; their median is kept. */
const RSS_SAMPLES = 3;
const SAMPLE_INTERVAL_MS = 250;

/** The resident set of process `pid` in bytes: VmRSS from /proc, or `ps -o rss=` where there is no /proc. */
export function rssBytes(pid: number): number {
  const statusFile = `/proc/${pid}/status`;
  if (existsSync(statusFile)) {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(statusFile, 'utf8'));
    if (!match) throw new BurrowError(ErrorCode.INTERNAL, `no VmRSS line in ${statusFile}`);
    return Number(match[1]) * BYTES_PER_KB;
  }
  const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  if (!Number.isFinite(kb) || kb <= 0)
    throw new BurrowError(ErrorCode.INTERNAL, `cannot read the RSS of process ${pid}`);
  return kb * BYTES_PER_KB;
}

/** The summed RSS of `pids` in bytes: the median of RSS_SAMPLES readings. */
export async function totalRss(pids: readonly number[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RSS_SAMPLES; i++) {
    if (i > 0) await sleep(SAMPLE_INTERVAL_MS);
    samples.push(pids.reduce((sum, pid) => sum + rssBytes(pid), 0));
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

/** This process's soft limit on open files (children inherit it). */
export function openFilesLimit(): number {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (match) return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    // no /proc: ask the shell
  }
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text);
  } catch {
    return DEFAULT_FD_LIMIT;
  }
}

/**
 * How many connections can be held: `wanted`, or fewer when the open-files limit says so. The
 * baseline's relay hops hold two sockets per connection (in and out), the most of any process.
 */
export function connectionsWithin(wanted: number, fdLimit: number): number {
  return Math.max(1, Math.min(wanted, Math.floor((fdLimit - FD_RESERVE) / 2)));
}

/** One connection through `port` that has echoed PROBE once; rejects on error, close or timeout. */
function openEchoed(port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port, noDelay: true });
    const timer = setTimeout(
      () =>
        fail(new BurrowError(ErrorCode.TIMEOUT, `connection through port ${port} did not echo within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error): void =>
      fail(new BurrowError(ErrorCode.NETWORK, `connection through port ${port}: ${err.message}`, { cause: err }));
    const onClose = (): void =>
      fail(new BurrowError(ErrorCode.UNEXPECTED_EOF, `connection through port ${port} closed before its echo`));
    socket.on('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => socket.write(PROBE));
    socket.once('data', () => {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.pause(); // idle from now on: nothing more is read
      resolve(socket);
    });
  });
}

/** Closes every socket and resolves once all have closed. */
export async function closeAll(sockets: readonly net.Socket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.closed) {
            resolve();
            return;
          }
          socket.once('close', () => resolve());
          socket.destroy();
        }),
    ),
  );
}

/**
 * Opens `count` connections through `port` to an echo service, OPEN_CONCURRENCY at a time, each
 * echoing one byte; returns them open and idle. On failure the ones opened so far are closed.
 */
export async function openIdleConnections(port: number, count: number, timeoutMs: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const giveUpAt = Date.now() + timeoutMs;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, async () => {
        while (next < count) {
          next += 1;
          const left = giveUpAt - Date.now();
          if (left <= 0)
            throw new BurrowError(
              ErrorCode.TIMEOUT,
              `${count} connections through port ${port} not open within ${timeoutMs} ms`,
            );
          sockets.push(await openEchoed(port, left));
        }
      }),
    );
  } catch (err) {
    await closeAll(sockets);
    throw err;
  }
  for (const socket of sockets) socket.on('error', () => socket.destroy()); // a later reset is not a measurement error
  return sockets;
}

/** What one tunnel's reading gives: KB of RSS per held connection, and the totals behind it. */
export interface ConnsReading {
  kbPerConn: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
}

/**
 * RSS of `pids` (the tunnel's processes) before and while `count` idle connections through `port`
 * are held; all connections are closed again before it returns.
 */
export async function measureHeldConnections(
  port: number,
  pids: readonly number[],
  count: number,
  timeoutMs: number,
): Promise<ConnsReading> {
  const rssBeforeBytes = await totalRss(pids);
  const sockets = await openIdleConnections(port, count, timeoutMs);
  try {
    await sleep(SETTLE_MS);
    const rssAfterBytes = await totalRss(pids);
    return { kbPerConn: (rssAfterBytes - rssBeforeBytes) / BYTES_PER_KB / count, rssBeforeBytes, rssAfterBytes };
  } finally {
    await closeAll(sockets);
  }
}
