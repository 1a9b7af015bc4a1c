// Helpers of the pre-authentication attack tests: an in-process server, attacker yamux sessions over TCP or TLS, a real client's login.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { connect, type BurrowClient } from '../../src/index.js';
import { Session } from '../../src/mux/index.js';
import { BurrowServer, type ServerOptions } from '../../src/server/server.js';
import { clientConfig, serverConfig } from '../server/server-fixtures.js';

/** Longest any wait of these tests lasts before it fails (a bound, not a speed assertion). */
export const WAIT_LIMIT_MS = 20_000;

/** A loopback server (tcpMux on, TLS accepted, not forced) with its state in a scratch directory. */
export async function startServer(
  options: ServerOptions = {},
): Promise<{ server: BurrowServer; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-preauth-'));
  const config = await serverConfig(dir);
  config.transport.tcpMux = true;
  const server = new BurrowServer(config, options);
  await server.start();
  return {
    server,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A connection to the server from `localAddress` (any 127.x address), plain TCP or TLS (no client certificate). */
export async function dial(server: BurrowServer, secure: boolean, localAddress = '127.0.0.1'): Promise<Duplex> {
  const raw = net.connect({ host: '127.0.0.1', port: server.address.port, localAddress });
  raw.on('error', () => {});
  await once(raw, 'connect');
  if (!secure) return raw;
  const socket = tls.connect({ socket: raw, rejectUnauthorized: false });
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  return socket;
}

/** An attacker's yamux client session on a fresh connection (no login). */
export async function attackerSession(server: BurrowServer, secure = false, localAddress?: string): Promise<Session> {
  return new Session(await dial(server, secure, localAddress), { client: true, keepaliveIntervalMs: 0 });
}

/** Logs a real burrow client in (tcpMux, TLS pinned); resolves once the server saw the login. */
export async function loginClient(server: BurrowServer): Promise<BurrowClient> {
  const { config } = await clientConfig(server, {});
  config.transport.tcpMux = true;
  const seen = once(server, 'clientLogin');
  // A rejection while connect() runs must not go unhandled: withinLimit reports it.
  seen.catch(() => undefined);
  const client = await connect(config);
  await withinLimit(seen, 'the server to see the login');
  return client;
}

/** Rejects when `p` takes longer than WAIT_LIMIT_MS. */
export async function withinLimit<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${WAIT_LIMIT_MS} ms waiting for ${what}`)),
      WAIT_LIMIT_MS,
    );
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 20 ms until true; rejects after WAIT_LIMIT_MS naming `what`. */
export async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_LIMIT_MS} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
