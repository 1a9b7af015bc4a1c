// The library API, imported by the package's name as a user would: a server and a client in one process, a tcp proxy through them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { connect, defaultClientConfig, defaultProxyConfig, defaultServerConfig, startServer, type BurrowClient, type BurrowServer, type ProxyStatus } from 'burrow';
import { download, freePort, randomPayload, removeDir, scratchDir, sha256, startFileServer } from './harness.js';

const dir = scratchDir();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  removeDir(dir);
});

it('startServer + connect from "burrow": a tcp proxy carries bytes, the proxy event reports it running', async () => {
  const payload = randomPayload(2 * 1024 * 1024);
  const files = await startFileServer(payload);
  cleanups.push(files.close);
  const [bindPort, remotePort] = [await freePort(), await freePort()];

  const serverConfig = defaultServerConfig();
  serverConfig.bindAddr = '127.0.0.1';
  serverConfig.bindPort = bindPort;
  serverConfig.auth.token = 'library-token';
  serverConfig.stateDir = join(dir, 'state');
  const server: BurrowServer = await startServer(serverConfig);
  cleanups.push(() => server.close());
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
