// Per-client caps through real sockets: maxProxiesPerClient and maxPortsPerClient refuse the NewProxy past the cap, naming the key; the defaults apply when unset.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BurrowClient } from '../../src/index.js';
import { defaultServerConfig } from '../../src/index.js';
import { DEFAULT_MAX_PORTS_PER_CLIENT, DEFAULT_MAX_PROXIES_PER_CLIENT } from '../../src/config/defaults.js';
import type { BurrowServer } from '../../src/server/index.js';
import { download, randomPayload, removeDir, scratchDir, sha256, startFileServer } from '../e2e/harness.js';
import { clientConfig, proxyPhase, serverConfig, startClient, startTestServer } from './server-fixtures.js';

/** The small cap of these tests: the client asks for one proxy more. */
const CAP = 2;

describe('per-client caps (maxProxiesPerClient, maxPortsPerClient)', () => {
  const dir = scratchDir();
  const payload = randomPayload(16 * 1024);
  const servers: BurrowServer[] = [];
  const clients: BurrowClient[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) await s.close();
    removeDir(dir);
  });

  it('both caps default when unset (burrow: 200 proxies, 100 ports per client)', () => {
    const config = defaultServerConfig();
    assert.equal(config.maxProxiesPerClient, DEFAULT_MAX_PROXIES_PER_CLIENT);
    assert.equal(config.maxPortsPerClient, DEFAULT_MAX_PORTS_PER_CLIENT);
    assert.equal(DEFAULT_MAX_PROXIES_PER_CLIENT, 200);
    assert.equal(DEFAULT_MAX_PORTS_PER_CLIENT, 100);
  });

  for (const key of ['maxProxiesPerClient', 'maxPortsPerClient'] as const) {
    it(`${key} = ${CAP}: a client with ${CAP + 1} tcp proxies gets ${CAP} running and one refused naming ${key}`, async () => {
      const files = await startFileServer(payload);
      const config = await serverConfig(dir);
      // The other cap off, so only `key` can refuse.
      config.maxProxiesPerClient = key === 'maxProxiesPerClient' ? CAP : 0;
      config.maxPortsPerClient = key === 'maxPortsPerClient' ? CAP : 0;
      const server = await startTestServer(config);
      servers.push(server);
      const names = Array.from({ length: CAP + 1 }, (_, i) => `p${i}`);
      const { config: cc, remotePorts } = await clientConfig(
        server,
        Object.fromEntries(names.map((n) => [n, files.port])),
      );
      const client = await startClient(cc, names.slice(0, CAP));
      clients.push(client);
      const refused = await proxyPhase(client, names[CAP]!, 'error');
      assert.match(refused.error, new RegExp(key));
      for (const name of names.slice(0, CAP))
        assert.equal(sha256(await download(remotePorts[name]!)), sha256(payload), `${name} carries traffic`);
      assert.equal(client.proxyStatuses().filter((s) => s.phase === 'running').length, CAP);
      await client.close();
      await server.close();
      await files.close();
    });
  }

  it('0 means no limit: the same client runs all its proxies', async () => {
    const files = await startFileServer(payload);
    const config = await serverConfig(dir);
    config.maxProxiesPerClient = 0;
    config.maxPortsPerClient = 0;
    const server = await startTestServer(config);
    servers.push(server);
    const names = Array.from({ length: CAP + 1 }, (_, i) => `q${i}`);
    const { config: cc } = await clientConfig(server, Object.fromEntries(names.map((n) => [n, files.port])));
    const client = await startClient(cc, names);
    clients.push(client);
    assert.equal(client.proxyStatuses().filter((s) => s.phase === 'running').length, CAP + 1);
    await client.close();
    await server.close();
    await files.close();
  });
});
