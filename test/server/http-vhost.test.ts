// HttpVhost in-process: per-request routing, header rewriting both ways, basic auth, 404/502, with a direct-dial backend.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { TrafficMeter } from '../../src/server/traffic.js';
import { HttpVhost, type HttpBackend } from '../../src/server/vhost/index.js';

/** A backend that dials `port` directly instead of asking a client for a work connection. */
function backend(port: number, extra: Partial<HttpBackend> = {}): HttpBackend {
  return {
    proxyName: `direct-${port}`,
    meter: new TrafficMeter(),
    rewriteHost: '',
    setHeaders: {},
    setResponseHeaders: {},
    httpUser: '',
    httpPassword: '',
    openConn: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      }),
    ...extra,
  };
}

function get(
  port: number,
  host: string,
  path = '/',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { Host: host, ...headers }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('HttpVhost', () => {
  const vhost = new HttpVhost(silentLogger());
  let origin: http.Server;
  let vhostPort = 0;
  let deadPort = 0;

  before(async () => {
    origin = http.createServer((req, res) => {
      res.setHeader('X-Origin', 'yes');
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const originPort = (origin.address() as net.AddressInfo).port;
    const dead = net.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    vhost.router.add({
      domain: 'a.test',
      location: '',
      payload: backend(originPort, {
        rewriteHost: 'inner',
        setHeaders: { 'X-Set': '1' },
        setResponseHeaders: { 'X-Origin': 'replaced' },
      }),
    });
    vhost.router.add({
      domain: 'a.test',
      location: '',
      httpUser: 'bob',
      payload: backend(originPort, { rewriteHost: 'bob-only' }),
    });
    vhost.router.add({
      domain: 'locked.test',
      location: '',
      payload: backend(originPort, { httpUser: 'u', httpPassword: 'p' }),
    });
    vhost.router.add({ domain: 'dead.test', location: '', payload: backend(deadPort) });
    vhostPort = (await vhost.listen('127.0.0.1', 0)).port;
  });

  after(async () => {
    vhost.close();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  });

  it('rewrites Host, sets request and response headers, forwards the client address', async () => {
    const res = await get(vhostPort, 'a.test', '/p?q=1');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-origin'], 'replaced');
    const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/p?q=1');
    assert.equal(seen.headers.host, 'inner');
    assert.equal(seen.headers['x-set'], '1');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers.connection, 'keep-alive', 'work connections are kept alive to the local service');
  });

  it('routes by HTTP user when a route names one (routeByHTTPUser)', async () => {
    const res = await get(vhostPort, 'a.test', '/', {
      Authorization: `Basic ${Buffer.from('bob:x').toString('base64')}`,
    });
    assert.equal((JSON.parse(res.body) as { headers: Record<string, string> }).headers.host, 'bob-only');
  });

  it('answers 401 with a challenge, 404 for unknown hosts and 502 for a dead backend', async () => {
    const locked = await get(vhostPort, 'locked.test');
    assert.equal(locked.status, 401);
    assert.equal(locked.headers['www-authenticate'], 'Basic realm="Restricted"');
    const open = await get(vhostPort, 'locked.test', '/', {
      Authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
    assert.equal(open.status, 200);
    assert.equal((await get(vhostPort, 'nobody.test')).status, 404);
    assert.equal((await get(vhostPort, 'dead.test')).status, 502);
  });
});
