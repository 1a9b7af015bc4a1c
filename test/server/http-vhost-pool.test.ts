// HttpVhost's work-connection pool and traffic counting: keep-alive reuse, stale idle connections, per-request meter.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { TrafficMeter } from '../../src/server/traffic.js';
import { HttpVhost, type HttpBackend } from '../../src/server/vhost/index.js';

/** Body of the origin's answers. */
const ANSWER = 'pooled answer\n';
/** Request body sent by the upload test. */
const UPLOAD = Buffer.alloc(10_000, 0x61);
/** The origin drops a connection this long after answering /drop. */
const DROP_AFTER_MS = 20;
/** A local service keep-alive timeout too short for a pooled connection (1 s, less the agent's 1 s margin). */
const SHORT_KEEP_ALIVE_MS = 1_000;

/** A backend dialing `port` directly, counting how many work connections it opened. */
function countingBackend(port: number): HttpBackend & { opened: number } {
  const backend = {
    proxyName: `direct-${port}`,
    meter: new TrafficMeter(),
    rewriteHost: '',
    setHeaders: {},
    setResponseHeaders: {},
    httpUser: '',
    httpPassword: '',
    opened: 0,
    openConn: () =>
      new Promise<net.Socket>((resolve, reject) => {
        backend.opened += 1;
        const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      }),
  };
  return backend;
}

/** One request on a fresh user connection; resolves with status and body. */
function request(port: number, host: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: { Host: host }, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('HttpVhost work-connection pool', () => {
  const vhost = new HttpVhost(silentLogger());
  let origin: http.Server;
  let originPort = 0;
  let vhostPort = 0;
  /** Distinct origin-side connections seen. */
  const originConns = new Set<net.Socket>();
  let uploaded = 0;

  before(async () => {
    origin = http.createServer((req, res) => {
      originConns.add(req.socket);
      req.on('data', (c: Buffer) => (uploaded += c.length));
      req.on('end', () => {
        res.end(ANSWER);
        if (req.url === '/drop') setTimeout(() => req.socket.destroy(), DROP_AFTER_MS);
      });
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as net.AddressInfo).port;
    vhostPort = (await vhost.listen('127.0.0.1', 0)).port;
  });

  after(async () => {
    vhost.close();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  });

  it('reuses one work connection for requests from different user connections, one after another', async () => {
    const backend = countingBackend(originPort);
    vhost.router.add({ domain: 'reuse.test', location: '', payload: backend });
    originConns.clear();
    for (let i = 0; i < 3; i++) {
      const res = await request(vhostPort, 'reuse.test', `/r${i}`);
      assert.equal(res.status, 200);
      assert.equal(res.body, ANSWER);
    }
    assert.equal(backend.opened, 1, 'one work connection for three requests');
    assert.equal(originConns.size, 1, 'the local service saw one connection');
    vhost.router.remove('reuse.test', '', '');
  });

  it('drops an idle work connection the local service closed, and opens a new one for the next request', async () => {
    const backend = countingBackend(originPort);
    vhost.router.add({ domain: 'drop.test', location: '', payload: backend });
    assert.equal((await request(vhostPort, 'drop.test', '/drop')).status, 200);
    await sleep(DROP_AFTER_MS * 10);
    const next = await request(vhostPort, 'drop.test', '/after');
    assert.equal(next.status, 200, 'not a 502 from the stale connection');
    assert.equal(backend.opened, 2);
    vhost.router.remove('drop.test', '', '');
  });

  it('counts each request in the meter: a connection while it runs, its bytes in and out', async () => {
    const backend = countingBackend(originPort);
    vhost.router.add({ domain: 'meter.test', location: '', payload: backend });
    uploaded = 0;
    const res = await request(vhostPort, 'meter.test', '/up', UPLOAD);
    assert.equal(res.status, 200);
    assert.equal(uploaded, UPLOAD.length);
    await request(vhostPort, 'meter.test', '/second');
    await sleep(50); // the server side sees the response close after the client has its body
    const { meter } = backend;
    assert.equal(meter.totalConns, 2);
    assert.equal(meter.curConns, 0);
    assert.ok(meter.totalIn > UPLOAD.length, `request bytes counted (${meter.totalIn})`);
    assert.ok(meter.totalOut > 2 * ANSWER.length, `response bytes counted (${meter.totalOut})`);
    vhost.router.remove('meter.test', '', '');
  });

  it('does not count requests for unknown hosts against a proxy', async () => {
    const backend = countingBackend(originPort);
    vhost.router.add({ domain: 'known.test', location: '', payload: backend });
    assert.equal((await request(vhostPort, 'unknown.test', '/')).status, 404);
    assert.equal(backend.meter.totalConns, 0);
    assert.equal(backend.meter.totalIn, 0);
    assert.equal(backend.opened, 0);
    vhost.router.remove('known.test', '', '');
  });

  it('does not keep a work connection the local service announces it will close within a second (Keep-Alive: timeout=1)', async () => {
    const brief = http.createServer((_req, res) => res.end(ANSWER));
    brief.keepAliveTimeout = SHORT_KEEP_ALIVE_MS; // Node announces Keep-Alive: timeout=1
    await new Promise<void>((resolve) => brief.listen(0, '127.0.0.1', resolve));
    try {
      const backend = countingBackend((brief.address() as net.AddressInfo).port);
      vhost.router.add({ domain: 'brief.test', location: '', payload: backend });
      for (let i = 0; i < 2; i++) assert.equal((await request(vhostPort, 'brief.test', '/')).status, 200);
      assert.equal(backend.opened, 2, 'a fresh work connection per request');
      vhost.router.remove('brief.test', '', '');
    } finally {
      brief.closeAllConnections();
      await new Promise<void>((resolve) => brief.close(() => resolve()));
    }
  });
});
