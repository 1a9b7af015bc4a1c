// e2e: the http2https client plugin through the real CLI, driven by curl: plain HTTP from the user forwarded as HTTPS to a
// local origin whose certificate the plugin does not verify (as frp), SNI = localAddr's host, Host rewritten, requestHeaders
// set, the user's X-Forwarded-For/-Host/-Proto passed on unchanged (as frp), and 502 when the origin is unreachable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, type BurrowProcess } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';
import { burrowCert, curl, pluginProxy, seen, startHttpsRecorder, type RecordingOrigin } from './forward-helpers.js';

describe('http2https plugin through the real CLI', () => {
  let dir = '';
  let origin: RecordingOrigin;
  let client: BurrowProcess;
  const ports = { byName: 0, byIp: 0, down: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    // Issued by a CA the plugin has never heard of: forwarding works because, as frp, it does not verify.
    const issued = await burrowCert(dir, ['localhost']);
    origin = await startHttpsRecorder(issued.cert, issued.key);
    await startServer(dir, serverToml(s.bindPort, dir));
    const plugin = (localAddr: string, extra: string[] = []): string[] => [
      'type = "http2https"',
      `localAddr = "${localAddr}"`,
      ...extra,
    ];
    const body = [
      ...pluginProxy(
        'h2s',
        ['type = "tcp"', `remotePort = ${ports.byName}`],
        plugin(`localhost:${origin.port}`, [
          'hostHeaderRewrite = "origin.internal"',
          'requestHeaders.set.x-from-plugin = "yes"',
        ]),
      ),
      ...pluginProxy('h2s-ip', ['type = "tcp"', `remotePort = ${ports.byIp}`], plugin(`127.0.0.1:${origin.port}`)),
      ...pluginProxy(
        'h2s-down',
        ['type = "tcp"', `remotePort = ${ports.down}`],
        plugin(`127.0.0.1:${await freePort()}`),
      ),
    ];
    client = await startClient(dir, clientToml(s.bindPort, body), 3);
  });

  after(async () => {
    await killAll();
    await origin.close();
    removeDir(dir);
  });

  it('forwards over TLS with Host rewritten, requestHeaders set and the user X-Forwarded-* passed on as they were', async () => {
    const r = await curl([
      '-H',
      'X-Forwarded-For: 203.0.113.9',
      '-H',
      'X-Forwarded-Proto: https',
      `http://127.0.0.1:${ports.byName}/secure?x=1`,
    ]);
    const req = seen(r);
    assert.deepEqual(r.headers['x-origin'], ['https']);
    assert.equal(req.url, '/secure?x=1');
    assert.equal(req.headers.host, 'origin.internal');
    assert.equal(req.headers['x-from-plugin'], 'yes');
    assert.equal(req.headers['x-forwarded-for'], '203.0.113.9');
    assert.equal(req.headers['x-forwarded-proto'], 'https');
    assert.equal(req.headers['x-forwarded-host'], undefined);
    // SNI is localAddr's host name, never the user's Host (Go's Transport).
    assert.equal(req.sni, 'localhost');
  });

  it('sends no SNI to an IP localAddr and keeps the user Host when there is no rewrite', async () => {
    const req = seen(await curl(['-H', 'Host: site.test', `http://127.0.0.1:${ports.byIp}/`]));
    assert.equal(req.sni, '');
    assert.equal(req.headers.host, 'site.test');
    assert.equal(req.headers['x-forwarded-for'], undefined);
  });

  it('answers 502 when localAddr is unreachable, and logs it', async () => {
    const r = await curl([`http://127.0.0.1:${ports.down}/`]);
    assert.equal(r.status, 502);
    await client.waitFor(/http: proxy error/);
  });
});
