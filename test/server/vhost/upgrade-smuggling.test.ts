// Attack (issue 21 hole 2): requests smuggled behind an Upgrade header the local service ignores must be routed and checked on their own.
import assert from 'node:assert/strict';
import type http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import { HttpVhost } from '../../../src/server/vhost/index.js';
import { closeServer, directBackend, namedOrigin, RawClient } from './raw-http.js';

const UPGRADE = 'GET / HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

describe('http vhost: Upgrade without 101 (request smuggling)', () => {
  const vhost = new HttpVhost(silentLogger());
  const servers: http.Server[] = [];
  let port = 0;
  let seenA: string[] = [];
  let seenB: string[] = [];
  let seenAdmin: string[] = [];

  before(async () => {
    const a = await namedOrigin('A');
    const b = await namedOrigin('B');
    const admin = await namedOrigin('ADMIN');
    const ws = await namedOrigin('WS');
    ws.server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Ws: yes\r\n\r\n',
      );
      if (head.length > 0) socket.write(head);
      socket.on('data', (chunk: Buffer) => socket.write(Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1')));
    });
    servers.push(a.server, b.server, admin.server, ws.server);
    seenA = a.seen;
    seenB = b.seen;
    seenAdmin = admin.seen;
    vhost.router.add({ domain: 'a.test', location: '', payload: directBackend(a.port) });
    vhost.router.add({
      domain: 'a.test',
      location: '/admin',
      payload: directBackend(admin.port, { httpUser: 'u', httpPassword: 'p' }),
    });
    vhost.router.add({ domain: 'b.test', location: '', payload: directBackend(b.port) });
    vhost.router.add({ domain: 'ws.test', location: '', payload: directBackend(ws.port) });
    port = (await vhost.listen('127.0.0.1', 0)).port;
  });

  after(async () => {
    vhost.close();
    await Promise.all(servers.map(closeServer));
  });

  it('pipelined after an ignored Upgrade: another Host, a protected location and a forged X-Real-IP are each handled as their own request', async () => {
    const client = new RawClient(port);
    await client.ready();
    client.write(
      UPGRADE +
        'GET /other HTTP/1.1\r\nHost: b.test\r\nX-Real-IP: 6.6.6.6\r\n\r\n' +
        'GET /admin/secret HTTP/1.1\r\nHost: a.test\r\n\r\n' +
        'GET /last HTTP/1.1\r\nHost: a.test\r\n\r\n',
    );
    const first = await client.next();
    assert.equal(first.status, 200);
    assert.equal((JSON.parse(first.body) as { origin: string }).origin, 'A');
    const second = await client.next();
    assert.equal(second.status, 200);
    const b = JSON.parse(second.body) as { origin: string; url: string; headers: Record<string, string> };
    assert.equal(b.origin, 'B', 'routed by its own Host');
    assert.equal(b.headers['x-real-ip'], '127.0.0.1', 'X-Real-IP set by the vhost, not the client');
    const third = await client.next();
    assert.equal(third.status, 401, 'the protected location asks for credentials');
    const fourth = await client.next();
    assert.equal(fourth.status, 200);
    assert.equal((JSON.parse(fourth.body) as { url: string }).url, '/last');
    client.destroy();
    assert.deepEqual(seenA, ['GET /', 'GET /last'], "A's service saw only the requests meant for it");
    assert.ok(seenB.includes('GET /other'));
    assert.deepEqual(seenAdmin, [], 'nothing reached the protected service');
  });

  it('a later request sent after the non-101 answer is routed on its own too', async () => {
    const client = new RawClient(port);
    await client.ready();
    client.write(UPGRADE);
    assert.equal((await client.next()).status, 200);
    client.write('GET /after HTTP/1.1\r\nHost: b.test\r\n\r\n');
    const res = await client.next();
    assert.equal((JSON.parse(res.body) as { origin: string }).origin, 'B');
    client.destroy();
  });

  it('a real WebSocket upgrade: 101, then raw bytes both ways', async () => {
    const client = new RawClient(port);
    await client.ready();
    client.write('GET /ws HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await client.received('\r\n\r\n');
    assert.match(client.pending, /^HTTP\/1\.1 101 /);
    assert.match(client.pending, /x-ws: yes/i);
    client.write('hello raw\r\n');
    await client.received('HELLO RAW');
    client.destroy();
  });

  it('an upgrade request with a body is refused and the connection closed', async () => {
    const client = new RawClient(port);
    await client.ready();
    client.write(
      'POST / HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 40\r\n\r\nGET /admin HTTP/1.1\r\nHost: a.test\r\n\r\n',
    );
    const res = await client.next();
    assert.equal(res.status, 400);
    await client.closedSoon();
    assert.deepEqual(seenAdmin, []);
  });
});
