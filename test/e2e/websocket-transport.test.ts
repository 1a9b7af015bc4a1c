// e2e: the WebSocket tunnel transport (transport.protocol = "websocket" | "wss") through the real CLI: 16 MiB intact
// with tcpMux on and off and TLS on, on a bindPort shared with the http vhost, bad upgrades refused, kcp falls back to tcp.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  sha256,
  startEchoServer,
  startFileServer,
  type BurrowProcess,
} from './harness.js';
import { clientToml, httpGet, serverToml, setup, startClient, startHttpOrigin, startServer } from './proxy-helpers.js';

/** The file every download fetches. */
const FILE_SIZE = 16 * 1024 * 1024;
/** Size of the echo round trip (upload, half-close, and back). */
const ECHO_SIZE = 2 * 1024 * 1024;
/** A raw probe of the server waits this long for its answer and close. */
const PROBE_TIMEOUT_MS = 15_000;

/** Sends `bytes` to 127.0.0.1:port and resolves with everything received until the server closes. */
function probe(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from :${port} within ${PROBE_TIMEOUT_MS} ms`));
    }, PROBE_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // a reset after the answer still counts as closed
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** A TCP relay to 127.0.0.1:target that records the first bytes of every connection (what the client dialled with). */
async function recordingRelay(target: number): Promise<{ port: number; firsts: Buffer[]; close: () => Promise<void> }> {
  const firsts: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port: target, allowHalfOpen: true });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
      s.once('close', () => sockets.delete(s));
    }
    inbound.once('data', (chunk: Buffer) => firsts.push(chunk.subarray(0, 16)));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    firsts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('WebSocket tunnel transport through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;

  before(async () => {
    files = await startFileServer(payload);
    echo = await startEchoServer();
    closers.push(files.close, echo.close);
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  for (const protocol of ['websocket', 'wss'] as const) {
    for (const tcpMux of [true, false]) {
      it(`carries 16 MiB intact and an echo with a half-close (protocol=${protocol}, tcpMux=${tcpMux}, TLS on)`, async () => {
        const { dir, bindPort } = await setup();
        dirs.push(dir);
        const [filesPort, echoPort] = [await freePort(), await freePort()];
        const server = await startServer(dir, serverToml(bindPort, dir, [`transport.tcpMux = ${tcpMux}`]));
        // The client dials through a relay that shows how each connection starts.
        const relay = await recordingRelay(bindPort);
        closers.push(relay.close);
        const client = await startClient(
          dir,
          clientToml(
            relay.port,
            [
              '[[proxies]]',
              'name = "files"',
              'type = "tcp"',
              `localPort = ${files.port}`,
              `remotePort = ${filesPort}`,
              '',
              '[[proxies]]',
              'name = "echo"',
              'type = "tcp"',
              `localPort = ${echo.port}`,
              `remotePort = ${echoPort}`,
              '',
            ],
            [
              `transport.protocol = "${protocol}"`,
              `transport.tcpMux = ${tcpMux}`,
              'transport.tls.enable = true',
              'transport.tls.disableCustomTLSFirstByte = false',
            ],
          ),
          2,
        );
        assert.match(client.output, /"tls":true/, 'client reports a TLS session');
        assert.match(
          server.output,
          /"tls":true/,
          'server saw TLS (inside the WebSocket for websocket, around it for wss)',
        );

        const got = await download(filesPort);
        assert.equal(got.length, FILE_SIZE);
        assert.equal(sha256(got), payloadHash);

        const upload = randomPayload(ECHO_SIZE);
        const back = await roundTrip(echoPort, upload);
        assert.equal(sha256(back), sha256(upload), 'the answer after a half-close arrives whole');

        // websocket: the upgrade comes first, in clear. wss: a ClientHello without frp's 0x17 byte.
        assert.ok(relay.firsts.length >= (tcpMux ? 1 : 3), `connections seen: ${relay.firsts.length}`);
        for (const first of relay.firsts) {
          if (protocol === 'websocket') assert.equal(first.subarray(0, 10).toString('latin1'), 'GET /~!frp');
          else assert.equal(first[0], 0x16, 'wss starts with the TLS handshake itself');
        }
        await client.kill();
        await server.kill();
      });
    }
  }

  describe('on a bindPort shared with the http vhost', () => {
    let port = 0;
    let tcpPort = 0;
    let server: BurrowProcess;

    before(async () => {
      const { dir, bindPort } = await setup();
      dirs.push(dir);
      port = bindPort;
      tcpPort = await freePort();
      const web = await startHttpOrigin((_req, res) => res.end('vhost still serves'));
      closers.push(web.close);
      server = await startServer(dir, serverToml(bindPort, dir, [`vhostHTTPPort = ${bindPort}`]));
      await startClient(
        dir,
        clientToml(
          bindPort,
          [
            '[[proxies]]',
            'name = "web"',
            'type = "http"',
            `localPort = ${web.port}`,
            'customDomains = ["web.example.test"]',
            '',
            '[[proxies]]',
            'name = "files"',
            'type = "tcp"',
            `localPort = ${files.port}`,
            `remotePort = ${tcpPort}`,
            '',
          ],
          ['transport.protocol = "websocket"'],
        ),
        2,
      );
    });

    it('carries the tunnel over WebSocket while the vhost keeps serving HTTP', async () => {
      const got = await download(tcpPort);
      assert.equal(sha256(got), payloadHash);
      const page = await httpGet(port, 'web.example.test');
      assert.equal(page.status, 200);
      assert.equal(page.body.toString(), 'vhost still serves');
    });

    it('answers a bad upgrade (wrong path, garbage) with an HTTP error and a close, and goes on serving', async () => {
      const wrongPath = await probe(
        port,
        'GET /~!frpx HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      assert.match(wrongPath, /^HTTP\/1\.1 404 /);
      const notUpgrade = await probe(port, 'GET /~!frp HTTP/1.1\r\nHost: a\r\n\r\n');
      assert.match(notUpgrade, /^HTTP\/1\.1 400 /);
      const garbage = await probe(
        port,
        Buffer.concat([Buffer.from('GET /~!frp'), Buffer.from([0, 0xff, 0x17, 0x16]), Buffer.from('\r\n\r\n')]),
      );
      assert.match(garbage, /^HTTP\/1\.1 400 /);
      assert.match(server.output, /WebSocket upgrade refused \(404\)/);
      const got = await download(tcpPort);
      assert.equal(sha256(got), payloadHash, 'the tunnel still works');
      assert.equal((await httpGet(port, 'web.example.test')).status, 200, 'the vhost still works');
    });
  });

  it('answers a bad upgrade on a bindPort of its own too, and a kcp client falls back to tcp with one warning', async () => {
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const tcpPort = await freePort();
    await startServer(dir, serverToml(bindPort, dir));
    const refused = await probe(bindPort, 'GET /~!frp/x HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(refused, /^HTTP\/1\.1 404 /);
    const client = await startClient(
      dir,
      clientToml(
        bindPort,
        ['[[proxies]]', 'name = "files"', 'type = "tcp"', `localPort = ${files.port}`, `remotePort = ${tcpPort}`, ''],
        ['transport.protocol = "kcp"'],
      ),
      1,
    );
    const warnings = client.lines.filter((line) => /transport\.protocol: "kcp"/.test(line));
    assert.equal(warnings.length, 1, client.output);
    assert.match(warnings[0]!, /connecting over "tcp" instead/);
    const got = await download(tcpPort);
    assert.equal(sha256(got), payloadHash);
  });
});
