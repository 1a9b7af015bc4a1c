// The tcp health check: the local service is healthy when a TCP connect to it succeeds within the timeout (frp's doTCPCheck).
import net from 'node:net';
import { BurrowError, ErrorCode } from '../../errors.js';
import { formatAddress } from '../../net/dial.js';

/** Where and how long: the proxy's localIP:localPort and healthCheck.timeoutSeconds. */
export interface TcpProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

/**
 * Resolves once connected (the connection is closed at once); rejects with BurrowError NETWORK or
 * TIMEOUT, or CLOSED when `signal` aborts (the monitor stopped: nothing may stay open after it).
 */
export function probeTcp(target: TcpProbeTarget, signal?: AbortSignal): Promise<void> {
  const where = `dial ${formatAddress(target.host, target.port)}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port, ...(signal ? { signal } : {}) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new BurrowError(ErrorCode.TIMEOUT, `${where}: no answer within ${target.timeoutMs} ms`));
    }, target.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      const code = err.name === 'AbortError' ? ErrorCode.CLOSED : ErrorCode.NETWORK;
      reject(new BurrowError(code, `${where}: ${err.message}`, { cause: err }));
    });
  });
}
