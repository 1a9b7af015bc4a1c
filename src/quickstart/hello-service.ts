// The quickstart's built-in hello service: answers every HTTP request with the tunnel's TLS state (seed 004's output as a page).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the page reports; read fresh for every request. */
export interface TunnelState {
  tlsVersion: string;
  tlsCipher: string;
  wire: string;
  serverCertificate: string;
  clientCertificate: string;
  caCertificate: string;
}

/** A running hello service. */
export interface HelloService {
  port: number;
  close(): Promise<void>;
}

/** The page's text for one request. */
export function helloText(state: TunnelState, peer: string): string {
  return [
    'hello from burrow: this answer came to you through a mutual-TLS tunnel',
    '',
    `tunnel TLS version:  ${state.tlsVersion}`,
    `tunnel cipher:       ${state.tlsCipher}`,
    `frp wire protocol:   ${state.wire}`,
    `server certificate:  ${state.serverCertificate}`,
    `client certificate:  ${state.clientCertificate}`,
    `both issued by:      ${state.caCertificate}`,
    `you reached it from: ${peer}`,
    '',
  ].join('\n');
}

/** Starts the service on 127.0.0.1 with an OS-chosen port. */
export async function startHelloService(state: () => TunnelState): Promise<HelloService> {
  const server = http.createServer((req, res) => {
    const body = helloText(
      state(),
      `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0} (the burrow client's side of the tunnel)`,
    );
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
