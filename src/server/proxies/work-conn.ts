// Helpers every server proxy shares: taking a work connection with StartWorkConn, wrapping it per the proxy's flags.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import { createRateLimitedStream, parseBandwidth, BandwidthLimiter } from '../../net/bandwidth.js';
import { unmapIPv4 } from '../../net/address.js';
import { wrapWorkConn, type NewProxy, type StartWorkConn, type WireConn } from '../../wire/index.js';
import type { ProxyOwner } from './proxy.js';

/** Where a user connection came from and what it reached (StartWorkConn's src/dst). */
export interface UserAddress {
  srcAddr?: string;
  srcPort?: number;
  dstAddr?: string;
  dstPort?: number;
}

/** The src/dst of a TCP user connection, as frps fills StartWorkConn. */
export function socketAddress(
  socket: {
    remoteAddress?: string | undefined;
    remotePort?: number | undefined;
    localAddress?: string | undefined;
    localPort?: number | undefined;
  },
  withDst = true,
): UserAddress {
  const src = { srcAddr: unmapIPv4(socket.remoteAddress ?? ''), srcPort: socket.remotePort ?? 0 };
  if (!withDst) return src;
  return { ...src, dstAddr: unmapIPv4(socket.localAddress ?? ''), dstPort: socket.localPort ?? 0 };
}

/**
 * Takes a work connection from the owner's pool (or a fresh one) and writes StartWorkConn on it,
 * trying up to pool_count + 1 connections as frps does. The returned WireConn's stream carries
 * the user's bytes from now on (unwrapped: see wrapProxyStream).
 */
export async function takeWorkConn(owner: ProxyOwner, proxyName: string, address: UserAddress): Promise<WireConn> {
  const start: StartWorkConn = { proxy_name: proxyName };
  if (address.srcAddr) {
    start.src_addr = address.srcAddr;
    start.src_port = address.srcPort ?? 0;
  }
  if (address.dstAddr) {
    start.dst_addr = address.dstAddr;
    start.dst_port = address.dstPort ?? 0;
  }
  let lastError: unknown;
  for (let attempt = 0; attempt <= owner.poolCount; attempt += 1) {
    let work: WireConn;
    try {
      work = await owner.getWorkConn();
    } catch (err) {
      lastError = err;
      break;
    }
    if (work.stream.destroyed || !work.stream.writable) continue;
    work.write({ type: 'StartWorkConn', body: start });
    return work;
  }
  throw lastError ?? new BurrowError(ErrorCode.CLOSED, 'every work connection tried was closed');
}

/**
 * The server's limiter for a proxy: one per proxy, shared by all its connections, and only when
 * bandwidth_limit_mode is "server" (in "client" mode the client paces). Throws BurrowError CONFIG
 * on a malformed bandwidth_limit, which refuses the proxy.
 */
export function serverLimiter(request: NewProxy): BandwidthLimiter | undefined {
  if (request.bandwidth_limit_mode !== 'server') return undefined;
  const bytes = parseBandwidth(request.bandwidth_limit ?? '');
  return bytes > 0 ? new BandwidthLimiter(bytes) : undefined;
}

/** Wraps a work connection's stream per the proxy's useEncryption/useCompression, then paces it. */
export function wrapProxyStream(
  stream: Duplex,
  request: NewProxy,
  key: Buffer,
  limiter: BandwidthLimiter | undefined,
): Duplex {
  const wrapped = wrapWorkConn(
    stream,
    { useEncryption: request.use_encryption, useCompression: request.use_compression },
    key,
  );
  return limiter ? createRateLimitedStream(wrapped, limiter) : wrapped;
}
