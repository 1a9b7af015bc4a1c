// Pieces of the admin layer: Basic auth, loopback checks, routing, JSON shapes, dashboard scripts.
import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { describe, it } from 'node:test';
import { checkBasicAuth, fetchSiteAllowed, hostOf, isLoopback } from '../../src/admin/auth.js';
import { dashboardScript } from '../../src/admin/dashboard/index.js';
import { matchRoute, type Route } from '../../src/admin/router.js';
import { clientJson, ipOf, statusJson } from '../../src/admin/shapes.js';
import { redactConf } from '../../src/observe/index.js';

const basic = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

describe('checkBasicAuth', () => {
  const creds = { user: 'admin', password: 'p:ss wörd' };

  it('accepts the configured pair, with a colon and non-ASCII in the password', () => {
    assert.equal(checkBasicAuth(basic('admin:p:ss wörd'), creds), true);
  });

  it('refuses anything else', () => {
    for (const h of [
      undefined,
      '',
      'Basic',
      basic('admin:p:ss'),
      basic('Admin:p:ss wörd'),
      basic('adminp:ss wörd'),
      'Digest x',
      'Basic !!!',
    ]) {
      assert.equal(checkBasicAuth(h, creds), false, String(h));
    }
  });

  it('lets everything through when no credentials are configured', () => {
    assert.equal(checkBasicAuth(undefined, { user: '', password: '' }), true);
  });

  it('requires auth when only a password is set', () => {
    assert.equal(checkBasicAuth(undefined, { user: '', password: 'x' }), false);
    assert.equal(checkBasicAuth(basic(':x'), { user: '', password: 'x' }), true);
  });
});

describe('loopback and fetch-site guards', () => {
  it('knows loopback names and addresses', () => {
    for (const h of [
      '127.0.0.1',
      '127.8.9.10',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      'app.localhost',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isLoopback(h), true, h);
    }
    for (const h of ['0.0.0.0', '10.0.0.1', 'example.com', '::', 'localhost.example.com', '']) {
      assert.equal(isLoopback(h), false, h);
    }
  });

  it('takes the host out of a Host header', () => {
    assert.equal(hostOf('127.0.0.1:7500'), '127.0.0.1');
    assert.equal(hostOf('[::1]:7500'), '::1');
    assert.equal(hostOf('localhost'), 'localhost');
    assert.equal(hostOf(undefined), '');
  });

  it('allows same-origin, user-initiated and non-browser requests only', () => {
    assert.equal(fetchSiteAllowed({}), true);
    assert.equal(fetchSiteAllowed({ 'sec-fetch-site': 'same-origin' }), true);
    assert.equal(fetchSiteAllowed({ 'sec-fetch-site': 'none' }), true);
    assert.equal(fetchSiteAllowed({ 'sec-fetch-site': 'cross-site' }), false);
    assert.equal(fetchSiteAllowed({ 'sec-fetch-site': 'same-site' }), false);
  });
});

describe('matchRoute', () => {
  const h = () => ({ status: 200 });
  const routes: Route[] = [
    { method: 'GET', pattern: '/', handler: h },
    { method: 'GET', pattern: '/api/proxy/:type', handler: h },
    { method: 'GET', pattern: '/api/proxy/:type/:name', handler: h },
    { method: 'PUT', pattern: '/api/config', handler: h },
  ];

  it('matches params, HEAD as GET, and tells 404 from 405', () => {
    const m = matchRoute(routes, 'GET', '/api/proxy/tcp/a%2Fb');
    assert.equal(m.kind, 'found');
    assert.deepEqual(m.kind === 'found' && m.params, { type: 'tcp', name: 'a/b' });
    assert.equal(matchRoute(routes, 'HEAD', '/').kind, 'found');
    assert.equal(matchRoute(routes, 'GET', '/nope').kind, 'none');
    assert.equal(matchRoute(routes, 'GET', '/api/proxy/tcp/x/y').kind, 'none');
    assert.deepEqual(matchRoute(routes, 'GET', '/api/config'), { kind: 'method', allow: ['PUT'] });
  });
});

describe('JSON shapes', () => {
  it('removes secrets from a proxy conf and keeps the rest', () => {
    assert.deepEqual(redactConf({ proxy_name: 'a', sk: 'x', http_pwd: 'y', http_user: 'u', remote_port: 1 }), {
      proxy_name: 'a',
      http_user: 'u',
      remote_port: 1,
    });
  });

  it('takes the IP out of an address', () => {
    assert.equal(ipOf('10.1.2.3:4000'), '10.1.2.3');
    assert.equal(ipOf('[2001:db8::1]:4000'), '2001:db8::1');
    assert.equal(ipOf('2001:db8::1'), '2001:db8::1');
    assert.equal(ipOf(''), '');
  });

  it("builds frp's client key from user and client id", () => {
    const base = {
      runId: 'r1',
      user: 'u',
      hostname: 'h',
      os: 'linux',
      arch: 'amd64',
      version: 'v',
      remoteAddress: '1.2.3.4:5',
      wire: 'v1' as const,
      controlCipher: 'none',
      connectedSince: '2025-01-02T03:04:05.000Z',
    };
    assert.equal(clientJson(base).key, 'u.r1');
    assert.equal(clientJson({ ...base, clientId: 'laptop' }).key, 'u.laptop');
    assert.equal(clientJson({ ...base, user: '' }).key, 'r1');
    assert.equal(clientJson(base).firstConnectedAt, Date.UTC(2025, 0, 2, 3, 4, 5) / 1000);
    assert.equal(clientJson(base).tls, null);
  });

  it('groups client statuses by type', () => {
    assert.deepEqual(statusJson([]), {});
    const out = statusJson([
      { name: 'b', type: 'udp', status: 'running', err: '', localAddr: 'x', plugin: '', remoteAddr: 'y' },
      { name: 'a', type: 'udp', status: 'running', err: '', localAddr: 'x', plugin: '', remoteAddr: 'y' },
    ]);
    assert.deepEqual(
      out.udp?.map((p) => (p as { name: string }).name),
      ['a', 'b'],
    );
  });
});

describe('dashboard scripts', () => {
  it('parse as JavaScript (both roles)', () => {
    for (const role of ['server', 'client'] as const) {
      assert.doesNotThrow(() => new Script(dashboardScript(role), { filename: `${role}.js` }), role);
    }
  });

  it('never write HTML from data (names come from clients)', () => {
    for (const role of ['server', 'client'] as const)
      assert.doesNotMatch(dashboardScript(role), /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
