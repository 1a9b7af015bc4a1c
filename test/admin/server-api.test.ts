// The server admin API: every endpoint with and without credentials, frp's shapes, /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminServer, type AdminServer } from '../../src/admin/index.js';
import { BurrowMetrics } from '../../src/observe/index.js';
import { fakeServerView, request } from './fakes.js';

const AUTH = 'admin:s3cret pass';

/** Every GET endpoint of a server with Prometheus on, and what a good answer has. */
const ENDPOINTS: { path: string; check: (body: string) => void }[] = [
  {
    path: '/api/serverinfo',
    check: (body) => {
      const info = JSON.parse(body);
      assert.equal(info.version, '0.1.0');
      assert.equal(info.bindPort, 7000);
      assert.equal(info.vhostHTTPPort, 8080);
      assert.equal(info.vhostHTTPSPort, 0);
      assert.equal(info.subdomainHost, 'example.com');
      assert.equal(info.clientCounts, 1);
      assert.equal(info.curConns, 3);
      assert.equal(info.totalTrafficOut, 42 * 1024 * 1024 * 1024);
      assert.deepEqual(info.proxyTypeCount, { tcp: 1 });
      assert.equal(info.tcpmuxHTTPConnectPort, 0);
      assert.equal(info.tcpMux, true);
      assert.ok(!('tlsForce' in info), 'frp omits tlsForce when false');
    },
  },
  {
    path: '/api/proxy/tcp',
    check: (body) => {
      const { proxies } = JSON.parse(body);
      assert.equal(proxies.length, 1);
      const p = proxies[0];
      assert.equal(p.name, 'web');
      assert.equal(p.status, 'online');
      assert.equal(p.curConns, 3);
      assert.equal(p.todayTrafficIn, 123_456);
      assert.equal(p.todayTrafficOut, 9_876_543);
      assert.equal(p.clientID, 'run-alice-1');
      assert.equal(p.conf.remote_port, 6000);
      assert.ok(!('sk' in p.conf), 'the secret key is not served');
    },
  },
  { path: '/api/proxy/udp', check: (body) => assert.deepEqual(JSON.parse(body), { proxies: [] }) },
  {
    path: '/api/proxy/http/blog',
    check: (body) => {
      const p = JSON.parse(body);
      assert.equal(p.name, 'blog');
      assert.equal(p.status, 'offline');
      assert.equal(p.user, 'bob');
      assert.deepEqual(p.conf.custom_domains, ['blog.example.com']);
      assert.ok(!('http_pwd' in p.conf), 'the HTTP password is not served');
    },
  },
  {
    path: '/api/proxies',
    check: (body) =>
      assert.deepEqual(
        JSON.parse(body).proxies.map((p: { name: string }) => p.name),
        ['blog', 'web'],
      ),
  },
  { path: '/api/proxies/web', check: (body) => assert.equal(JSON.parse(body).type, 'tcp') },
  {
    path: '/api/traffic/web',
    check: (body) => {
      const t = JSON.parse(body);
      assert.equal(t.name, 'web');
      assert.equal(t.trafficIn.length, 7);
      assert.equal(t.trafficOut[0], 900);
    },
  },
  {
    path: '/api/clients',
    check: (body) => {
      const [c] = JSON.parse(body);
      assert.equal(c.runID, 'run-alice-1');
      assert.equal(c.clientID, 'run-alice-1');
      assert.equal(c.key, 'run-alice-1');
      assert.equal(c.hostname, 'alice-laptop');
      assert.equal(c.clientIP, '127.0.0.1');
      assert.equal(c.wireProtocol, 'v2');
      assert.equal(c.online, true);
      assert.equal(c.tls.version, 'TLSv1.3');
      assert.equal(c.tls.identity.cn, 'alice');
      assert.equal(c.controlCipher, 'aes-128-cfb');
      assert.equal(typeof c.firstConnectedAt, 'number');
      assert.ok(c.firstConnectedAt > 1_600_000_000);
    },
  },
  {
    path: '/api/certificates',
    check: (body) => {
      const certs = JSON.parse(body);
      assert.deepEqual(
        certs.map((c: { role: string }) => c.role),
        ['server', 'client CA'],
      );
      assert.equal(certs[1].daysLeft, 20);
    },
  },
  { path: '/metrics', check: (body) => assert.match(body, /^# HELP burrow_clients /m) },
  { path: '/', check: (body) => assert.match(body, /<title>burrow · server dashboard<\/title>/) },
  { path: '/static/server.js', check: (body) => assert.match(body, /\/api\/serverinfo/) },
  { path: '/static/dashboard.css', check: (body) => assert.match(body, /--accent/) },
];

describe('server admin API with credentials', () => {
  let admin: AdminServer;
  const metrics = new BurrowMetrics();

  before(async () => {
    metrics.clientConnected('alice');
    admin = await startAdminServer({
      port: 0,
      user: 'admin',
      password: 's3cret pass',
      view: fakeServerView(),
      metrics,
      enablePrometheus: true,
      // These tests send many wrong credentials on purpose; the back-off has its own tests (auth-limit).
      authLimits: { maxFailures: 1000 },
    });
  });
  after(() => admin.close());

  it('binds to loopback by default', () => {
    assert.equal(admin.address.address, '127.0.0.1');
    assert.equal(admin.url, `http://127.0.0.1:${admin.address.port}`);
  });

  for (const { path, check } of ENDPOINTS) {
    it(`GET ${path} answers 200 with credentials`, async () => {
      const res = await request(admin.url + path, { auth: AUTH });
      assert.equal(res.status, 200, res.body);
      check(res.body);
    });

    it(`GET ${path} answers 401 without credentials`, async () => {
      const res = await request(admin.url + path);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="burrow"');
      assert.deepEqual(JSON.parse(res.body), { error: 'authentication required' });
    });
  }

  it('refuses a wrong password and a wrong user, and a malformed header', async () => {
    for (const auth of ['admin:wrong', 'root:s3cret pass', 'admin', ':']) {
      assert.equal((await request(admin.url + '/api/serverinfo', { auth })).status, 401, auth);
    }
    const bearer = await request(admin.url + '/api/serverinfo', { headers: { Authorization: 'Bearer abc' } });
    assert.equal(bearer.status, 401);
  });

  it('delays a refusal, to slow password guessing', async () => {
    const started = Date.now();
    await request(admin.url + '/api/serverinfo', { auth: 'admin:nope' });
    assert.ok(Date.now() - started >= 150, 'the 401 came back too fast');
  });

  it('answers /healthz without credentials', async () => {
    assert.equal((await request(admin.url + '/healthz')).status, 200);
  });

  it('serves JSON with the right type and no caching', async () => {
    const res = await request(admin.url + '/api/serverinfo', { auth: AUTH });
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('serves the Prometheus content type on /metrics', async () => {
    const res = await request(admin.url + '/metrics', { auth: AUTH });
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^burrow_clients\{identity="alice"\} 1$/m);
  });

  it('answers 404 JSON for an unknown proxy, traffic name and path', async () => {
    for (const path of ['/api/proxy/tcp/nope', '/api/proxy/http/web', '/api/proxies/nope', '/api/traffic/nope']) {
      const res = await request(admin.url + path, { auth: AUTH });
      assert.equal(res.status, 404, path);
      assert.deepEqual(JSON.parse(res.body), { error: 'no proxy info found' });
    }
    const res = await request(admin.url + '/api/nothing', { auth: AUTH });
    assert.equal(res.status, 404);
    assert.deepEqual(JSON.parse(res.body), { error: 'no such path: /api/nothing' });
  });

  it('decodes percent-encoded names and refuses broken encoding', async () => {
    const ok = await request(admin.url + '/api/proxy/%74cp/w%65b', { auth: AUTH });
    assert.equal(ok.status, 200);
    const bad = await request(admin.url + '/api/traffic/%E0%A4%A', { auth: AUTH });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /percent-encoding/);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const res = await request(admin.url + '/api/serverinfo', { method: 'POST', auth: AUTH, body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.match(JSON.parse(res.body).error, /method POST is not allowed/);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await request(admin.url + '/api/serverinfo', { method: 'HEAD', auth: AUTH });
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
  });

  it('refuses a non-loopback Host header (DNS rebinding)', async () => {
    const res = await request(admin.url + '/api/serverinfo', {
      auth: AUTH,
      headers: { Host: `evil.example:${admin.address.port}` },
    });
    assert.equal(res.status, 403);
    assert.match(JSON.parse(res.body).error, /not a loopback name/);
    const local = await request(admin.url + '/api/serverinfo', {
      auth: AUTH,
      headers: { Host: `localhost:${admin.address.port}` },
    });
    assert.equal(local.status, 200);
  });

  it('serves the dashboard under a strict CSP', async () => {
    const res = await request(admin.url + '/', { auth: AUTH });
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(res.body, /<script>/, 'no inline script');
  });
});

describe('server admin API without credentials configured', () => {
  let admin: AdminServer;

  before(async () => {
    admin = await startAdminServer({
      port: 0,
      view: fakeServerView(),
      metrics: new BurrowMetrics(),
      enablePrometheus: false,
    });
  });
  after(() => admin.close());

  it('answers every API endpoint without credentials', async () => {
    for (const { path, check } of ENDPOINTS.filter((e) => e.path !== '/metrics')) {
      const res = await request(admin.url + path);
      assert.equal(res.status, 200, path);
      check(res.body);
    }
  });

  it('has no /metrics when enablePrometheus is false', async () => {
    assert.equal((await request(admin.url + '/metrics')).status, 404);
  });
});

describe('server admin API failures', () => {
  it('answers 500 JSON when the view throws', async () => {
    const view = fakeServerView();
    view.clients = () => {
      throw new Error('registry broke');
    };
    const admin = await startAdminServer({ port: 0, view });
    try {
      const res = await request(admin.url + '/api/clients');
      assert.equal(res.status, 500);
      assert.deepEqual(JSON.parse(res.body), { error: 'registry broke' });
    } finally {
      await admin.close();
    }
  });

  it('rejects with ERR_NETWORK when the port is taken', async () => {
    const first = await startAdminServer({ port: 0, view: fakeServerView() });
    try {
      await assert.rejects(
        startAdminServer({ port: first.address.port, view: fakeServerView() }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_NETWORK');
          assert.match(err.message, /admin API cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
          return true;
        },
      );
    } finally {
      await first.close();
    }
  });

  it('rejects with ERR_TLS naming the key when a PEM file is missing', async () => {
    await assert.rejects(
      startAdminServer({
        port: 0,
        view: fakeServerView(),
        tls: { certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' },
      }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_TLS');
        assert.match(err.message, /webServer\.tls\.certFile: cannot read \/nonexistent\/cert\.pem/);
        return true;
      },
    );
  });
});
