// e2e: the http2http client plugin through the real CLI, driven by curl: a tcp proxy and an http vhost proxy forward to a
// local HTTP origin with Host rewritten and requestHeaders set, X-Forwarded-* dropped (as frp's Rewrite does), keep-alive,
// a 1 MiB upload intact, and 502 (logged) when localAddr is unreachable.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, type BurrowProcess } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';
import {
  curl,
  pluginProxy,
  runTool,
  seen,
  startHttpRecorder,
  startWsEcho,
  wsEcho,
  type RecordingOrigin,
} from './forward-helpers.js';

describe('http2http plugin through the real CLI', () => {
  let dir = '';
  let origin: RecordingOrigin;
  let ws: Awaited<ReturnType<typeof startWsEcho>>;
  let client: BurrowProcess;
  const ports = { tcp: 0, down: 0, vhttp: 0, ws: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    origin = await startHttpRecorder();
    ws = await startWsEcho();
    await startServer(dir, serverToml(s.bindPort, dir, [`vhostHTTPPort = ${ports.vhttp}`]));
    const plugin = (localPort: number, extra: string[] = []): string[] => [
      'type = "http2http"',
      `localAddr = "127.0.0.1:${localPort}"`,
      ...extra,
    ];
    const body = [
      ...pluginProxy(
        'h2h',
        ['type = "tcp"', `remotePort = ${ports.tcp}`],
        plugin(origin.port, ['hostHeaderRewrite = "origin.internal"', 'requestHeaders.set.x-from-plugin = "yes"']),
      ),
      ...pluginProxy('h2h-vhost', ['type = "http"', 'customDomains = ["web.test"]'], plugin(origin.port)),
      ...pluginProxy(
        'h2h-ws',
        ['type = "tcp"', `remotePort = ${ports.ws}`],
        plugin(ws.port, ['hostHeaderRewrite = "ws.internal"']),
      ),
      ...pluginProxy('h2h-down', ['type = "tcp"', `remotePort = ${ports.down}`], plugin(await freePort())),
    ];
    client = await startClient(dir, clientToml(s.bindPort, body), 4);
  });

  after(async () => {
    await killAll();
    await origin.close();
    await ws.close();
    removeDir(dir);
  });

  it('forwards with Host rewritten and requestHeaders set; the user X-Forwarded-* do not reach the origin', async () => {
    const r = await curl([
      '-H',
      'X-Forwarded-For: 203.0.113.9',
      '-H',
      'X-Forwarded-Host: spoofed.test',
      '-H',
      'Forwarded: for=203.0.113.9',
      `http://127.0.0.1:${ports.tcp}/p/q?r=s`,
    ]);
    const req = seen(r);
    assert.equal(req.url, '/p/q?r=s');
    assert.equal(req.headers.host, 'origin.internal');
    assert.equal(req.headers['x-from-plugin'], 'yes');
    for (const name of ['x-forwarded-for', 'x-forwarded-host', 'forwarded']) assert.equal(req.headers[name], undefined);
    assert.deepEqual(r.headers['x-origin'], ['http']);
  });

  it('carries a 1 MiB upload intact', async () => {
    const payload = randomBytes(1024 * 1024);
    const file = join(dir, 'upload.bin');
    writeFileSync(file, payload);
    const up = seen(await curl(['--data-binary', `@${file}`, `http://127.0.0.1:${ports.tcp}/one`]));
    assert.equal(up.method, 'POST');
    assert.equal(up.bodyBytes, payload.length);
    assert.equal(up.bodySha256, createHash('sha256').update(payload).digest('hex'));
  });

  it('serves several requests on one kept-alive user connection', async () => {
    const base = `http://127.0.0.1:${ports.tcp}`;
    const r = await runTool('curl', ['-sS', '-v', '--max-time', '30', `${base}/one`, `${base}/two`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"url":"\/one".*"url":"\/two"/s);
    assert.match(r.stderr, /Re-using existing connection/);
  });

  it('an http vhost proxy reaches the plugin; the Host the user sent is kept', async () => {
    const r = await curl(['--resolve', `web.test:${ports.vhttp}:127.0.0.1`, `http://web.test:${ports.vhttp}/v`]);
    const req = seen(r);
    assert.equal(req.headers.host, `web.test:${ports.vhttp}`);
    assert.equal(req.url, '/v');
  });

  it('relays a WebSocket upgrade (Host rewritten) and its messages both ways', async () => {
    assert.equal(await wsEcho(`ws://127.0.0.1:${ports.ws}/chat`, 'ping over ws'), 'ping over ws');
    assert.equal(ws.hosts.at(-1), 'ws.internal');
  });

  it('answers 502 when localAddr is unreachable, and logs it', async () => {
    const r = await curl([`http://127.0.0.1:${ports.down}/`]);
    assert.equal(r.status, 502);
    await client.waitFor(/http: proxy error/);
  });
});
