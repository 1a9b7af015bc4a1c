// Dials a TCP address with a deadline, returning a connected socket or a typed error.
import net from 'node:net';
import { BurrowError, ErrorCode } from '../errors.js';
import { unmapIPv4 } from './address.js';

/** How long a TCP connect may take when the caller gives no deadline (frp's dialServerTimeout). */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000;

export interface DialOptions {
  host: string;
  port: number;
  timeoutMs?: number;
  /** TCP keepalive probe delay; 0 or negative leaves keepalive off. */
  keepAliveMs?: number;
  /** Local address to bind before connecting. */
  localAddress?: string;
  /** Keep the writable side open after the peer's FIN (for relays that pass half-closes on). */
  allowHalfOpen?: boolean;
}

/** Connects to host:port; rejects with BurrowError(TIMEOUT) past the deadline. Nagle is off. */
export function dialTcp(options: DialOptions): Promise<net.Socket> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      allowHalfOpen: options.allowHalfOpen ?? false,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.keepAliveMs && options.keepAliveMs > 0
        ? { keepAlive: true, keepAliveInitialDelay: options.keepAliveMs }
        : {}),
    });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            socket.destroy();
            reject(
              new BurrowError(
                ErrorCode.TIMEOUT,
                `dial ${options.host}:${options.port}: no answer within ${timeoutMs} ms`,
              ),
            );
          }, timeoutMs)
        : undefined;
    const onError = (err: Error): void => {
      if (timer) clearTimeout(timer);
      reject(
        new BurrowError(ErrorCode.NETWORK, `dial ${options.host}:${options.port}: ${err.message}`, { cause: err }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      if (timer) clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** "host:port" with IPv6 hosts in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "1.2.3.4:5" / "[::1]:5" (formatAddress's output) → address and port; IPv4-mapped addresses unwrapped. */
export function splitHostPort(hostPort: string): { address: string; port: number } {
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) return { address: '', port: 0 };
  const host = hostPort.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(colon + 1));
  return { address: unmapIPv4(host), port: Number.isInteger(port) ? port : 0 };
}
