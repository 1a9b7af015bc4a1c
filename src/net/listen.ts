// Starts a TCP listener: resolves once bound, rejects with a NETWORK error naming what failed to bind.
import type net from 'node:net';
import { BurrowError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * Binds `server` to host:port. A bind failure rejects with BurrowError(NETWORK) saying
 * "listen on <what>: <reason>"; errors after that are logged on `logger`, not thrown.
 */
export async function listenOn(
  server: net.Server,
  host: string,
  port: number,
  what: string,
  logger: Logger,
): Promise<net.AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new BurrowError(ErrorCode.NETWORK, `listen on ${what}: ${err.message}`, { cause: err })),
    );
    server.listen({ host, port }, resolve);
  });
  server.on('error', (err) => logger.error({ err: err.message }, `${what}: listener error`));
  return server.address() as net.AddressInfo;
}
