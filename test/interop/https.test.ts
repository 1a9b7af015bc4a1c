// Interop: https vhost routed by SNI (TLS passes through untouched) between real frp and burrow, both mixes; 16 MiB body by sha256.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, randomPayload, sha256 } from '../e2e/harness.js';
import { makeCert, tlsFetch } from '../e2e/proxy-helpers.js';
import {
  clientToml,
  FRP_SKIP,
  MIXES,
  removeScratch,
  scratchDir,
  serverToml,
  sides,
  startClient,
  startServer,
  stopAll,
  withLogs,
  type Mix,
} from './harness.js';

/** The body of GET /blob (the size). */
const BLOB_SIZE = 16 * 1024 * 1024;

/** Splits a raw HTTP/1.1 response (Connection: close) into status line and body. */
function parse(raw: Buffer): { status: string; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no HTTP response in ${raw.length} bytes`);
  return { status: raw.subarray(0, raw.indexOf('\r\n')).toString(), body: raw.subarray(end + 4) };
}

describe('interop: https by SNI', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const vhostPorts = new Map<Mix, number>();
  let origins: https.Server[] = [];

  /** An https origin for `host` that answers its own name, or the blob on /blob. */
  async function origin(dir: string, host: string): Promise<number> {
    const { cert, key } = await makeCert(dir, host);
    const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
      if (req.url === '/blob') res.end(blob);
      else res.end(`origin ${host}`);
    });
    origins.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  before(() =>
    withLogs(async () => {
      const certDir = scratchDir();
      const [onePort, twoPort] = [await origin(certDir, 'one.example.com'), await origin(certDir, 'two.example.com')];
      await Promise.all(
        MIXES.map(async (mix) => {
          const { server, client } = sides(mix);
          const dir = scratchDir();
          const [bindPort, vhostPort] = [await freePort(), await freePort()];
          vhostPorts.set(mix, vhostPort);
          await startServer(server, dir, serverToml(server, dir, bindPort, [`vhostHTTPSPort = ${vhostPort}`]));
          const proxy = (name: string, host: string, port: number): string[] => [
            '[[proxies]]',
            `name = "${name}"`,
            'type = "https"',
            'localIP = "127.0.0.1"',
            `localPort = ${port}`,
            `customDomains = ["${host}"]`,
            '',
          ];
          const body = [...proxy('one', 'one.example.com', onePort), ...proxy('two', 'two.example.com', twoPort)];
          await startClient(client, dir, clientToml(client, bindPort, body), { proxies: ['one', 'two'] });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    for (const server of origins) server.close();
    origins = [];
    removeScratch();
  });

  const get = (path: string, host: string): string =>
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

  for (const mix of MIXES) {
    it(`${mix}: SNI picks the origin; a 16 MiB body arrives intact`, () =>
      withLogs(async () => {
        const port = vhostPorts.get(mix)!;
        for (const host of ['one.example.com', 'two.example.com']) {
          const { status, body } = parse(await tlsFetch(port, host, get('/', host)));
          assert.match(status, /^HTTP\/1\.1 200/);
          assert.equal(body.toString(), `origin ${host}`);
        }
        const { body } = parse(await tlsFetch(port, 'one.example.com', get('/blob', 'one.example.com')));
        assert.equal(body.length, BLOB_SIZE);
        assert.equal(sha256(body), sha256(blob));
      }));

    it(`${mix}: an unknown SNI name is not routed`, () =>
      withLogs(async () => {
        const got = await tlsFetch(vhostPorts.get(mix)!, 'nobody.example.com', get('/', 'nobody.example.com')).catch(
          () => Buffer.alloc(0),
        );
        assert.equal(got.length, 0);
      }));
  }
});
