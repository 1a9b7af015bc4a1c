// Interop: the http_proxy, socks5 and static_file client plugins in a burrow client on a real frps, driven by curl.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../e2e/harness.js';
import { startHttpOrigin } from '../e2e/proxy-helpers.js';
import { curl } from '../e2e/plugins/curl.js';
import {
  clientToml,
  FRP_SKIP,
  removeScratch,
  scratchDir,
  serverToml,
  startClient,
  startServer,
  stopAll,
  withLogs,
} from './harness.js';

const FILE_TEXT = 'served by static_file through frps\n';

describe('interop: client plugins http_proxy, socks5, static_file in burrow → frps', { skip: FRP_SKIP }, () => {
  let origin: Awaited<ReturnType<typeof startHttpOrigin>>;
  const ports = { httpProxy: 0, socks: 0, files: 0, vhost: 0 };

  before(() =>
    withLogs(async () => {
      origin = await startHttpOrigin((req, res) => res.end(`origin saw ${req.url ?? ''}`));
      for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
      const dir = scratchDir();
      const www = path.join(dir, 'www');
      mkdirSync(www);
      writeFileSync(path.join(www, 'file.txt'), FILE_TEXT);
      const bindPort = await freePort();
      await startServer('frps', dir, serverToml('frps', dir, bindPort, [`vhostHTTPPort = ${ports.vhost}`]));
      const tcp = (name: string, port: number, plugin: string[]): string[] => [
        '[[proxies]]',
        `name = "${name}"`,
        'type = "tcp"',
        `remotePort = ${port}`,
        '[proxies.plugin]',
        ...plugin,
        '',
      ];
      const body = [
        ...tcp('hp', ports.httpProxy, ['type = "http_proxy"', 'httpUser = "u"', 'httpPassword = "p"']),
        ...tcp('socks', ports.socks, ['type = "socks5"', 'username = "u"', 'password = "p"']),
        ...tcp('files', ports.files, ['type = "static_file"', `localPath = "${www}"`, 'stripPrefix = "s"']),
        '[[proxies]]',
        'name = "files-web"',
        'type = "http"',
        'customDomains = ["files.interop.test"]',
        '[proxies.plugin]',
        'type = "static_file"',
        `localPath = "${www}"`,
        '',
      ];
      await startClient('burrow', dir, clientToml('burrow', bindPort, body), {
        proxies: ['hp', 'socks', 'files', 'files-web'],
      });
    }),
  );

  after(async () => {
    await stopAll();
    await origin?.close();
    removeScratch();
  });

  it('http_proxy: plain and CONNECT through frps with Basic auth; a wrong password gets 407', () =>
    withLogs(async () => {
      const proxy = ['-x', `http://127.0.0.1:${ports.httpProxy}`];
      const target = `http://127.0.0.1:${origin.port}/via-http-proxy`;
      const plain = await curl([...proxy, '--proxy-user', 'u:p', target]);
      assert.deepEqual([plain.status, plain.body], [200, 'origin saw /via-http-proxy'], plain.stderr);
      const tunnel = await curl(['-p', ...proxy, '--proxy-user', 'u:p', target]);
      assert.deepEqual([tunnel.connectStatus, tunnel.body], [200, 'origin saw /via-http-proxy'], tunnel.stderr);
      assert.equal((await curl([...proxy, '--proxy-user', 'u:x', target])).status, 407);
    }));

  it('socks5: curl --socks5-hostname through frps with username/password; a wrong one is refused', () =>
    withLogs(async () => {
      const socks = ['--socks5-hostname', `127.0.0.1:${ports.socks}`];
      const target = `http://localhost:${origin.port}/via-socks`;
      const ok = await curl([...socks, '--proxy-user', 'u:p', target]);
      assert.equal(ok.body, 'origin saw /via-socks', ok.stderr);
      const wrong = await curl([...socks, '--proxy-user', 'u:x', target]);
      assert.match(wrong.stderr, /User was rejected by the SOCKS5 server/);
    }));

  it('static_file: a file through a frps tcp port (prefix stripped) and through the frps http vhost', () =>
    withLogs(async () => {
      const tcp = await curl([`http://127.0.0.1:${ports.files}/s/file.txt`]);
      assert.deepEqual([tcp.status, tcp.body], [200, FILE_TEXT], tcp.stderr);
      const range = await curl(['-r', '0-5', `http://127.0.0.1:${ports.files}/s/file.txt`]);
      assert.deepEqual([range.status, range.body], [206, 'served']);
      const resolve = ['--resolve', `files.interop.test:${ports.vhost}:127.0.0.1`];
      const web = await curl([...resolve, `http://files.interop.test:${ports.vhost}/file.txt`]);
      assert.deepEqual([web.status, web.body], [200, FILE_TEXT], web.stderr);
      const denied = await curl([...resolve, '--path-as-is', `http://files.interop.test:${ports.vhost}/%2e%2e/x`]);
      assert.equal(denied.status, 403);
    }));
});
