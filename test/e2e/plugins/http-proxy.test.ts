// e2e: the http_proxy client plugin through the real CLI, driven by curl: plain absolute-URI requests and CONNECT
// tunnels to a local origin, hop-by-hop headers dropped, Basic auth (407 when missing or wrong), 502 when the target is down.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, startEchoServer } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startHttpOrigin, startServer } from '../proxy-helpers.js';
import { curl } from './curl.js';

const USER = 'alice';
const PASSWORD = 'proxy-secret';
/** How long the raw CONNECT case waits for the echo. */
const RAW_TIMEOUT_MS = 10_000;

/** What the origin saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends `bytes` to 127.0.0.1:port in one write and collects the answer until `done` says it is complete. */
function rawExchange(port: number, bytes: string, done: (got: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    const timer = setTimeout(
      () => socket.destroy(new Error(`no full answer within ${RAW_TIMEOUT_MS} ms: ${got}`)),
      RAW_TIMEOUT_MS,
    );
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (done(got)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('http_proxy plugin through the real CLI', () => {
  let dir = '';
  let origin: Awaited<ReturnType<typeof startHttpOrigin>>;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const ports = { open: 0, auth: 0, dead: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    origin = await startHttpOrigin((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen: Seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Origin': 'yes', 'Keep-Alive': 'timeout=5' });
        res.end(JSON.stringify(seen));
      });
    });
    echo = await startEchoServer();
    await startServer(dir, serverToml(s.bindPort, dir));
    const proxy = (name: string, port: number, extra: string[] = []): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `remotePort = ${port}`,
      '[proxies.plugin]',
      'type = "http_proxy"',
      ...extra,
      '',
    ];
    await startClient(
      dir,
      clientToml(s.bindPort, [
        ...proxy('hp-open', ports.open),
        ...proxy('hp-auth', ports.auth, [`httpUser = "${USER}"`, `httpPassword = "${PASSWORD}"`]),
      ]),
      2,
    );
  });

  after(async () => {
    await killAll();
    await origin.close();
    await echo.close();
    removeDir(dir);
  });

  it('forwards an absolute-URI GET and POST to the origin, hop-by-hop headers dropped, the answer intact', async () => {
    const target = `http://127.0.0.1:${origin.port}/path/x?q=1`;
    const get = await curl([
      '-x',
      `http://127.0.0.1:${ports.open}`,
      '-H',
      'Proxy-Connection: keep-alive',
      '-H',
      'Connection: keep-alive, X-Hop',
      '-H',
      'X-Hop: drop-me',
      '-H',
      'X-End: keep-me',
      target,
    ]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.status, 200);
    assert.equal(get.headers['x-origin'], 'yes');
    assert.equal(get.headers['keep-alive'], undefined, 'a hop-by-hop answer header is not passed back');
    const seen = JSON.parse(get.body) as Seen;
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/path/x?q=1', 'the origin gets the path, not the absolute URI');
    assert.equal(seen.headers.host, `127.0.0.1:${origin.port}`);
    assert.equal(seen.headers['x-end'], 'keep-me');
    for (const hop of ['proxy-connection', 'x-hop', 'proxy-authorization']) {
      assert.equal(seen.headers[hop], undefined, `${hop} must not reach the origin`);
    }
    const post = await curl(['-x', `http://127.0.0.1:${ports.open}`, '--data-binary', 'a body', target]);
    assert.equal(post.status, 200);
    const posted = JSON.parse(post.body) as Seen;
    assert.deepEqual([posted.method, posted.body], ['POST', 'a body']);
  });

  it('tunnels CONNECT (curl -p) to the origin, and keeps bytes sent right after the CONNECT head', async () => {
    const r = await curl([
      '-v',
      '-p',
      '-x',
      `http://127.0.0.1:${ports.open}`,
      `http://127.0.0.1:${origin.port}/tunnel`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.connectStatus, 200);
    assert.match(r.stderr, new RegExp(`CONNECT 127\\.0\\.0\\.1:${origin.port} HTTP/1\\.1`));
    assert.match(r.stderr, /HTTP\/1\.1 200 Connection established/);
    assert.equal((JSON.parse(r.body) as Seen).url, '/tunnel', 'inside the tunnel the origin gets a plain request');
    const head = `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\n`;
    const got = await rawExchange(ports.open, `${head}early bytes`, (text) => text.endsWith('early bytes'));
    assert.equal(got, 'HTTP/1.1 200 Connection established\r\n\r\nearly bytes');
  });

  it('with httpUser/httpPassword: the right --proxy-user passes, none or a wrong one gets 407 with the Basic challenge', async () => {
    const proxyUrl = `http://127.0.0.1:${ports.auth}`;
    const target = `http://127.0.0.1:${origin.port}/secret`;
    const ok = await curl(['-x', proxyUrl, '--proxy-user', `${USER}:${PASSWORD}`, target]);
    assert.equal(ok.status, 200, ok.stderr);
    assert.equal(
      (JSON.parse(ok.body) as Seen).headers['proxy-authorization'],
      undefined,
      'credentials stay at the proxy',
    );
    const okTunnel = await curl(['-p', '-x', proxyUrl, '--proxy-user', `${USER}:${PASSWORD}`, target]);
    assert.equal(okTunnel.status, 200, okTunnel.stderr);
    for (const creds of [[], ['--proxy-user', `${USER}:wrong`], ['--proxy-user', `mallory:${PASSWORD}`]]) {
      const plain = await curl(['-x', proxyUrl, ...creds, target]);
      assert.equal(plain.status, 407, `plain ${creds.join(' ')}`);
      assert.equal(plain.headers['proxy-authenticate'], 'Basic');
      const tunnel = await curl(['-p', '-x', proxyUrl, ...creds, target]);
      assert.notEqual(tunnel.code, 0, 'curl reports the refused CONNECT');
      assert.equal(tunnel.connectStatus, 407, `CONNECT ${creds.join(' ')}: ${tunnel.stderr}`);
    }
  });

  it('answers 502 when the target cannot be reached, plain and CONNECT', async () => {
    const target = `http://127.0.0.1:${ports.dead}/`;
    const plain = await curl(['-x', `http://127.0.0.1:${ports.open}`, target]);
    assert.equal(plain.status, 502);
    assert.match(plain.body, /ECONNREFUSED/);
    const tunnel = await curl(['-p', '-x', `http://127.0.0.1:${ports.open}`, target]);
    assert.equal(tunnel.connectStatus, 502);
    // The plugin still serves after the failures.
    const again = await curl(['-x', `http://127.0.0.1:${ports.open}`, `http://127.0.0.1:${origin.port}/again`]);
    assert.equal(again.status, 200);
  });
});
