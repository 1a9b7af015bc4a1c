// Interop: tcpmux proxies on the HTTP CONNECT multiplexer between real frp and burrow, both mixes, reached with curl -p:
// routing by host, httpUser/httpPassword, routeByHTTPUser between two proxies on one domain, a 1 MiB body by sha256.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, randomPayload, sha256 } from '../e2e/harness.js';
import { startHttpOrigin } from '../e2e/proxy-helpers.js';
import { curlConnect, tcpmuxProxy } from '../e2e/tcpmux-helpers.js';
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

/** The body of GET /big. */
const BIG_SIZE = 1024 * 1024;

const PROXY_NAMES = ['mux-a', 'mux-b', 'mux-auth', 'mux-alice', 'mux-bob'];

describe('interop: tcpmux httpconnect', { skip: FRP_SKIP }, () => {
  const big = randomPayload(BIG_SIZE);
  const muxPorts = new Map<Mix, number>();
  const closers: (() => Promise<void>)[] = [];

  before(() =>
    withLogs(async () => {
      const origin = (name: string) =>
        startHttpOrigin((req, res) => {
          if (req.url === '/big') res.end(big);
          else res.end(`origin ${name} ${req.url ?? ''}`);
        });
      const [a, b] = [await origin('A'), await origin('B')];
      closers.push(a.close, b.close);
      const body = [
        ...tcpmuxProxy('mux-a', a.port, ['customDomains = ["svc-a.example.com"]']),
        ...tcpmuxProxy('mux-b', b.port, ['customDomains = ["svc-b.example.com"]']),
        ...tcpmuxProxy('mux-auth', a.port, [
          'customDomains = ["secure.example.com"]',
          'httpUser = "alice"',
          'httpPassword = "a-pw"',
        ]),
        ...tcpmuxProxy('mux-alice', a.port, ['customDomains = ["shared.example.com"]', 'routeByHTTPUser = "alice"']),
        ...tcpmuxProxy('mux-bob', b.port, ['customDomains = ["shared.example.com"]', 'routeByHTTPUser = "bob"']),
      ];
      await Promise.all(
        MIXES.map(async (mix) => {
          const { server, client } = sides(mix);
          const dir = scratchDir();
          const [bindPort, muxPort] = [await freePort(), await freePort()];
          muxPorts.set(mix, muxPort);
          await startServer(server, dir, serverToml(server, dir, bindPort, [`tcpmuxHTTPConnectPort = ${muxPort}`]));
          await startClient(client, dir, clientToml(client, bindPort, body), { proxies: PROXY_NAMES });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    for (const close of closers) await close();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: each CONNECT reaches the proxy of its host; a 1 MiB body arrives intact`, () =>
      withLogs(async () => {
        const port = muxPorts.get(mix)!;
        assert.deepEqual(await curlConnect(port, 'http://svc-a.example.com/x'), {
          connectStatus: 200,
          body: Buffer.from('origin A /x'),
        });
        assert.equal((await curlConnect(port, 'http://SVC-B.example.com/y')).body.toString(), 'origin B /y');
        const down = await curlConnect(port, 'http://svc-a.example.com/big');
        assert.equal(down.body.length, BIG_SIZE);
        assert.equal(sha256(down.body), sha256(big));
        assert.equal((await curlConnect(port, 'http://nobody.example.com/')).connectStatus, 404);
      }));

    it(`${mix}: httpUser / httpPassword are checked against Proxy-Authorization`, () =>
      withLogs(async () => {
        const port = muxPorts.get(mix)!;
        const ok = await curlConnect(port, 'http://secure.example.com/ok', ['--proxy-user', 'alice:a-pw']);
        assert.deepEqual(ok, { connectStatus: 200, body: Buffer.from('origin A /ok') });
        const wrong = await curlConnect(port, 'http://secure.example.com/ok', ['--proxy-user', 'alice:nope']);
        // frps 0.70 writes its 200 before the 407 (curl then reads the empty 407 as the GET's answer); burrow answers 407 alone.
        assert.equal(wrong.body.length, 0, 'wrong credentials never reach the service');
        assert.equal(wrong.connectStatus, sides(mix).server === 'burrow' ? 407 : 200);
      }));

    it(`${mix}: routeByHTTPUser picks between two proxies on one domain`, () =>
      withLogs(async () => {
        const port = muxPorts.get(mix)!;
        const shared = 'http://shared.example.com/who';
        assert.equal((await curlConnect(port, shared, ['--proxy-user', 'alice:x'])).body.toString(), 'origin A /who');
        assert.equal((await curlConnect(port, shared, ['--proxy-user', 'bob:y'])).body.toString(), 'origin B /who');
      }));
  }
});
