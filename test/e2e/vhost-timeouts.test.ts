// e2e attack (issue 21 hole 3) on a real server: slowloris, silent and idle sockets on vhostHTTPPort and on a shared bindPort are closed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultServerConfig, startServer, type BurrowServer } from 'burrow';
import { freePort, removeDir, scratchDir } from './harness.js';
import { RawClient } from '../server/vhost/raw-http.js';

/** Short deadlines set through the vhost's test setter (the defaults are VHOST_HEADER_TIMEOUT_MS / VHOST_IDLE_TIMEOUT_MS). */
const TEST_HEADER_TIMEOUT_MS = 300;
const TEST_IDLE_TIMEOUT_MS = 500;
/** One more byte this often: the slowloris never goes silent, only a head deadline stops it. */
const TRICKLE_MS = 50;

function trickle(client: RawClient, text: string): void {
  let i = 0;
  const timer = setInterval(() => {
    if (client.closed) return;
    client.write(text[i++ % text.length]!);
  }, TRICKLE_MS);
  client.socket.once('close', () => clearInterval(timer));
}

describe('vhost deadlines on a running server', () => {
  const dir = scratchDir();
  const servers: BurrowServer[] = [];
  let vhostPort = 0;
  let sharedPort = 0;

  async function server(name: string, shared: boolean): Promise<number> {
    const config = defaultServerConfig();
    config.bindAddr = '127.0.0.1';
    config.proxyBindAddr = '127.0.0.1';
    config.bindPort = await freePort();
    config.vhostHTTPPort = shared ? config.bindPort : await freePort();
    config.auth.token = `vhost-timeouts-${name}`;
    config.stateDir = join(dir, name);
    const started = await startServer(config);
    started.httpVhost.setTimeouts({ headerTimeoutMs: TEST_HEADER_TIMEOUT_MS, idleTimeoutMs: TEST_IDLE_TIMEOUT_MS });
    servers.push(started);
    return config.vhostHTTPPort;
  }

  before(async () => {
    vhostPort = await server('own-port', false);
    sharedPort = await server('shared', true);
  });

  after(async () => {
    for (const s of servers) await s.close();
    removeDir(dir);
  });

  it('a silent socket on vhostHTTPPort is closed without an answer', async () => {
    const client = new RawClient(vhostPort);
    await client.ready();
    await client.closedSoon();
    assert.equal(client.pending, '');
  });

  for (const [where, port] of [
    ['vhostHTTPPort', (): number => vhostPort],
    ['a shared bindPort', (): number => sharedPort],
  ] as const) {
    it(`a slowloris head on ${where} is answered 408 and closed`, async () => {
      const client = new RawClient(port());
      await client.ready();
      client.write('GET / HTTP/1.1\r\nHost: nobody.test\r\n');
      trickle(client, 'X-Slow: z\r\n');
      await client.closedSoon();
      assert.match(client.pending, /^HTTP\/1\.1 408 /);
    });

    it(`an idle keep-alive connection on ${where} is closed after its answer`, async () => {
      const client = new RawClient(port());
      await client.ready();
      client.write('GET / HTTP/1.1\r\nHost: nobody.test\r\n\r\n');
      assert.equal((await client.next()).status, 404);
      await client.closedSoon();
    });
  }
});
