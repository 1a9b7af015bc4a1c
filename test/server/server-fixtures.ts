// In-process fixtures for server tests: a BurrowServer and library clients on loopback, and a slow local service.
import net from 'node:net';
import { join } from 'node:path';
import type { ClientConfig, ServerConfig } from '../../src/config/index.js';
import {
  connect,
  defaultClientConfig,
  defaultProxyConfig,
  defaultServerConfig,
  type BurrowClient,
  type ProxyStatus,
} from '../../src/index.js';
import { BurrowServer } from '../../src/server/index.js';
import { freePort } from '../e2e/harness.js';

export const TOKEN = 'server-test-token';

/** How long a test waits for a proxy to run or a condition to hold. */
export const WAIT_TIMEOUT_MS = 10_000;
/** Poll step of waitUntil. */
const POLL_MS = 20;

/** A loopback server config with a fresh bind port and its state under `dir`. */
export async function serverConfig(dir: string): Promise<ServerConfig> {
  const config = defaultServerConfig();
  config.bindAddr = '127.0.0.1';
  config.bindPort = await freePort();
  config.auth.token = TOKEN;
  config.stateDir = join(dir, 'state');
  return config;
}

/** Starts a server (closed by the caller). */
export async function startTestServer(config: ServerConfig): Promise<BurrowServer> {
  const server = new BurrowServer(config);
  await server.start();
  return server;
}

/** A client config for `server` pinning its certificate, with tcp proxies name → local port (remote port picked). */
export async function clientConfig(
  server: BurrowServer,
  proxies: Record<string, number>,
): Promise<{ config: ClientConfig; remotePorts: Record<string, number> }> {
  const config = defaultClientConfig();
  config.serverAddr = '127.0.0.1';
  config.serverPort = server.address.port;
  config.auth.token = TOKEN;
  config.transport.tls.serverFingerprint = server.tlsFingerprint;
  const remotePorts: Record<string, number> = {};
  for (const [name, localPort] of Object.entries(proxies)) {
    remotePorts[name] = await freePort();
    config.proxies.push({ ...defaultProxyConfig(name, 'tcp'), localPort, remotePort: remotePorts[name]! });
  }
  return { config, remotePorts };
}

/** Connects a client and waits until `names` run. */
export async function startClient(config: ClientConfig, names: string[]): Promise<BurrowClient> {
  const client = await connect(config);
  await Promise.all(names.map((name) => proxyPhase(client, name, 'running')));
  return client;
}

/** Resolves with the status of the client's proxy `name` once it is in `phase`. */
export function proxyPhase(client: BurrowClient, name: string, phase: ProxyStatus['phase']): Promise<ProxyStatus> {
  const now = client.proxyStatuses().find((s) => s.name === name && s.phase === phase);
  if (now) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy ${name} did not reach ${phase}`)), WAIT_TIMEOUT_MS);
    const onProxy = (status: ProxyStatus): void => {
      if (status.name !== name || status.phase !== phase) return;
      clearTimeout(timer);
      client.off('proxy', onProxy);
      resolve(status);
    };
    client.on('proxy', onProxy);
  });
}

/** Polls `check` until it is true; rejects with `what` after WAIT_TIMEOUT_MS. */
export async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * A local service that sends `payload` to each connection in `chunk`-sized pieces every `everyMs`,
 * then closes: a download that is still running while a test acts.
 */
export async function startSlowService(
  payload: Buffer,
  chunk: number,
  everyMs: number,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let offset = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) {
        clearInterval(timer);
        return;
      }
      socket.write(payload.subarray(offset, offset + chunk));
      offset += chunk;
      if (offset >= payload.length) {
        clearInterval(timer);
        socket.end();
      }
    }, everyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GET `url` with optional Basic credentials; resolves with status and body text. */
export async function get(url: string, auth?: string): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = auth
    ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` }
    : {};
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(WAIT_TIMEOUT_MS) });
  return { status: res.status, body: await res.text() };
}
