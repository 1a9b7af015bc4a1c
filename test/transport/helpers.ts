// Test helpers for the transport layer: a WebSocket stream pair over loopback TCP, bounded reads and waits.
import { once } from 'node:events';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { acceptWebSocket, dialWebSocket, FRP_WEBSOCKET_PATH, type WebSocketDuplex } from '../../src/transport/index.js';

/** Every wait in these tests gives up after this. */
export const WAIT_LIMIT_MS = 10_000;

/** Both ends of one WebSocket over loopback TCP, and their TCP sockets. */
export interface WsPair {
  server: WebSocketDuplex;
  client: WebSocketDuplex;
  serverSocket: net.Socket;
  clientSocket: net.Socket;
  close: () => Promise<void>;
}

/** Listens on 127.0.0.1:0, dials it, upgrades both sides (accept and dial as the tunnel does). */
export async function wsPair(): Promise<WsPair> {
  const listener = net.createServer({ allowHalfOpen: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const acceptedP = once(listener, 'connection') as Promise<[net.Socket]>;
  const clientSocket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(clientSocket, 'connect');
  const [serverSocket] = await acceptedP;
  const [server, client] = await Promise.all([
    acceptWebSocket(serverSocket, { path: FRP_WEBSOCKET_PATH, timeoutMs: WAIT_LIMIT_MS }),
    dialWebSocket(clientSocket, { scheme: 'ws', host: `127.0.0.1:${port}`, timeoutMs: WAIT_LIMIT_MS }),
  ]);
  return {
    server,
    client,
    serverSocket,
    clientSocket,
    close: async () => {
      server.destroy();
      client.destroy();
      serverSocket.destroy();
      clientSocket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/** Reads `stream` to its end (flowing) within the limit; resolves with everything read. */
export function readAll(stream: Readable, limitMs = WAIT_LIMIT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`no end of stream within ${limitMs} ms`)), limitMs);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    stream.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Polls `cond` every `everyMs` until true, or fails after the limit. */
export async function waitFor(cond: () => boolean, what: string, limitMs = WAIT_LIMIT_MS, everyMs = 10): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Resolves with the event's arguments, or rejects after the limit. */
export async function within<T>(p: Promise<T>, what: string, limitMs = WAIT_LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), limitMs);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
