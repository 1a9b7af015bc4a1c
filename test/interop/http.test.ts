// Interop: http vhost between real frp and burrow, both mixes: Host routing, locations, httpUser/httpPassword, hostHeaderRewrite, request/response header set, WebSocket upgrade, a 16 MiB body by sha256.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort, randomPayload, sha256 } from '../e2e/harness.js';
import { httpGet, startHttpOrigin } from '../e2e/proxy-helpers.js';
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

/** The body of GET /blob (the issue's size). */
const BLOB_SIZE = 16 * 1024 * 1024;
/** How long the WebSocket round trip may take. */
const WS_TIMEOUT_MS = 10_000;

const PROXY_NAMES = ['web', 'web-api', 'web-auth'];

/** The [[proxies]] tables every mix registers. */
function proxies(originPort: number): string[] {
  const http = (name: string, extra: string[]): string[] => [
    '[[proxies]]',
    `name = "${name}"`,
    'type = "http"',
    'localIP = "127.0.0.1"',
    `localPort = ${originPort}`,
    `requestHeaders.set.x-proxy = "${name}"`,
    ...extra,
    '',
  ];
  return [
    ...http('web', [
      'customDomains = ["a.example.com"]',
      'hostHeaderRewrite = "origin.internal"',
      'responseHeaders.set.x-resp = "from-web"',
    ]),
    ...http('web-api', ['customDomains = ["a.example.com"]', 'locations = ["/api"]']),
    ...http('web-auth', ['customDomains = ["auth.example.com"]', 'httpUser = "alice"', 'httpPassword = "s3cret"']),
  ];
}

/** Sends one text frame over a WebSocket through the vhost and resolves with the echo. */
function wsEcho(vhostPort: number, host: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${vhostPort}/ws`, { headers: { Host: host } });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('WebSocket echo timed out'));
    }, WS_TIMEOUT_MS);
    ws.on('open', () => ws.send(text));
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(data));
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('interop: http vhost', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const vhostPorts = new Map<Mix, number>();
  let origin: Awaited<ReturnType<typeof startHttpOrigin>>;
  let wss: WebSocketServer;

  before(() =>
    withLogs(async () => {
      origin = await startHttpOrigin((req, res) => {
        if (req.url === '/blob') {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BLOB_SIZE });
          res.end(blob);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ host: req.headers.host, url: req.url, proxy: req.headers['x-proxy'] }));
      });
      wss = new WebSocketServer({ server: origin.server, path: '/ws' });
      wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${String(data)}`)));
      await Promise.all(
        MIXES.map(async (mix) => {
          const { server, client } = sides(mix);
          const dir = scratchDir();
          const [bindPort, vhostPort] = [await freePort(), await freePort()];
          vhostPorts.set(mix, vhostPort);
          await startServer(server, dir, serverToml(server, dir, bindPort, [`vhostHTTPPort = ${vhostPort}`]));
          await startClient(client, dir, clientToml(client, bindPort, proxies(origin.port)), { proxies: PROXY_NAMES });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    wss?.close();
    await origin?.close();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: Host and locations route; hostHeaderRewrite and request/response header set apply`, () =>
      withLogs(async () => {
        const port = vhostPorts.get(mix)!;
        const root = await httpGet(port, 'a.example.com', '/page');
        assert.equal(root.status, 200);
        assert.deepEqual(JSON.parse(root.body.toString()), { host: 'origin.internal', url: '/page', proxy: 'web' });
        assert.equal(root.headers['x-resp'], 'from-web');
        const api = await httpGet(port, 'a.example.com', '/api/users');
        assert.equal(api.status, 200);
        assert.deepEqual(JSON.parse(api.body.toString()), {
          host: 'a.example.com',
          url: '/api/users',
          proxy: 'web-api',
        });
        const unknown = await httpGet(port, 'nobody.example.com', '/');
        assert.equal(unknown.status, 404);
      }));

    it(`${mix}: httpUser/httpPassword: 401 without credentials, wrong ones refused, right ones pass`, () =>
      withLogs(async () => {
        const port = vhostPorts.get(mix)!;
        assert.equal((await httpGet(port, 'auth.example.com', '/')).status, 401);
        const basic = (user: string, pass: string): Record<string, string> => ({
          Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
        });
        assert.equal((await httpGet(port, 'auth.example.com', '/', basic('alice', 'wrong'))).status, 401);
        const ok = await httpGet(port, 'auth.example.com', '/', basic('alice', 's3cret'));
        assert.equal(ok.status, 200);
        assert.equal(JSON.parse(ok.body.toString()).proxy, 'web-auth');
      }));

    it(`${mix}: a 16 MiB body arrives intact and a WebSocket upgrade echoes`, () =>
      withLogs(async () => {
        const port = vhostPorts.get(mix)!;
        const got = await httpGet(port, 'a.example.com', '/blob');
        assert.equal(got.status, 200);
        assert.equal(got.body.length, BLOB_SIZE);
        assert.equal(sha256(got.body), sha256(blob));
        assert.equal(await wsEcho(port, 'a.example.com', 'hello'), 'echo:hello');
      }));
  }
});
