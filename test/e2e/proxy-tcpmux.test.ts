// e2e: tcpmux proxies on the HTTP CONNECT multiplexer through the real CLI and curl -p: routing by host, Proxy-Authorization
// (407), routeByHTTPUser, passthrough, early data after the head, a CONNECT with a body (400), 1 MiB each way intact.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, randomPayload, removeDir, sha256, startEchoServer } from './harness.js';
import { clientToml, serverToml, setup, startClient, startHttpOrigin, startServer } from './proxy-helpers.js';
import { basicAuth, curlConnect, rawConnect, splitResponse, tcpmuxProxy } from './tcpmux-helpers.js';

/** The body of GET /big and of the upload through the echo service. */
const BIG_SIZE = 1024 * 1024;

describe('tcpmux proxies through the real CLI', () => {
  const big = randomPayload(BIG_SIZE);
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let muxPort = 0;
  let passPort = 0;
  let adminPort = 0;
  /** The CONNECT targets the passthrough service (an HTTP proxy of its own) was asked for. */
  const passTargets: string[] = [];

  before(async () => {
    const origin = (name: string) =>
      startHttpOrigin((req, res) => {
        if (req.url === '/big') res.end(big);
        else res.end(`origin ${name} ${req.url ?? ''}`);
      });
    const [a, b, echo] = [await origin('A'), await origin('B'), await startEchoServer()];
    closers.push(a.close, b.close, echo.close);

    // The service behind the passthrough proxy answers the CONNECT itself, then tunnels to origin A.
    const connectService = http.createServer();
    connectService.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      passTargets.push(req.url ?? '');
      const upstream = net.connect({ host: '127.0.0.1', port: a.port }, () => {
        socket.write('HTTP/1.1 200 Tunnel from the local service\r\n\r\n');
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => connectService.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => connectService.close(() => resolve())));
    const connectPort = (connectService.address() as net.AddressInfo).port;

    const one = await setup();
    dirs.push(one.dir);
    [muxPort, adminPort] = [await freePort(), await freePort()];
    await startServer(
      one.dir,
      serverToml(one.bindPort, one.dir, [
        `tcpmuxHTTPConnectPort = ${muxPort}`,
        'subDomainHost = "tunnel.test"',
        'webServer.addr = "127.0.0.1"',
        `webServer.port = ${adminPort}`,
      ]),
    );
    await startClient(
      one.dir,
      clientToml(one.bindPort, [
        ...tcpmuxProxy('a', a.port, ['customDomains = ["svc-a.example.com"]']),
        ...tcpmuxProxy('b', b.port, ['customDomains = ["SVC-B.Example.com"]', 'subdomain = "bee"']),
        ...tcpmuxProxy('secure', a.port, [
          'customDomains = ["secure.example.com"]',
          'httpUser = "alice"',
          'httpPassword = "a-pw"',
        ]),
        ...tcpmuxProxy('for-alice', a.port, [
          'customDomains = ["shared.example.com"]',
          'routeByHTTPUser = "alice"',
          'httpUser = "alice"',
          'httpPassword = "a-pw"',
        ]),
        ...tcpmuxProxy('for-bob', b.port, [
          'customDomains = ["shared.example.com"]',
          'routeByHTTPUser = "bob"',
          'httpUser = "bob"',
          'httpPassword = "b-pw"',
        ]),
        ...tcpmuxProxy('echo', echo.port, ['customDomains = ["echo.example.com"]', 'transport.useEncryption = true']),
      ]),
      6,
    );

    const two = await setup();
    dirs.push(two.dir);
    passPort = await freePort();
    await startServer(
      two.dir,
      serverToml(two.bindPort, two.dir, [`tcpmuxHTTPConnectPort = ${passPort}`, 'tcpmuxPassthrough = true']),
    );
    await startClient(
      two.dir,
      clientToml(two.bindPort, [
        ...tcpmuxProxy('pass', connectPort, ['customDomains = ["pass.example.com"]']),
        ...tcpmuxProxy('pass-echo', echo.port, ['customDomains = ["pass-echo.example.com"]']),
      ]),
      2,
    );
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('routes each CONNECT by its host: two domains, a subdomain, any case; an unknown host gets 404', async () => {
    assert.deepEqual(await curlConnect(muxPort, 'http://svc-a.example.com/x'), {
      connectStatus: 200,
      body: Buffer.from('origin A /x'),
    });
    assert.deepEqual(await curlConnect(muxPort, 'http://svc-b.example.com/y'), {
      connectStatus: 200,
      body: Buffer.from('origin B /y'),
    });
    assert.equal((await curlConnect(muxPort, 'http://BEE.tunnel.test/z')).body.toString(), 'origin B /z');
    const unknown = await curlConnect(muxPort, 'http://nobody.example.com/');
    assert.equal(unknown.connectStatus, 404);
    const raw = splitResponse(await rawConnect(muxPort, 'CONNECT nobody.example.com:80 HTTP/1.1\r\n\r\n'));
    assert.match(raw.status, /^HTTP\/1\.1 404 /);
  });

  it('the admin API shows the port and the tcpmux proxies with their remote addresses', async () => {
    const info = (await (await fetch(`http://127.0.0.1:${adminPort}/api/serverinfo`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(info.tcpmuxHTTPConnectPort, muxPort);
    const listed = (await (await fetch(`http://127.0.0.1:${adminPort}/api/proxy/tcpmux`)).json()) as {
      proxies: { name: string; status: string; remoteAddr?: string }[];
    };
    const byName = new Map(listed.proxies.map((p) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['a', 'b', 'echo', 'for-alice', 'for-bob', 'secure']);
    assert.equal(byName.get('b')?.status, 'online');
    assert.equal(byName.get('b')?.remoteAddr, `svc-b.example.com:${muxPort},bee.tunnel.test:${muxPort}`);
  });

  it('checks httpUser / httpPassword: none or wrong gets 407 with a Basic challenge, and no 200 before it', async () => {
    assert.equal((await curlConnect(muxPort, 'http://secure.example.com/')).connectStatus, 407);
    assert.equal(
      (await curlConnect(muxPort, 'http://secure.example.com/', ['--proxy-user', 'alice:wrong'])).connectStatus,
      407,
    );
    assert.equal(
      (await curlConnect(muxPort, 'http://secure.example.com/', ['--proxy-user', 'mallory:a-pw'])).connectStatus,
      407,
    );
    assert.deepEqual(await curlConnect(muxPort, 'http://secure.example.com/ok', ['--proxy-user', 'alice:a-pw']), {
      connectStatus: 200,
      body: Buffer.from('origin A /ok'),
    });
    const raw = splitResponse(
      await rawConnect(
        muxPort,
        `CONNECT secure.example.com:80 HTTP/1.1\r\nProxy-Authorization: ${basicAuth('alice', 'nope')}\r\n\r\n`,
      ),
    );
    assert.match(raw.status, /^HTTP\/1\.1 407 Proxy Authentication Required$/);
    assert.match(raw.head, /\r\nProxy-Authenticate: Basic realm="Restricted"/);
  });

  it('routeByHTTPUser picks between two proxies on one domain by the Proxy-Authorization user', async () => {
    const shared = 'http://shared.example.com/who';
    assert.equal((await curlConnect(muxPort, shared, ['--proxy-user', 'alice:a-pw'])).body.toString(), 'origin A /who');
    assert.equal((await curlConnect(muxPort, shared, ['--proxy-user', 'bob:b-pw'])).body.toString(), 'origin B /who');
    assert.equal((await curlConnect(muxPort, shared, ['--proxy-user', 'bob:a-pw'])).connectStatus, 407);
    assert.equal((await curlConnect(muxPort, shared)).connectStatus, 404, 'no route for a user-less CONNECT');
  });

  it('keeps the bytes sent right after the CONNECT head (early data)', async () => {
    const raw = await rawConnect(
      muxPort,
      'CONNECT echo.example.com:80 HTTP/1.1\r\nHost: echo.example.com:80\r\n\r\nEARLY-BYTES',
    );
    assert.equal(raw.toString('latin1'), 'HTTP/1.1 200 Connection established\r\n\r\nEARLY-BYTES');
  });

  it('answers 400 to a CONNECT that announces a body, and 405 to another method', async () => {
    for (const header of ['Content-Length: 5', 'Transfer-Encoding: chunked']) {
      const raw = splitResponse(
        await rawConnect(muxPort, `CONNECT echo.example.com:80 HTTP/1.1\r\n${header}\r\n\r\nhello`),
      );
      assert.match(raw.status, /^HTTP\/1\.1 400 Bad Request$/, header);
      assert.ok(!raw.rest.includes('hello'), `${header}: the body never reached the service`);
    }
    const get = splitResponse(await rawConnect(muxPort, 'GET / HTTP/1.1\r\nHost: echo.example.com\r\n\r\n'));
    assert.match(get.status, /^HTTP\/1\.1 405 /);
  });

  // The upload goes through an encrypted work connection that the user half-closes first: its last bytes must not be dropped.
  it('moves 1 MiB intact each way: a curl download and an upload echoed back', async () => {
    const down = await curlConnect(muxPort, 'http://svc-a.example.com/big');
    assert.equal(down.connectStatus, 200);
    assert.equal(down.body.length, BIG_SIZE);
    assert.equal(sha256(down.body), sha256(big));
    const head = Buffer.from('CONNECT echo.example.com:443 HTTP/1.1\r\n\r\n');
    const { status, rest } = splitResponse(await rawConnect(muxPort, Buffer.concat([head, big])));
    assert.match(status, /^HTTP\/1\.1 200 /);
    assert.equal(rest.length, BIG_SIZE);
    assert.equal(sha256(rest), sha256(big));
  });

  it('passthrough: the local service gets the CONNECT request itself and answers it', async () => {
    const res = await curlConnect(passPort, 'http://pass.example.com/through');
    assert.deepEqual(res, { connectStatus: 200, body: Buffer.from('origin A /through') });
    assert.deepEqual(passTargets, ['pass.example.com:80']);
    const echoed = await rawConnect(passPort, 'CONNECT pass-echo.example.com:80 HTTP/1.1\r\n\r\nearly');
    assert.equal(echoed.toString('latin1'), 'CONNECT pass-echo.example.com:80 HTTP/1.1\r\n\r\nearly');
  });
});
