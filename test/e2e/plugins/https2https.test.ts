// e2e: the https2https client plugin through the real CLI, driven by curl: TLS terminated with a certificate from
// `burrow cert issue`, HTTP/2 by ALPN, requests forwarded as HTTPS to an unverified local origin with X-Forwarded-* as frp,
// Host rewritten and requestHeaders set, and a key that does not match its certificate failing only that proxy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, runCli, type BurrowProcess } from '../harness.js';
import { makeCert } from '../proxy-helpers.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';
import { burrowCert, curl, pluginProxy, seen, startHttpsRecorder, type RecordingOrigin } from './forward-helpers.js';

const HOST = 'secure.test';

describe('https2https plugin through the real CLI', () => {
  let dir = '';
  let origin: RecordingOrigin;
  let client: BurrowProcess;
  let ca = '';
  const ports = { tcp: 0, down: 0, broken: 0, admin: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const issued = await burrowCert(dir, [HOST]);
    ca = issued.ca;
    const other = await makeCert(dir, 'other.test');
    origin = await startHttpsRecorder(other.cert, other.key);
    await startServer(dir, serverToml(s.bindPort, dir));
    const plugin = (localPort: number, crt: string, key: string, extra: string[] = []): string[] => [
      'type = "https2https"',
      `localAddr = "127.0.0.1:${localPort}"`,
      `crtPath = "${crt}"`,
      `keyPath = "${key}"`,
      ...extra,
    ];
    const body = [
      ...pluginProxy(
        's2s',
        ['type = "tcp"', `remotePort = ${ports.tcp}`],
        plugin(origin.port, issued.cert, issued.key, [
          'hostHeaderRewrite = "origin.internal"',
          'requestHeaders.set.x-from-plugin = "yes"',
        ]),
      ),
      ...pluginProxy(
        's2s-down',
        ['type = "tcp"', `remotePort = ${ports.down}`],
        plugin(await freePort(), issued.cert, issued.key),
      ),
      // The certificate of one pair with the key of another.
      ...pluginProxy(
        's2s-broken',
        ['type = "tcp"', `remotePort = ${ports.broken}`],
        plugin(origin.port, issued.cert, other.key),
      ),
    ];
    const admin = [`webServer.addr = "127.0.0.1"`, `webServer.port = ${ports.admin}`];
    client = await startClient(dir, clientToml(s.bindPort, body, admin), 2);
  });

  after(async () => {
    await killAll();
    await origin.close();
    removeDir(dir);
  });

  const url = (port: number, path = '/'): string[] => [
    '--cacert',
    ca,
    '--resolve',
    `${HOST}:${port}:127.0.0.1`,
    `https://${HOST}:${port}${path}`,
  ];

  it('terminates HTTP/2 with the issued certificate and forwards over HTTPS with X-Forwarded-* as frp', async () => {
    const r = await curl(['--http2', '-H', 'X-Forwarded-For: 198.51.100.7', ...url(ports.tcp, '/deep/path')]);
    assert.equal(r.httpVersion, '2');
    assert.deepEqual(r.headers['x-origin'], ['https']);
    const req = seen(r);
    assert.equal(req.url, '/deep/path');
    assert.equal(req.headers.host, 'origin.internal');
    assert.equal(req.headers['x-from-plugin'], 'yes');
    assert.equal(req.headers['x-forwarded-for'], '198.51.100.7, 127.0.0.1');
    assert.equal(req.headers['x-forwarded-host'], `${HOST}:${ports.tcp}`);
    assert.equal(req.headers['x-forwarded-proto'], 'https');
  });

  it('serves HTTP/1.1 too', async () => {
    const r = await curl(['--http1.1', ...url(ports.tcp)]);
    assert.equal(r.httpVersion, '1.1');
    assert.equal(seen(r).headers['x-forwarded-proto'], 'https');
  });

  it('answers 502 when localAddr is unreachable, and logs it', async () => {
    const r = await curl(url(ports.down));
    assert.equal(r.status, 502);
    await client.waitFor(/http: proxy error/);
  });

  it('a key that does not match its certificate fails only that proxy, naming both files', async () => {
    await client.waitFor(/proxy plugin failed to start/);
    const status = await runCli(['client', 'status', '-c', join(dir, 'frpc.toml')]);
    assert.equal(status.code, 0, status.output);
    assert.match(
      status.output,
      /^s2s-broken\s+tcp\s+start error\s+.*other\.test\.key does not match the certificate in \S*site\.crt/m,
    );
    assert.match(status.output, /^s2s\s+tcp\s+running/m);
  });
});
