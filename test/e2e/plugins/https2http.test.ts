// e2e: the https2http client plugin through the real CLI, driven by curl: TLS with a certificate from `burrow cert issue`
// (tcp and https vhost proxies), HTTP/2 by ALPN (and not when enableHTTP2 = false), X-Forwarded-* as frp, Host rewrite and
// requestHeaders seen by the origin, 421 for a Host that is not the SNI, a generated certificate when crtPath/keyPath are
// empty, 502 for an unreachable origin, and a missing crtPath failing only that proxy (shown by `burrow client status`).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, runCli, type BurrowProcess } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';
import {
  burrowCert,
  curl,
  pluginProxy,
  seen,
  startHttpRecorder,
  startWsEcho,
  wsEcho,
  type RecordingOrigin,
} from './forward-helpers.js';

const HOST = 'app.test';

describe('https2http plugin through the real CLI', () => {
  let dir = '';
  let origin: RecordingOrigin;
  let ws: Awaited<ReturnType<typeof startWsEcho>>;
  let client: BurrowProcess;
  let clientFile = '';
  let ca = '';
  const ports = { ws: 0, tcp: 0, h1only: 0, generated: 0, down: 0, broken: 0, vhttps: 0, admin: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const issued = await burrowCert(dir, [HOST]);
    ca = issued.ca;
    origin = await startHttpRecorder();
    ws = await startWsEcho();
    await startServer(dir, serverToml(s.bindPort, dir, [`vhostHTTPSPort = ${ports.vhttps}`]));
    const plugin = (localPort: number, extra: string[] = []): string[] => [
      'type = "https2http"',
      `localAddr = "127.0.0.1:${localPort}"`,
      ...extra,
    ];
    const files = [`crtPath = "${issued.cert}"`, `keyPath = "${issued.key}"`];
    const body = [
      ...pluginProxy(
        'h2h',
        ['type = "tcp"', `remotePort = ${ports.tcp}`],
        plugin(origin.port, [
          ...files,
          'hostHeaderRewrite = "origin.internal"',
          'requestHeaders.set.x-from-plugin = "yes"',
        ]),
      ),
      ...pluginProxy(
        'h2h-h1',
        ['type = "tcp"', `remotePort = ${ports.h1only}`],
        plugin(origin.port, [...files, 'enableHTTP2 = false']),
      ),
      ...pluginProxy('h2h-ws', ['type = "tcp"', `remotePort = ${ports.ws}`], plugin(ws.port, files)),
      ...pluginProxy('h2h-gen', ['type = "tcp"', `remotePort = ${ports.generated}`], plugin(origin.port)),
      ...pluginProxy('h2h-down', ['type = "tcp"', `remotePort = ${ports.down}`], plugin(await freePort(), files)),
      ...pluginProxy('h2h-vhost', ['type = "https"', `customDomains = ["${HOST}"]`], plugin(origin.port, files)),
      ...pluginProxy(
        'h2h-broken',
        ['type = "tcp"', `remotePort = ${ports.broken}`],
        plugin(origin.port, [`crtPath = "${join(dir, 'missing.crt')}"`, `keyPath = "${issued.key}"`]),
      ),
    ];
    const admin = [`webServer.addr = "127.0.0.1"`, `webServer.port = ${ports.admin}`];
    client = await startClient(dir, clientToml(s.bindPort, body, admin), 6);
    clientFile = join(dir, 'frpc.toml');
  });

  after(async () => {
    await killAll();
    await origin.close();
    await ws.close();
    removeDir(dir);
  });

  const url = (port: number, path = '/'): string[] => [
    '--cacert',
    ca,
    '--resolve',
    `${HOST}:${port}:127.0.0.1`,
    `https://${HOST}:${port}${path}`,
  ];

  it('serves the issued certificate over HTTP/2; the origin sees the rewritten Host, requestHeaders and X-Forwarded-*', async () => {
    const r = await curl(['--http2', '-H', 'X-Forwarded-For: 203.0.113.9', ...url(ports.tcp, '/a/b?c=d')]);
    assert.equal(r.httpVersion, '2');
    const req = seen(r);
    assert.equal(req.url, '/a/b?c=d');
    assert.equal(req.headers.host, 'origin.internal');
    assert.equal(req.headers['x-from-plugin'], 'yes');
    // SetXForwarded as frp: the user's X-Forwarded-For, then the user's address; the Host the user sent; https.
    assert.equal(req.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(req.headers['x-forwarded-host'], `${HOST}:${ports.tcp}`);
    assert.equal(req.headers['x-forwarded-proto'], 'https');
    assert.deepEqual(r.headers['x-origin'], ['http']);
  });

  it('carries a 2 MiB upload intact over HTTP/1.1 and HTTP/2', async () => {
    const payload = randomBytes(2 * 1024 * 1024);
    const file = join(dir, 'upload.bin');
    writeFileSync(file, payload);
    for (const version of ['--http1.1', '--http2']) {
      const req = seen(await curl([version, '--data-binary', `@${file}`, ...url(ports.tcp, '/up')]));
      assert.equal(req.method, 'POST');
      assert.equal(req.bodyBytes, payload.length);
      assert.equal(req.bodySha256, createHash('sha256').update(payload).digest('hex'));
    }
  });

  it('enableHTTP2 = false offers HTTP/1.1 only', async () => {
    const r = await curl(['--http2', ...url(ports.h1only)]);
    assert.equal(r.httpVersion, '1.1');
    assert.equal(seen(r).headers.host, `${HOST}:${ports.h1only}`);
  });

  it('answers 421 when the Host is not the name the TLS handshake asked for, as frp', async () => {
    const r = await curl(['-H', 'Host: other.test', ...url(ports.tcp)]);
    assert.equal(r.status, 421);
  });

  it('routes an https vhost proxy by SNI to the plugin, which terminates the TLS', async () => {
    const req = seen(await curl(url(ports.vhttps, '/vhost')));
    assert.equal(req.url, '/vhost');
    assert.equal(req.headers['x-forwarded-proto'], 'https');
  });

  it('serves a generated self-signed certificate when crtPath and keyPath are empty', async () => {
    const refused = await curl(url(ports.generated));
    assert.equal(refused.status, 0, 'curl must refuse the generated certificate without -k');
    const r = await curl(['-k', ...url(ports.generated)]);
    assert.equal(seen(r).headers.host, `${HOST}:${ports.generated}`);
  });

  it('relays a WebSocket upgrade over the TLS it terminates (wss)', async () => {
    const { readFileSync } = await import('node:fs');
    const echoed = await wsEcho(`wss://127.0.0.1:${ports.ws}/live`, 'ping over wss', {
      ca: readFileSync(ca),
      servername: HOST,
      headers: { host: `${HOST}:${ports.ws}` },
    });
    assert.equal(echoed, 'ping over wss');
    assert.equal(ws.hosts.at(-1), `${HOST}:${ports.ws}`);
  });

  it('answers 502 when localAddr is unreachable, and logs it', async () => {
    const r = await curl(url(ports.down));
    assert.equal(r.status, 502);
    await client.waitFor(/http: proxy error/);
  });

  it('a missing crtPath fails only that proxy: logged, and shown by `burrow client status`', async () => {
    await client.waitFor(/proxy plugin failed to start/);
    const status = await runCli(['client', 'status', '-c', clientFile]);
    assert.equal(status.code, 0, status.output);
    assert.match(
      status.output,
      /^h2h-broken\s+tcp\s+start error\s+.*cannot read crtPath \S*missing\.crt: file not found/m,
    );
    assert.match(status.output, /^h2h\s+tcp\s+running/m);
  });
});
