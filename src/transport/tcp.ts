// The plain transport: the connection itself, no TLS (transport.protocol "tcp" with TLS off).
import type { Transport } from './transport.js';

export const tcpTransport: Transport = {
  name: 'tcp',
  dial: (socket) => Promise.resolve({ conn: socket, info: { tls: false } }),
  accept: (conn) => Promise.resolve({ conn }),
};
