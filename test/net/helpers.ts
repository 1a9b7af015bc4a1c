// Shared fixtures of the net tests: a connected pair of loopback sockets.
import { once } from 'node:events';
import net from 'node:net';

/** A connected pair of loopback sockets (allowHalfOpen, as the proxies create them): [client, accepted peer, close listener]. */
export async function socketPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection');
  const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(client, 'connect');
  const [peer] = (await accepted) as [net.Socket];
  return [client, peer, () => server.close()];
}
