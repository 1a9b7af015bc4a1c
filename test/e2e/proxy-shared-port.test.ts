// e2e: one port for everything: bindPort = vhostHTTPPort = vhostHTTPSPort serves two http domains, an https SNI domain
// and the tunnel itself (TLS and plain clients), through the real CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { download, freePort, killAll, randomPayload, removeDir, sha256, startFileServer } from './harness.js';
import {
  clientToml,
  httpGet,
  makeCert,
  serverToml,
  setup,
  startClient,
  startHttpOrigin,
  startServer,
  tlsFetch,
} from './proxy-helpers.js';

const run = promisify(execFile);

/** The payload every big download fetches. */
const FILE_SIZE = 16 * 1024 * 1024;
/** Largest curl output kept in memory. */
const CURL_MAX_BUFFER = 64 * 1024 * 1024;
/** A curl run that takes longer fails the test instead of hanging it. */
const CURL_TIMEOUT_MS = 60_000;

describe('one port for tunnel, http and https through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let port = 0;
  let tcpPort = 0;
  let plainTcpPort = 0;

  before(async () => {
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    port = bindPort;
    const webA = await startHttpOrigin((_req, res) => {
      res.writeHead(200, { 'Content-Length': FILE_SIZE });
      res.end(payload);
    });
    const webB = await startHttpOrigin((_req, res) => res.end('origin-b'));
    const files = await startFileServer(payload);
    const cert = await makeCert(dir, 'secure.example.test');
    const secure = https.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_req, res) => {
      res.writeHead(200, { 'Content-Length': FILE_SIZE, Connection: 'close' });
      res.end(payload);
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    closers.push(
      webA.close,
      webB.close,
      files.close,
      () => new Promise<void>((resolve) => secure.close(() => resolve())),
    );
    tcpPort = await freePort();
    plainTcpPort = await freePort();
    await startServer(dir, serverToml(bindPort, dir, [`vhostHTTPPort = ${bindPort}`, `vhostHTTPSPort = ${bindPort}`]));
    await startClient(
      dir,
      clientToml(bindPort, [
        '[[proxies]]',
        'name = "web-a"',
        'type = "http"',
        `localPort = ${webA.port}`,
        'customDomains = ["a.example.test"]',
        '',
        '[[proxies]]',
        'name = "web-b"',
        'type = "http"',
        `localPort = ${webB.port}`,
        'customDomains = ["b.example.test"]',
        '',
        '[[proxies]]',
        'name = "secure"',
        'type = "https"',
        `localPort = ${(secure.address() as net.AddressInfo).port}`,
        'customDomains = ["secure.example.test"]',
        '',
        '[[proxies]]',
        'name = "files"',
        'type = "tcp"',
        `localPort = ${files.port}`,
        `remotePort = ${tcpPort}`,
        '',
      ]),
      4,
    );
    // A second client without TLS proves plain tunnel clients are sniffed correctly too.
    await startClient(
      dir,
      clientToml(
        bindPort,
        [
          '[[proxies]]',
          'name = "files-plain"',
          'type = "tcp"',
          `localPort = ${files.port}`,
          `remotePort = ${plainTcpPort}`,
        ],
        ['transport.tls.enable = false'],
      ),
      1,
      'plain.toml',
    );
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('serves two http domains on bindPort', async () => {
    const { stdout } = await run(
      'curl',
      ['-sS', '--fail', '--resolve', `a.example.test:${port}:127.0.0.1`, `http://a.example.test:${port}/`],
      {
        encoding: 'buffer',
        maxBuffer: CURL_MAX_BUFFER,
        timeout: CURL_TIMEOUT_MS,
      },
    );
    assert.equal(sha256(stdout), payloadHash);
    const b = await httpGet(port, 'b.example.test');
    assert.equal(b.body.toString(), 'origin-b');
    assert.equal((await httpGet(port, 'c.example.test')).status, 404);
  });

  it('serves an https domain on bindPort by SNI', async () => {
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '-k',
        '--fail',
        '--resolve',
        `secure.example.test:${port}:127.0.0.1`,
        `https://secure.example.test:${port}/`,
      ],
      {
        encoding: 'buffer',
        maxBuffer: CURL_MAX_BUFFER,
        timeout: CURL_TIMEOUT_MS,
      },
    );
    assert.equal(sha256(stdout), payloadHash);
  });

  it('carries the tunnel itself (TLS and plain clients) on the same port', async () => {
    for (const remote of [tcpPort, plainTcpPort]) {
      const got = await download(remote);
      assert.equal(sha256(got), payloadHash);
    }
  });

  it('hands a ClientHello for an unknown SNI to the tunnel, which does not serve it as https', async () => {
    // The burrow server terminates this TLS itself (it is a tunnel client to it), so the origin is never reached.
    const raw = await tlsFetch(
      port,
      'unknown.example.test',
      'GET / HTTP/1.1\r\nHost: unknown.example.test\r\n\r\n',
      15_000,
    ).catch(() => Buffer.alloc(0));
    assert.ok(!raw.includes(payload.subarray(0, 64)), 'no origin bytes for an unknown SNI');
  });
});
