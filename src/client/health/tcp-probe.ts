// The tcp health check: the local service is healthy when a TCP connect to it succeeds within the timeout (frp's doTCPCheck).
import { dialTcp } from '../../net/dial.js';

/** Where and how long: the proxy's localIP:localPort and healthCheck.timeoutSeconds. */
export interface TcpProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

/** Resolves once connected (the connection is closed at once); rejects with BurrowError NETWORK or TIMEOUT. */
export async function probeTcp(target: TcpProbeTarget): Promise<void> {
  const socket = await dialTcp({ host: target.host, port: target.port, timeoutMs: target.timeoutMs });
  socket.destroy();
}
