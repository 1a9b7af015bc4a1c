// Interop: one config file, the same meaning in frp and burrow: auth.tokenSource exec under --allow-unsafe=TokenSourceExec (both mixes), and custom404Page / vhostHTTPTimeout on either server.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../e2e/harness.js';
import { httpGet, startHttpOrigin } from '../e2e/proxy-helpers.js';
import {
  BURROW_CLI,
  clientToml,
  FRP_DIR,
  FRP_SKIP,
  MIXES,
  Peer,
  removeScratch,
  scratchDir,
  serverToml,
  sides,
  startClient,
  startServer,
  stopAll,
  withLogs,
  writeConfig,
} from './harness.js';

/** vhostHTTPTimeout of the vhost cases, in seconds. */
const VHOST_HTTP_TIMEOUT_S = 1;
/** The slow service answers after this: well past the timeout. */
const SLOW_ANSWER_MS = 5_000;
const CUSTOM_PAGE = '<!DOCTYPE html><html><body><h1>custom not found</h1></body></html>\n';
const ALLOW = '--allow-unsafe=TokenSourceExec';

/** An [auth.tokenSource] whose command prints a token (with a newline both sides trim). */
function execSource(): string {
  return [
    '[auth.tokenSource]',
    'type = "exec"',
    `exec.command = ${JSON.stringify(process.execPath)}`,
    `exec.args = ["-e", "process.stdout.write(process.env.PART + '-exec\\\\n')"]`,
    'exec.env = [{ name = "PART", value = "interop" }]',
    '',
  ].join('\n');
}

describe('interop: auth.tokenSource exec with --allow-unsafe=TokenSourceExec', { skip: FRP_SKIP }, () => {
  after(async () => {
    await stopAll();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: both sides take the token from the command and log in`, () =>
      withLogs(async () => {
        const dir = scratchDir();
        const { server, client } = sides(mix);
        const bindPort = await freePort();
        const serverFile = writeConfig(
          dir,
          'server.toml',
          `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\n${server === 'burrow' ? `stateDir = "${dir}/state"\n` : 'log.disablePrintColor = true\n'}${execSource()}`,
        );
        const s =
          server === 'frps'
            ? new Peer('frps exec', path.join(FRP_DIR, 'frps'), [ALLOW, '-c', serverFile])
            : new Peer('burrow server exec', process.execPath, [BURROW_CLI, 'server', ALLOW, '-c', serverFile]);
        await s.waitFor(server === 'frps' ? /frps started successfully/ : /burrow server listening/);
        const clientFile = writeConfig(
          dir,
          'client.toml',
          `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\n${client === 'frpc' ? 'log.disablePrintColor = true\n' : ''}${execSource()}`,
        );
        const c =
          client === 'frpc'
            ? new Peer('frpc exec', path.join(FRP_DIR, 'frpc'), [ALLOW, '-c', clientFile])
            : new Peer('burrow client exec', process.execPath, [BURROW_CLI, 'client', ALLOW, '-c', clientFile]);
        await c.waitFor(/login to server success/);
        await c.stop();
        await s.stop();
      }));
  }
});

describe('interop: custom404Page and vhostHTTPTimeout on either server', { skip: FRP_SKIP }, () => {
  const vhostPorts = new Map<string, number>();
  let origin: Awaited<ReturnType<typeof startHttpOrigin>>;
  const timers = new Set<NodeJS.Timeout>();

  before(() =>
    withLogs(async () => {
      origin = await startHttpOrigin((req, res) => {
        if (req.url === '/slow') {
          const t = setTimeout(() => res.end('late'), SLOW_ANSWER_MS);
          timers.add(t);
          res.once('close', () => clearTimeout(t));
          return;
        }
        res.end('fast');
      });
      for (const mix of MIXES) {
        const dir = scratchDir();
        const { server, client } = sides(mix);
        const bindPort = await freePort();
        const vhostPort = await freePort();
        const page = writeConfig(dir, '404.html', CUSTOM_PAGE);
        await startServer(
          server,
          dir,
          serverToml(server, dir, bindPort, [
            `vhostHTTPPort = ${vhostPort}`,
            `vhostHTTPTimeout = ${VHOST_HTTP_TIMEOUT_S}`,
            `custom404Page = ${JSON.stringify(page)}`,
          ]),
        );
        const body = [
          '[[proxies]]',
          'name = "web"',
          'type = "http"',
          `localPort = ${origin.port}`,
          'customDomains = ["web.example.com"]',
        ];
        await startClient(client, dir, clientToml(client, bindPort, body), { proxies: ['web'] });
        vhostPorts.set(mix, vhostPort);
      }
    }),
  );

  after(async () => {
    await stopAll();
    for (const t of timers) clearTimeout(t);
    await origin?.close();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: an unknown host gets the file's page; a slow service 504 after vhostHTTPTimeout`, () =>
      withLogs(async () => {
        const port = vhostPorts.get(mix)!;
        const missing = await httpGet(port, 'nobody.example.com');
        assert.equal(missing.status, 404);
        assert.equal(missing.body.toString('utf8'), CUSTOM_PAGE);
        const started = Date.now();
        const slow = await httpGet(port, 'web.example.com', '/slow');
        const elapsed = Date.now() - started;
        assert.equal(slow.status, 504);
        assert.ok(
          elapsed >= VHOST_HTTP_TIMEOUT_S * 1000 - 100 && elapsed < SLOW_ANSWER_MS - 500,
          `504 after ${elapsed} ms`,
        );
        assert.equal((await httpGet(port, 'web.example.com', '/fast')).body.toString('utf8'), 'fast');
      }));
  }
});
