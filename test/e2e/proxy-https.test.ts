// e2e: https proxies on the HTTPS vhost through the real CLI: routed by SNI without terminating TLS, 16 MiB intact
// (curl --resolve -k and Node tls), an `openssl s_server -www` origin, unknown SNI closed, a split ClientHello.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, killAll, randomPayload, removeDir, sha256, sleep } from './harness.js';
import { clientToml, makeCert, serverToml, setup, startClient, startServer, tlsFetch } from './proxy-helpers.js';

const run = promisify(execFile);

/** The payload every big download fetches. */
const FILE_SIZE = 16 * 1024 * 1024;
/** Largest curl output kept in memory. */
const CURL_MAX_BUFFER = 64 * 1024 * 1024;
/** A curl run that takes longer fails the test instead of hanging it. */
const CURL_TIMEOUT_MS = 60_000;
/** How long openssl s_server may take to listen. */
const S_SERVER_START_MS = 5_000;

/** The HTTP body of a raw response (after the blank line). */
function bodyOf(response: Buffer): Buffer {
  const end = response.indexOf('\r\n\r\n');
  return end < 0 ? Buffer.alloc(0) : response.subarray(end + 4);
}

describe('https proxies through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);
  const dirs: string[] = [];
  let origin: https.Server | undefined;
  let sServer: ChildProcess | undefined;
  let vhostPort = 0;

  before(async () => {
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const secure = await makeCert(dir, 'secure.example.test');
    const openssl = await makeCert(dir, 'openssl.example.test');
    origin = https.createServer({ cert: readFileSync(secure.cert), key: readFileSync(secure.key) }, (_req, res) => {
      res.writeHead(200, { 'Content-Length': FILE_SIZE, Connection: 'close' });
      res.end(payload);
    });
    await new Promise<void>((resolve) => origin!.listen(0, '127.0.0.1', resolve));
    const originPort = (origin.address() as net.AddressInfo).port;
    const sPort = await freePort();
    sServer = spawn(
      'openssl',
      ['s_server', '-accept', `127.0.0.1:${sPort}`, '-cert', openssl.cert, '-key', openssl.key, '-www', '-quiet'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + S_SERVER_START_MS;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const probe = net.connect({ host: '127.0.0.1', port: sPort }, () => {
          probe.destroy();
          resolve(true);
        });
        probe.on('error', () => resolve(false));
      });
      if (up) break;
      if (Date.now() > deadline) throw new Error('openssl s_server did not start');
      await sleep(100);
    }
    vhostPort = await freePort();
    await startServer(dir, serverToml(bindPort, dir, [`vhostHTTPSPort = ${vhostPort}`]));
    await startClient(
      dir,
      clientToml(bindPort, [
        '[[proxies]]',
        'name = "secure"',
        'type = "https"',
        `localPort = ${originPort}`,
        'customDomains = ["secure.example.test"]',
        '',
        '[[proxies]]',
        'name = "secure-wrapped"',
        'type = "https"',
        `localPort = ${originPort}`,
        'customDomains = ["wrapped.example.test"]',
        'transport.useEncryption = true',
        'transport.useCompression = true',
        '',
        '[[proxies]]',
        'name = "openssl"',
        'type = "https"',
        `localPort = ${sPort}`,
        'customDomains = ["openssl.example.test"]',
        '',
      ]),
      3,
    );
  });

  after(async () => {
    await killAll();
    sServer?.kill();
    await new Promise<void>((resolve) => (origin ? origin.close(() => resolve()) : resolve()));
    for (const dir of dirs) removeDir(dir);
  });

  it('moves 16 MiB intact with curl --resolve -k and Node tls, encryption+compression off and on', async () => {
    for (const host of ['secure.example.test', 'wrapped.example.test']) {
      const { stdout } = await run(
        'curl',
        ['-sS', '-k', '--fail', '--resolve', `${host}:${vhostPort}:127.0.0.1`, `https://${host}:${vhostPort}/`],
        {
          encoding: 'buffer',
          maxBuffer: CURL_MAX_BUFFER,
          timeout: CURL_TIMEOUT_MS,
        },
      );
      assert.equal(stdout.length, FILE_SIZE, `curl via ${host}`);
      assert.equal(sha256(stdout), payloadHash, `curl via ${host}`);
      const raw = await tlsFetch(vhostPort, host, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(sha256(bodyOf(raw)), payloadHash, `node tls via ${host}`);
    }
  });

  it('reaches an openssl s_server -www origin, whose certificate names the routed host', async () => {
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '-k',
        '--resolve',
        `openssl.example.test:${vhostPort}:127.0.0.1`,
        `https://openssl.example.test:${vhostPort}/`,
      ],
      { timeout: CURL_TIMEOUT_MS },
    );
    assert.match(stdout, /s_server|Ciphers supported/);
    const peerCn = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: vhostPort, servername: 'openssl.example.test', rejectUnauthorized: false },
        () => {
          resolve(String(socket.getPeerCertificate().subject?.CN ?? ''));
          socket.destroy();
        },
      );
      socket.on('error', reject);
    });
    assert.equal(peerCn, 'openssl.example.test', 'TLS is not terminated by burrow: the origin certificate arrives');
  });

  it('closes a connection whose SNI no proxy serves, and one that sends no ClientHello', async () => {
    await assert.rejects(tlsFetch(vhostPort, 'unknown.example.test', 'GET / HTTP/1.0\r\n\r\n', 10_000));
    const closed = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: vhostPort }, () =>
        socket.write('GET / HTTP/1.1\r\nHost: secure.example.test\r\n\r\n'),
      );
      socket.on('error', () => resolve(true));
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 10_000).unref();
    });
    assert.ok(closed, 'plain HTTP on the HTTPS vhost is closed');
  });

  it('routes a ClientHello split across many tiny writes', async () => {
    // A proxy socket that forwards the client's bytes one at a time (nagle off) to the vhost.
    const splitter = net.createServer((inbound) => {
      const outbound = net.connect({ host: '127.0.0.1', port: vhostPort, noDelay: true });
      let first = true;
      inbound.on('data', (chunk: Buffer) => {
        if (!first) {
          outbound.write(chunk);
          return;
        }
        first = false;
        inbound.pause();
        void (async () => {
          for (const byte of chunk) {
            outbound.write(Buffer.from([byte]));
            await sleep(0);
          }
          inbound.resume();
        })();
      });
      outbound.pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
    });
    await new Promise<void>((resolve) => splitter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (splitter.address() as net.AddressInfo).port;
      const raw = await tlsFetch(
        port,
        'secure.example.test',
        'GET / HTTP/1.1\r\nHost: secure.example.test\r\nConnection: close\r\n\r\n',
      );
      assert.equal(sha256(bodyOf(raw)), payloadHash);
    } finally {
      splitter.close();
    }
  });
});
