// e2e: http proxies on the HTTP vhost through the real CLI: routing by Host and location, 16 MiB intact (curl and Node), rewrite
// and forwarding headers, basic auth, 404/401/502 pages, keep-alive across hosts, work-connection reuse, WebSocket upgrade, bad requests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, killAll, randomPayload, removeDir, sha256 } from './harness.js';
import { clientToml, httpGet, serverToml, setup, startClient, startHttpOrigin, startServer } from './proxy-helpers.js';

const run = promisify(execFile);

/** The payload every big download fetches. */
const FILE_SIZE = 16 * 1024 * 1024;
/** A header bigger than the vhost's 16 KiB head limit. */
const OVERSIZED_HEADER = 20 * 1024;
/** Largest curl output kept in memory. */
const CURL_MAX_BUFFER = 64 * 1024 * 1024;
/** A curl run that takes longer fails the test instead of hanging it. */
const CURL_TIMEOUT_MS = 60_000;

function proxy(name: string, localPort: number, lines: string[]): string[] {
  return ['[[proxies]]', `name = "${name}"`, 'type = "http"', `localPort = ${localPort}`, ...lines, ''];
}

/** Sends raw bytes and resolves with everything the server sent before closing. */
function rawExchange(port: number, bytes: Buffer | string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw exchange timed out'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

describe('http proxies through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let vhostPort = 0;
  /** Connections the local service behind proxy b has accepted so far. */
  let originBConnections = 0;

  before(async () => {
    const origin = await startHttpOrigin((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': FILE_SIZE });
        res.end(payload);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ origin: 'a', url: req.url, headers: req.headers }));
    });
    origin.server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
    });
    const originB = await startHttpOrigin((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ origin: 'b', url: req.url }));
    });
    originB.server.on('connection', () => (originBConnections += 1));
    closers.push(origin.close, originB.close);
    const downPort = await freePort();
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    vhostPort = await freePort();
    await startServer(dir, serverToml(bindPort, dir, [`vhostHTTPPort = ${vhostPort}`, 'subDomainHost = "sub.test"']));
    await startClient(
      dir,
      clientToml(bindPort, [
        ...proxy('a', origin.port, [
          'customDomains = ["a.example.test"]',
          'hostHeaderRewrite = "origin.internal"',
          'requestHeaders.set.x-from-burrow = "request"',
          'responseHeaders.set.x-served-by = "burrow"',
        ]),
        ...proxy('a-wrapped', origin.port, [
          'customDomains = ["aw.example.test"]',
          'transport.useEncryption = true',
          'transport.useCompression = true',
        ]),
        ...proxy('a-api', originB.port, ['customDomains = ["a.example.test"]', 'locations = ["/api"]']),
        ...proxy('b', originB.port, ['subdomain = "b"']),
        ...proxy('secret', origin.port, [
          'customDomains = ["s.example.test"]',
          'httpUser = "alice"',
          'httpPassword = "wonder land"',
        ]),
        ...proxy('down', downPort, ['customDomains = ["down.example.test"]']),
      ]),
      6,
    );
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('moves 16 MiB intact with curl --resolve and Node http, encryption+compression off and on', async () => {
    for (const host of ['a.example.test', 'aw.example.test']) {
      const { stdout } = await run(
        'curl',
        ['-sS', '--fail', '--resolve', `${host}:${vhostPort}:127.0.0.1`, `http://${host}:${vhostPort}/big`],
        {
          encoding: 'buffer',
          maxBuffer: CURL_MAX_BUFFER,
          timeout: CURL_TIMEOUT_MS,
        },
      );
      assert.equal(stdout.length, FILE_SIZE, `curl via ${host}`);
      assert.equal(sha256(stdout), payloadHash, `curl via ${host}`);
      const viaNode = await httpGet(vhostPort, host, '/big');
      assert.equal(viaNode.status, 200);
      assert.equal(sha256(viaNode.body), payloadHash, `node http via ${host}`);
    }
  });

  it('routes by Host, subdomain and longest location; rewrites Host and adds forwarding headers', async () => {
    const a = await httpGet(vhostPort, 'a.example.test', '/hello', { 'X-Forwarded-For': '203.0.113.7' });
    const bodyA = JSON.parse(a.body.toString()) as { origin: string; headers: Record<string, string> };
    assert.equal(bodyA.origin, 'a');
    assert.equal(bodyA.headers.host, 'origin.internal');
    assert.equal(bodyA.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(bodyA.headers['x-real-ip'], '127.0.0.1');
    assert.equal(bodyA.headers['x-forwarded-host'], 'a.example.test');
    assert.equal(bodyA.headers['x-from-burrow'], 'request', 'requestHeaders.set reaches the local service');
    assert.equal(a.headers['x-served-by'], 'burrow', 'responseHeaders.set reaches the user');
    const api = JSON.parse((await httpGet(vhostPort, 'a.example.test', '/api/v1')).body.toString()) as {
      origin: string;
    };
    assert.equal(api.origin, 'b', '/api goes to the a-api proxy');
    const sub = JSON.parse((await httpGet(vhostPort, 'B.Sub.Test:1234', '/x')).body.toString()) as { origin: string };
    assert.equal(sub.origin, 'b', 'subdomain b.sub.test, case and port ignored');
  });

  it('reuses one keep-alive connection for requests to different hosts', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    const origins: string[] = [];
    try {
      for (const host of ['a.example.test', 'b.sub.test', 'a.example.test']) {
        const { body, localPort } = await new Promise<{ body: string; localPort: number }>((resolve, reject) => {
          const req = http.get(
            { host: '127.0.0.1', port: vhostPort, path: '/k', headers: { Host: host }, agent },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ body: text, localPort: req.socket?.localPort ?? 0 }));
            },
          );
          req.on('error', reject);
        });
        ports.add(localPort);
        origins.push((JSON.parse(body) as { origin: string }).origin);
      }
    } finally {
      agent.destroy();
    }
    assert.deepEqual(origins, ['a', 'b', 'a']);
    assert.equal(ports.size, 1, 'all three requests went over one TCP connection');
  });

  it('reuses work connections: requests on separate user connections reach the local service over one connection', async () => {
    const before = originBConnections;
    for (let i = 0; i < 5; i++) {
      const res = await httpGet(vhostPort, 'b.sub.test', `/reuse-${i}`);
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body.toString()) as { url: string }).url, `/reuse-${i}`);
    }
    assert.ok(
      originBConnections - before <= 1,
      `the local service saw ${originBConnections - before} new connections for 5 requests`,
    );
  });

  it('answers 404 for unknown hosts, 401 without credentials, 502 when the local service is down', async () => {
    const missing = await httpGet(vhostPort, 'nobody.example.test');
    assert.equal(missing.status, 404);
    assert.match(missing.body.toString(), /Not Found/);
    const denied = await httpGet(vhostPort, 's.example.test');
    assert.equal(denied.status, 401);
    assert.equal(denied.headers['www-authenticate'], 'Basic realm="Restricted"');
    const wrong = await httpGet(vhostPort, 's.example.test', '/', {
      Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}`,
    });
    assert.equal(wrong.status, 401);
    const allowed = await httpGet(vhostPort, 's.example.test', '/', {
      Authorization: `Basic ${Buffer.from('alice:wonder land').toString('base64')}`,
    });
    assert.equal(allowed.status, 200);
    const down = await httpGet(vhostPort, 'down.example.test');
    assert.equal(down.status, 502);
  });

  it('passes a WebSocket upgrade through and relays both ways', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: vhostPort });
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if (text.includes('ping-through-tunnel')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write('GET /ws HTTP/1.1\r\nHost: a.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      setTimeout(() => socket.write('ping-through-tunnel'), 200);
      setTimeout(() => reject(new Error(`no echo; got ${JSON.stringify(text)}`)), 10_000).unref();
    });
    assert.match(reply, /^HTTP\/1\.1 101/);
  });

  it('closes only the connection that sends garbage or an oversized head', async () => {
    const garbage = await rawExchange(
      vhostPort,
      Buffer.from('\x00\x01\x02garbage\r\nHost: a.example.test\r\n\r\n', 'latin1'),
    );
    assert.match(garbage, /^HTTP\/1\.1 400/);
    const big = await rawExchange(
      vhostPort,
      `GET / HTTP/1.1\r\nHost: a.example.test\r\nX-Big: ${'x'.repeat(OVERSIZED_HEADER)}\r\n\r\n`,
    );
    assert.match(big, /^HTTP\/1\.1 431/);
    const fine = await httpGet(vhostPort, 'a.example.test', '/after');
    assert.equal(fine.status, 200);
  });
});
