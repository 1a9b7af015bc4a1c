// e2e attacks on the http vhost through the real CLI (issue 21): requests smuggled behind an ignored Upgrade, and path tricks past a protected location.
import assert from 'node:assert/strict';
import type http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir } from './harness.js';
import { clientToml, serverToml, setup, startClient, startHttpOrigin, startServer } from './proxy-helpers.js';
import { RawClient } from '../server/vhost/raw-http.js';

function proxy(name: string, localPort: number, lines: string[]): string[] {
  return ['[[proxies]]', `name = "${name}"`, 'type = "http"', `localPort = ${localPort}`, ...lines, ''];
}

/** A local service that names itself and echoes what it got; it ignores Upgrade and keeps the connection alive. */
function named(name: string, seen: string[]): http.RequestListener {
  return (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ origin: name, url: req.url, headers: req.headers }));
  };
}

describe('http vhost attacks through the real CLI', () => {
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const seenAlice: string[] = [];
  const seenAdmin: string[] = [];
  const seenBob: string[] = [];
  let vhostPort = 0;

  before(async () => {
    const alice = await startHttpOrigin(named('alice', seenAlice));
    const admin = await startHttpOrigin(named('alice-admin', seenAdmin));
    const bob = await startHttpOrigin(named('bob', seenBob));
    const ws = await startHttpOrigin(named('ws', []));
    ws.server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
    });
    closers.push(alice.close, admin.close, bob.close, ws.close);
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    vhostPort = await freePort();
    await startServer(dir, serverToml(bindPort, dir, [`vhostHTTPPort = ${vhostPort}`]));
    // Two customers: alice (a public site with a protected /admin, and a WebSocket service), bob (another site).
    await startClient(
      dir,
      clientToml(bindPort, [
        ...proxy('alice', alice.port, ['customDomains = ["alice.example.test"]']),
        ...proxy('alice-admin', admin.port, [
          'customDomains = ["alice.example.test"]',
          'locations = ["/admin"]',
          'httpUser = "alice"',
          'httpPassword = "s3cret"',
        ]),
        ...proxy('alice-ws', ws.port, ['customDomains = ["ws.example.test"]']),
      ]),
      3,
      'alice.toml',
    );
    await startClient(
      dir,
      clientToml(bindPort, [...proxy('bob', bob.port, ['customDomains = ["bob.example.test"]'])]),
      1,
      'bob.toml',
    );
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('requests pipelined behind an Upgrade the service ignores are each routed, authenticated and stamped on their own', async () => {
    const client = new RawClient(vhostPort);
    await client.ready();
    client.write(
      'GET / HTTP/1.1\r\nHost: alice.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' +
        'GET /bob-page HTTP/1.1\r\nHost: bob.example.test\r\nX-Real-IP: 6.6.6.6\r\n\r\n' +
        'GET /admin/users HTTP/1.1\r\nHost: alice.example.test\r\n\r\n',
    );
    const first = await client.next();
    assert.equal(first.status, 200);
    assert.equal((JSON.parse(first.body) as { origin: string }).origin, 'alice');
    const second = await client.next();
    const bob = JSON.parse(second.body) as { origin: string; headers: Record<string, string> };
    assert.equal(bob.origin, 'bob', "another customer's Host reaches that customer's service");
    assert.equal(bob.headers['x-real-ip'], '127.0.0.1', 'X-Real-IP is the vhost’s, not the client’s');
    const third = await client.next();
    assert.equal(third.status, 401, 'the protected location still asks for credentials');
    // Sent after the answers: still a request of its own.
    client.write('GET /later HTTP/1.1\r\nHost: bob.example.test\r\n\r\n');
    assert.equal((JSON.parse((await client.next()).body) as { origin: string }).origin, 'bob');
    client.destroy();
    assert.deepEqual(seenAlice, ['GET /'], "alice's service got only its own request");
    assert.deepEqual(seenAdmin, []);
    assert.deepEqual(seenBob, ['GET /bob-page', 'GET /later']);
  });

  it('a real WebSocket upgrade still switches: 101, then raw bytes both ways', async () => {
    const client = new RawClient(vhostPort);
    await client.ready();
    client.write('GET /ws HTTP/1.1\r\nHost: ws.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await client.received('\r\n\r\n');
    assert.match(client.pending, /^HTTP\/1\.1 101 /);
    client.write('ping over the tunnel');
    await client.received('ping over the tunnel');
    client.destroy();
  });

  it('path tricks for /admin are checked as /admin, never served by the public route', async () => {
    for (const target of [
      '//admin',
      '/;/admin',
      '/%2fadmin',
      '/./admin',
      '/x/../admin',
      '/%2e%2e/admin/',
      '/admin;a=b',
    ]) {
      const client = new RawClient(vhostPort);
      await client.ready();
      client.write(`GET ${target} HTTP/1.1\r\nHost: alice.example.test\r\nConnection: close\r\n\r\n`);
      assert.equal((await client.next()).status, 401, target);
      client.destroy();
    }
    assert.deepEqual(seenAdmin, []);
  });
});
