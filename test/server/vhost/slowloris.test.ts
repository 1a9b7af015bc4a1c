// Attack (issue 21 hole 3): slowloris, silent and idle sockets on the http/https vhosts are closed; one address cannot hold or flood them.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import { ConnectionRateLimiter } from '../../../src/net/rate-limit.js';
import { HttpsVhost, HttpVhost } from '../../../src/server/vhost/index.js';
import { closeServer, directBackend, namedOrigin, RAW_TIMEOUT_MS, RawClient } from './raw-http.js';

/** Short deadlines made for tests (the defaults are VHOST_HEADER_TIMEOUT_MS / VHOST_IDLE_TIMEOUT_MS). */
const TEST_HEADER_TIMEOUT_MS = 300;
const TEST_IDLE_TIMEOUT_MS = 500;
/** How often the slowloris client sends one more byte: well inside the header deadline, so only a head deadline stops it. */
const TRICKLE_MS = 50;
/** Held connections the cap tests allow per address. */
const TEST_CAP = 3;
/** A second loopback source address (Linux routes all of 127/8 to lo). */
const OTHER_SOURCE = '127.0.0.2';

const REQUEST = 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n';

/** Sends `text` one byte every TRICKLE_MS until the socket closes. */
function trickle(client: RawClient, text: string): void {
  let i = 0;
  const timer = setInterval(() => {
    if (client.closed) {
      clearInterval(timer);
      return;
    }
    client.write(text[i % text.length]!);
    i += 1;
  }, TRICKLE_MS);
  client.socket.once('close', () => clearInterval(timer));
}

/** Connects from `localAddress`, resolves with the client (connected). */
async function connectFrom(port: number, localAddress?: string): Promise<RawClient> {
  const client = new RawClient(port, localAddress);
  await client.ready();
  return client;
}

describe('http vhost: header and idle deadlines', () => {
  const vhost = new HttpVhost(silentLogger(), {
    headerTimeoutMs: TEST_HEADER_TIMEOUT_MS,
    idleTimeoutMs: TEST_IDLE_TIMEOUT_MS,
  });
  const servers: http.Server[] = [];
  let port = 0;

  before(async () => {
    const a = await namedOrigin('A');
    servers.push(a.server);
    vhost.router.add({ domain: 'a.test', location: '', payload: directBackend(a.port) });
    port = (await vhost.listen('127.0.0.1', 0)).port;
  });

  after(async () => {
    vhost.close();
    await Promise.all(servers.map(closeServer));
  });

  it('a silent new connection is closed', async () => {
    const client = await connectFrom(port);
    await client.closedSoon();
    assert.equal(client.pending, '', 'closed without an answer');
  });

  it('a slowloris head (half a head, then one byte at a time) is answered 408 and closed', async () => {
    const client = await connectFrom(port);
    client.write('GET / HTTP/1.1\r\nHost: a.test\r\n');
    trickle(client, 'X-Slow: aaaaaaaa\r\n');
    await client.closedSoon();
    assert.match(client.pending, /^HTTP\/1\.1 408 /);
  });

  it('an idle keep-alive connection is closed after its answer', async () => {
    const client = await connectFrom(port);
    client.write(REQUEST);
    assert.equal((await client.next()).status, 200);
    await client.closedSoon();
  });

  it('a slowloris second request on a keep-alive connection is closed too', async () => {
    const client = await connectFrom(port);
    client.write(REQUEST);
    assert.equal((await client.next()).status, 200);
    client.write('GET / HTTP/1.1\r\n');
    trickle(client, 'X-Slow: b\r\n');
    await client.closedSoon();
    assert.match(client.pending, /^HTTP\/1\.1 408 /);
  });

  it('a prompt client is served on a keep-alive connection, request after request', async () => {
    const client = await connectFrom(port);
    for (let i = 0; i < 3; i++) {
      client.write(REQUEST);
      assert.equal((await client.next()).status, 200);
    }
    client.destroy();
  });
});

describe('http vhost: per-address connection cap and rate', () => {
  const servers: http.Server[] = [];
  let originPort = 0;
  const vhosts: HttpVhost[] = [];

  before(async () => {
    const a = await namedOrigin('A');
    servers.push(a.server);
    originPort = a.port;
  });

  after(async () => {
    for (const vhost of vhosts) vhost.close();
    await Promise.all(servers.map(closeServer));
  });

  async function start(options: ConstructorParameters<typeof HttpVhost>[1]): Promise<number> {
    const vhost = new HttpVhost(silentLogger(), options);
    vhost.router.add({ domain: 'a.test', location: '', payload: directBackend(originPort) });
    vhosts.push(vhost);
    return (await vhost.listen('127.0.0.1', 0)).port;
  }

  it('connections past the per-address cap are refused; another address is still served, and a freed slot is reusable', async () => {
    const port = await start({ maxConnectionsPerIp: TEST_CAP, exemptLoopback: false, rateLimiter: null });
    const held = await Promise.all(Array.from({ length: TEST_CAP }, () => connectFrom(port)));
    const extra = await connectFrom(port);
    extra.write(REQUEST);
    await extra.closedSoon();
    assert.equal(extra.pending, '', 'refused without an answer');
    const other = await connectFrom(port, OTHER_SOURCE);
    other.write(REQUEST);
    assert.equal((await other.next()).status, 200, 'another address is served');
    other.destroy();
    held[0]!.destroy();
    await held[0]!.closedSoon();
    // The vhost sees the close a moment later: retry briefly until the slot is free.
    let served = false;
    for (let attempt = 0; attempt < 20 && !served; attempt++) {
      const again = await connectFrom(port);
      again.write(REQUEST);
      served = await again.next().then(
        (res) => res.status === 200,
        () => false,
      );
      again.destroy();
    }
    assert.ok(served, 'a freed slot takes a new connection');
    for (const client of held) client.destroy();
  });

  it('connections past the per-address rate are refused on the vhost port; another address is still served', async () => {
    const port = await start({
      rateLimiter: new ConnectionRateLimiter({ connectionsPerSecond: 0.001, burst: TEST_CAP, exemptLoopback: false }),
    });
    for (let i = 0; i < TEST_CAP; i++) {
      const client = await connectFrom(port);
      client.write(REQUEST);
      assert.equal((await client.next()).status, 200);
      client.destroy();
    }
    const refused = await connectFrom(port);
    refused.write(REQUEST);
    await refused.closedSoon();
    assert.equal(refused.pending, '');
    const other = await connectFrom(port, OTHER_SOURCE);
    other.write(REQUEST);
    assert.equal((await other.next()).status, 200);
    other.destroy();
  });
});

describe('https vhost: ClientHello deadline and per-address cap', () => {
  const vhost = new HttpsVhost(silentLogger(), { clientHelloTimeoutMs: TEST_HEADER_TIMEOUT_MS });
  /** Default ClientHello deadline, so held connections stay for the cap test. */
  const capped = new HttpsVhost(silentLogger(), {
    maxConnectionsPerIp: TEST_CAP,
    exemptLoopback: false,
    rateLimiter: null,
  });
  let port = 0;
  let cappedPort = 0;

  before(async () => {
    port = (await vhost.listen('127.0.0.1', 0)).port;
    cappedPort = (await capped.listen('127.0.0.1', 0)).port;
  });

  after(() => {
    vhost.close();
    capped.close();
  });

  it('a silent connection and a trickled partial ClientHello are both closed', async () => {
    const silent = await connectFrom(port);
    const slow = await connectFrom(port);
    // A TLS handshake record header announcing 512 bytes, then one byte at a time.
    slow.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    trickle(slow, '\x00');
    await silent.closedSoon();
    await slow.closedSoon();
  });

  it('connections past the per-address cap are refused while another address gets in', async () => {
    const held = await Promise.all(Array.from({ length: TEST_CAP }, () => connectFrom(cappedPort)));
    const extra = await connectFrom(cappedPort);
    await extra.closedSoon();
    assert.equal(capped.openConnections, TEST_CAP);
    const other = await connectFrom(cappedPort, OTHER_SOURCE);
    await waitFor(() => capped.openConnections === TEST_CAP + 1, 'the other address to be admitted');
    assert.equal(other.closed, false);
    for (const client of [...held, other]) client.destroy();
  });
});

/** Polls `check` (bounded by RAW_TIMEOUT_MS). */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + RAW_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
