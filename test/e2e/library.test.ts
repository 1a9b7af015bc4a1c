// The library API, imported by the package's name as a user would: a server and a client in one process, tcp proxies from the config and from forward().
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, it } from 'node:test';
import {
  connect,
  defaultClientConfig,
  defaultProxyConfig,
  defaultServerConfig,
  ErrorCode,
  isBurrowError,
  startServer,
  type BurrowClient,
  type BurrowServer,
  type ProxyStatus,
} from 'burrow';
import { download, freePort, randomPayload, removeDir, scratchDir, sha256, startFileServer } from './harness.js';

/** How long to wait for a closed proxy's port to refuse connections. */
const PORT_CLOSE_TIMEOUT_MS = 10_000;

const dir = scratchDir();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  removeDir(dir);
});

/** A server on loopback with a generated certificate. */
async function libraryServer(token: string): Promise<{ server: BurrowServer; bindPort: number }> {
  const bindPort = await freePort();
  const serverConfig = defaultServerConfig();
  serverConfig.bindAddr = '127.0.0.1';
  serverConfig.bindPort = bindPort;
  serverConfig.auth.token = token;
  serverConfig.stateDir = join(dir, `state-${token}`);
  const server: BurrowServer = await startServer(serverConfig);
  cleanups.push(() => server.close());
  return { server, bindPort };
}

it('startServer + connect from "burrow": a tcp proxy carries bytes, the proxy event reports it running', async () => {
  const payload = randomPayload(2 * 1024 * 1024);
  const files = await startFileServer(payload);
  cleanups.push(files.close);
  const remotePort = await freePort();
  const { server, bindPort } = await libraryServer('library-token');
  assert.match(server.tlsFingerprint, /^sha256:[0-9a-f]{64}$/);

  const clientConfig = defaultClientConfig();
  clientConfig.serverAddr = '127.0.0.1';
  clientConfig.serverPort = bindPort;
  clientConfig.auth.token = 'library-token';
  clientConfig.transport.tls.serverFingerprint = server.tlsFingerprint;
  clientConfig.proxies.push({ ...defaultProxyConfig('files', 'tcp'), localPort: files.port, remotePort });
  const client: BurrowClient = await connect(clientConfig);
  cleanups.push(() => client.close());
  const status = await runningProxy(client, 'files');
  assert.equal(status.remoteAddr, `:${remotePort}`);
  assert.equal(sha256(await download(remotePort)), sha256(payload));
});

it('connect(options) + forward(): a tcp proxy added on the live session answers at its url, close() withdraws it', async () => {
  const payload = randomPayload(1024 * 1024);
  const files = await startFileServer(payload);
  cleanups.push(files.close);
  const { server, bindPort } = await libraryServer('forward-token');

  // Only the keys that differ from frp's defaults, camelCase as in frpc.toml.
  const client = await connect({
    serverAddr: '127.0.0.1',
    serverPort: bindPort,
    auth: { token: 'forward-token' },
    transport: { tls: { serverFingerprint: server.tlsFingerprint } },
  });
  cleanups.push(() => client.close());
  const connectedEvents: string[] = [];
  client.on('connected', (runId: string) => connectedEvents.push(runId));

  const proxyEvents: ProxyStatus[] = [];
  client.on('proxy', (s: ProxyStatus) => proxyEvents.push(s));
  const remotePort = await freePort();
  const forward = await client.forward({ type: 'tcp', localPort: files.port, remotePort, name: 'fwd' });
  assert.equal(forward.name, 'fwd');
  assert.equal(forward.remoteAddr, `:${remotePort}`);
  assert.equal(forward.url, `tcp://127.0.0.1:${remotePort}`);
  assert.ok(proxyEvents.some((s) => s.name === 'fwd' && s.phase === 'running'));

  const url = new URL(forward.url);
  assert.equal(sha256(await download(Number(url.port))), sha256(payload));

  // The server refuses a second proxy on the same port: forward() rejects with its reason.
  await assert.rejects(
    client.forward({ type: 'tcp', localPort: files.port, remotePort, name: 'clash' }),
    (err: unknown) => isBurrowError(err, ErrorCode.PROXY_REFUSED) && /clash/.test(err.message),
  );
  assert.equal(
    client.proxyStatuses().some((s) => s.name === 'clash'),
    false,
  );

  await forward.close();
  await waitRefused(remotePort);
  assert.equal(
    client.proxyStatuses().some((s) => s.name === 'fwd'),
    false,
  );
  assert.deepEqual(connectedEvents, [], 'the session stayed up throughout');
});

/** The proxy's status once it runs (connect resolves at login; NewProxyResp comes right after). */
function runningProxy(client: BurrowClient, name: string): Promise<ProxyStatus> {
  const now = client.proxyStatuses().find((s) => s.name === name && s.phase === 'running');
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const onProxy = (status: ProxyStatus): void => {
      if (status.name !== name || status.phase !== 'running') return;
      client.off('proxy', onProxy);
      resolve(status);
    };
    client.on('proxy', onProxy);
  });
}

/** Resolves once nothing accepts connections on 127.0.0.1:port (bounded by PORT_CLOSE_TIMEOUT_MS). */
async function waitRefused(port: number): Promise<void> {
  const deadline = Date.now() + PORT_CLOSE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} still accepts connections after ${PORT_CLOSE_TIMEOUT_MS} ms`);
}
