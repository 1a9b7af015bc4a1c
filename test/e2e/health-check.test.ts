// e2e: [proxies.healthCheck] through the real CLI: a tcp check closes the public port when the local service dies and
// opens it again when it returns; an http check with a path and a required header; a loadBalancer group skips a dead member.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { download, freePort, killAll, removeDir, runCli, sleep, writeFile, type BurrowProcess } from './harness.js';
import { clientToml, httpGet, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** healthCheck.intervalSeconds in every proxy here. */
const INTERVAL_S = 1;
/** healthCheck.maxFailed of the tcp-checked proxy. */
const MAX_FAILED = 2;
/** Slack on top of the health check's own timing, for process start-up and a loaded 2-core machine. */
const SLACK_MS = 4_000;
/** Pause between two probes of a public port while waiting for it to open or close. */
const POLL_MS = 100;
/** Slack on the group's 2-interval bound (a loaded machine delays the check and the CloseProxy). */
const GROUP_SLACK_MS = 1_500;
/** Downloads through the group's port after a member died (all must reach the live one). */
const GROUP_DOWNLOADS = 8;

/** A local TCP service on a fixed port that answers `payload` and can be stopped and started again on that port. */
class Backend {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    private readonly payload: string,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.end(this.payload);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

/** Whether 127.0.0.1:port accepts a connection now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until the port's state is `open`; resolves with the ms it took, fails past `timeoutMs`. */
async function waitPort(port: number, open: boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if ((await accepts(port)) === open) return Date.now() - start;
    await sleep(POLL_MS);
  }
  return assert.fail(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`);
}

/** The `[[proxies]]` lines of a tcp proxy with a health check. */
function proxy(name: string, localPort: number, remotePort: number, check: string[], extra: string[] = []): string[] {
  return [
    '[[proxies]]',
    `name = "${name}"`,
    'type = "tcp"',
    `localPort = ${localPort}`,
    `remotePort = ${remotePort}`,
    ...extra,
    '[proxies.healthCheck]',
    `intervalSeconds = ${INTERVAL_S}`,
    'timeoutSeconds = 1',
    ...check,
    '',
  ];
}

/** `burrow client status` of a client config: the row of `name`. */
async function statusRow(configFile: string, name: string): Promise<string> {
  const { code, output } = await runCli(['client', 'status', '-c', configFile]);
  assert.equal(code, 0, output);
  return (
    output.split('\n').find((line) => line.startsWith(`${name} `)) ?? assert.fail(`no row for ${name}:\n${output}`)
  );
}

describe('e2e: proxy health checks', () => {
  const dirs: string[] = [];
  const backends: Backend[] = [];
  let http1: http.Server | undefined;
  /** What the http origin answers on /healthz (with the right key). */
  let originStatus = 200;
  let bindPort = 0;
  let dir = '';
  let server: BurrowProcess;

  before(async () => {
    ({ dir, bindPort } = await setup());
    dirs.push(dir);
    server = await startServer(dir, serverToml(bindPort, dir));
  });

  after(async () => {
    await killAll();
    for (const b of backends) await b.stop();
    if (http1) await new Promise((resolve) => http1!.close(resolve));
    for (const d of dirs) removeDir(d);
  });

  it('tcp: the public port closes within maxFailed × interval of the service dying, and opens again when it returns', async () => {
    const backend = new Backend(await freePort(), 'alive');
    backends.push(backend);
    await backend.start();
    const remote = await freePort();
    const adminPort = await freePort();
    const toml = clientToml(
      bindPort,
      proxy('checked', backend.port, remote, ['type = "tcp"', `maxFailed = ${MAX_FAILED}`]),
      [`webServer.port = ${adminPort}`],
    );
    const configFile = writeFile(dir, 'tcp.toml', toml);
    const client = await startClient(dir, toml, 1, 'tcp.toml');
    assert.equal((await download(remote)).toString(), 'alive');
    assert.match(await statusRow(configFile, 'checked'), /\brunning\b/);

    await backend.stop();
    const closedAfter = await waitPort(remote, false, MAX_FAILED * INTERVAL_S * 1000 + SLACK_MS);
    await client.waitFor(/health check failed; proxy closed on the server/);
    await server.waitFor(/close proxy success/);
    const row = await statusRow(configFile, 'checked');
    assert.match(row, /check failed/, row);
    assert.match(row, /health check failed: dial 127\.0\.0\.1:\d+: connect ECONNREFUSED/, row);
    assert.ok(
      closedAfter >= (MAX_FAILED - 1) * INTERVAL_S * 1000,
      `closed only after ${MAX_FAILED} failures (${closedAfter} ms)`,
    );

    await backend.start();
    await waitPort(remote, true, INTERVAL_S * 1000 + SLACK_MS);
    assert.equal((await download(remote)).toString(), 'alive');
    await client.waitFor(/health check status change to success/);
    await client.waitForCount(/start proxy success/, 2);
    assert.match(await statusRow(configFile, 'checked'), /\brunning\b/);
  });

  it('http: GET path with the configured header; a non-2xx answer withdraws the proxy, 2xx brings it back; a wrong header never starts', async () => {
    const local = await freePort();
    http1 = http.createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(req.headers['x-health-key'] === 'secret-k' ? originStatus : 403).end();
        return;
      }
      res.end('page');
    });
    await new Promise<void>((resolve) => http1!.listen(local, '127.0.0.1', resolve));
    const good = await freePort();
    const wrong = await freePort();
    const check = (key: string): string[] => [
      'type = "http"',
      'path = "/healthz"',
      `httpHeaders = [{ name = "X-Health-Key", value = "${key}" }]`,
    ];
    const adminPort = await freePort();
    const toml = clientToml(
      bindPort,
      [...proxy('web', local, good, check('secret-k')), ...proxy('nokey', local, wrong, check('nope'))],
      [`webServer.port = ${adminPort}`],
    );
    const configFile = writeFile(dir, 'http.toml', toml);
    const client = await startClient(dir, toml, 1, 'http.toml');
    assert.equal((await httpGet(good, 'web.test')).body.toString(), 'page');

    // The proxy whose header the service refuses is never announced: its port stays closed, its status "new".
    await client.waitForCount(/"proxy":"nokey".*health check failed/, 2);
    assert.equal(await accepts(wrong), false);
    assert.match(await statusRow(configFile, 'nokey'), /\bnew\b/);

    originStatus = 503;
    await waitPort(good, false, INTERVAL_S * 1000 + SLACK_MS);
    assert.match(client.output, /status 503, not 2xx/);
    originStatus = 204;
    await waitPort(good, true, INTERVAL_S * 1000 + SLACK_MS);
    assert.equal((await httpGet(good, 'web.test')).body.toString(), 'page');
  });

  it('loadBalancer group: new connections all reach the healthy member within 2 intervals of the other dying', async () => {
    const one = new Backend(await freePort(), 'one');
    const two = new Backend(await freePort(), 'two');
    backends.push(one, two);
    await one.start();
    await two.start();
    const group = await freePort();
    const member = (name: string, b: Backend): string[] =>
      proxy(name, b.port, group, ['type = "tcp"'], ['loadBalancer.group = "hc"', 'loadBalancer.groupKey = "k"']);
    const a = await startClient(dir, clientToml(bindPort, member('one', one)), 1, 'group-a.toml');
    await startClient(dir, clientToml(bindPort, member('two', two)), 1, 'group-b.toml');
    const before = new Set<string>();
    for (let i = 0; i < 4; i += 1) before.add((await download(group)).toString());
    assert.deepEqual([...before].sort(), ['one', 'two'], 'round robin over both members');

    // Connections made while the member dies: the last one that did not reach "two" comes within 2 intervals.
    const died = Date.now();
    await one.stop();
    const withdrawn = a.waitFor(
      /"proxy":"one".*health check failed; proxy closed on the server/,
      2 * INTERVAL_S * 1000 + SLACK_MS,
    );
    let settled = false;
    withdrawn.then(
      () => (settled = true),
      () => (settled = true),
    );
    let lastMissMs = 0;
    while (!settled) {
      if ((await download(group)).toString() !== 'two') lastMissMs = Date.now() - died;
    }
    await withdrawn;
    await server.waitFor(/"proxy":"one".*close proxy success/);
    assert.ok(lastMissMs <= 2 * INTERVAL_S * 1000 + GROUP_SLACK_MS, `a connection missed ${lastMissMs} ms after`);
    const got: string[] = [];
    for (let i = 0; i < GROUP_DOWNLOADS; i += 1) got.push((await download(group)).toString());
    assert.deepEqual(got, Array<string>(GROUP_DOWNLOADS).fill('two'));

    await one.start();
    await a.waitForCount(/\[one\] start proxy success/, 2, INTERVAL_S * 1000 + SLACK_MS);
    const again = new Set<string>();
    for (let i = 0; i < 4; i += 1) again.add((await download(group)).toString());
    assert.deepEqual([...again].sort(), ['one', 'two'], 'the member is back in the group');
  });
});
