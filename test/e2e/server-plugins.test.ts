// e2e: [[httpPlugins]] through the real CLI against plain Node HTTP plugins: Login, NewProxy, NewUserConn (tcp, stcp,
// https) refused or changed, Ping / NewWorkConn / CloseProxy seen, two plugins in order, generic refusals without
// detailedErrorsToClient, and a plugin down, slow or answering garbage while the server goes on serving the others.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { BurrowProcess, freePort, killAll, removeDir, roundTrip, startEchoServer, writeFile } from './harness.js';
import { clientToml, serverToml, setup, tlsFetch } from './proxy-helpers.js';
import { ALLOW, startPlugin, type PluginRequest, type TestPlugin } from '../server/plugins/plugin-server.js';

/** The plugin request deadline the server runs with here (frp has none; burrow's default is 5 s). */
const TEST_PLUGIN_TIMEOUT_MS = 500;
/** How long the slow plugin takes: well past the deadline. */
const SLOW_ANSWER_MS = 3_000;
/** Seconds between the heartbeat Pings of the clients (so the Ping op is seen soon). */
const HEARTBEAT_INTERVAL_S = 1;

type Content = Record<string, unknown> & { user?: unknown; metas?: Record<string, string> };

/** The user (Login) or user.user (every other op) a request is about. */
function userOf(req: PluginRequest): string {
  const c = req.body.content as Content;
  if (req.body.op === 'Login') return String(c.user ?? '');
  return String((c.user as { user?: string } | undefined)?.user ?? '');
}

/** A pattern matching a line that holds every part, in any order (pino puts msg after the fields). */
function all(...parts: (string | RegExp)[]): RegExp {
  const src = parts.map((p) => (typeof p === 'string' ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p.source));
  return new RegExp(src.map((p) => `(?=.*${p})`).join(''));
}

/** GET a JSON document from the server's admin API. */
function adminGet(port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Connects, sends a line and resolves with what came back before the close ("" when closed or reset unanswered). */
async function tryEcho(port: number): Promise<string> {
  try {
    return (await roundTrip(port, Buffer.from('ping\n'), 10_000)).toString('utf8');
  } catch (err) {
    // A server that destroys a refused connection after our bytes arrived resets it.
    if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return '';
    throw err;
  }
}

describe('server plugins through the real CLI', () => {
  let dir: string;
  let bindPort: number;
  let adminPort: number;
  let first: TestPlugin;
  let second: TestPlugin;
  let secondPort: number;
  let server: BurrowProcess;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const ports = { echo: 0, asked: 0, moved: 0, guarded: 0, visitor: 0, vhostHttps: 0 };
  let alice: BurrowProcess;

  /** The first plugin: refuses mallory, is slow for slowpoke, answers garbage to garbage, changes alice's Login and proxies. */
  function firstPlugin(req: PluginRequest) {
    const c = req.body.content as Content;
    const who = userOf(req);
    switch (req.body.op) {
      case 'Login':
        if (who === 'mallory') return { body: { reject: true, reject_reason: 'reject by plugin: mallory is banned' } };
        if (who === 'slowpoke') return { delayMs: SLOW_ANSWER_MS };
        if (who === 'garbage') return { body: '<html>not a plugin answer</html>' };
        if (who === 'alice')
          return {
            body: { unchange: false, content: { ...c, hostname: 'plugin-host', metas: { ...c.metas, tier: 'gold' } } },
          };
        return undefined;
      case 'NewProxy':
        if (c.proxy_name === 'alice.forbidden')
          return { body: { reject: true, reject_reason: 'no forbidden proxies' } };
        if (c.proxy_name === 'alice.moved')
          return { body: { unchange: false, content: { ...c, remote_port: ports.moved } } };
        return undefined;
      case 'NewUserConn':
        if (['alice.guarded', 'alice.vault', 'alice.site'].includes(String(c.proxy_name)))
          return { body: { reject: true, reject_reason: `no users for ${String(c.proxy_name)}` } };
        return undefined;
      default:
        return undefined;
    }
  }

  function client(name: string, user: string, body: string[] = []): BurrowProcess {
    const toml = clientToml(bindPort, body, [
      `user = "${user}"`,
      `transport.heartbeatInterval = ${HEARTBEAT_INTERVAL_S}`,
    ]);
    return new BurrowProcess(['client', '-c', writeFile(dir, `${name}.toml`, toml)]);
  }

  function tcp(name: string, remotePort: number): string[] {
    return [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `localPort = ${echo.port}`,
      `remotePort = ${remotePort}`,
      '',
    ];
  }

  before(async () => {
    ({ dir, bindPort } = await setup());
    adminPort = await freePort();
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    echo = await startEchoServer();
    first = await startPlugin(firstPlugin);
    second = await startPlugin();
    secondPort = second.port;
    const all = '["Login", "NewProxy", "CloseProxy", "Ping", "NewWorkConn", "NewUserConn"]';
    const toml = serverToml(bindPort, dir, [
      `webServer.port = ${adminPort}`,
      `vhostHTTPSPort = ${ports.vhostHttps}`,
      '',
      '[[httpPlugins]]',
      'name = "first"',
      `addr = "${first.addr}"`,
      'path = "/handler"',
      `ops = ${all}`,
      '',
      '[[httpPlugins]]',
      'name = "second"',
      `addr = "http://${second.addr}"`,
      'path = "/second"',
      'ops = ["Login", "NewProxy"]',
    ]);
    server = new BurrowProcess(['server', '-c', writeFile(dir, 'frps.toml', toml)], {
      BURROW_PLUGIN_TIMEOUT_MS: String(TEST_PLUGIN_TIMEOUT_MS),
    });
    await server.waitFor(/burrow server listening/);
    alice = client('alice', 'alice', [
      ...tcp('echo', ports.echo),
      ...tcp('asked', ports.asked),
      ...tcp('moved', 0),
      ...tcp('guarded', ports.guarded),
      ...tcp('forbidden', 0),
      ...[
        '[[proxies]]',
        'name = "site"',
        'type = "https"',
        'customDomains = ["site.example"]',
        `localPort = ${echo.port}`,
        '',
      ],
      ...[
        '[[proxies]]',
        'name = "vault"',
        'type = "stcp"',
        'secretKey = "vault-key"',
        'allowUsers = ["alice-visitor"]',
        `localPort = ${echo.port}`,
        '',
      ],
    ]);
    await alice.waitForCount(/start proxy success/, 6);
  });

  after(async () => {
    await killAll();
    await Promise.all([first.close(), second.close(), echo.close()]);
    removeDir(dir);
  });

  it('logs each plugin as registered', () => {
    assert.match(server.output, /plugin \[first\] has been registered/);
    assert.match(server.output, /plugin \[second\] has been registered/);
  });

  it('runs two Login plugins in order: the second sees what the first changed, with one request id', () => {
    const [a] = first.of('Login').filter((r) => userOf(r) === 'alice');
    const [b] = second.of('Login').filter((r) => userOf(r) === 'alice');
    assert.ok(a && b, 'both plugins saw alice');
    assert.equal(a.path, '/handler');
    assert.equal(b.path, '/second');
    assert.equal(a.rawQuery, 'op=Login&version=0.1.0');
    assert.equal(a.reqId, b.reqId);
    const content = b.body.content as Content;
    assert.equal(content.hostname, 'plugin-host');
    assert.equal(content.metas?.tier, 'gold');
    assert.match(String(content.client_address), /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof content.privilege_key, 'string');
  });

  it('uses the changed Login: the admin API shows its hostname, later ops carry its metas', async () => {
    const clients = (await adminGet(adminPort, '/api/clients')) as { user: string; hostname: string }[];
    assert.equal(clients.find((c) => c.user === 'alice')?.hostname, 'plugin-host');
    const proxy = first.of('NewProxy').find((r) => r.body.content.proxy_name === 'alice.echo');
    assert.ok(proxy);
    const user = proxy.body.content.user as { user: string; metas: Record<string, string>; run_id: string };
    assert.equal(user.user, 'alice');
    assert.equal(user.metas.tier, 'gold');
    assert.match(user.run_id, /^[0-9a-f]{16}$/);
  });

  it('refuses a Login a plugin rejects: the client shows the reason, the second plugin is not asked', async () => {
    const mallory = client('mallory', 'mallory');
    assert.notEqual(await mallory.exited, 0);
    assert.match(mallory.output, /reject by plugin: mallory is banned/);
    assert.equal(second.of('Login').filter((r) => userOf(r) === 'mallory').length, 0);
    await server.waitFor(all('login refused', 'reject by plugin: mallory is banned'));
  });

  it('refuses a proxy a NewProxy plugin rejects, and the client keeps its other proxies', async () => {
    await alice.waitFor(all('proxy refused by server', 'no forbidden proxies'));
    assert.equal(await tryEcho(ports.echo), 'ping\n');
  });

  it('opens a proxy as a NewProxy plugin changed it (remote_port moved)', async () => {
    await alice.waitFor(all('"proxy":"moved"', `"remoteAddr":":${ports.moved}"`, 'start proxy success'));
    assert.equal(await tryEcho(ports.moved), 'ping\n');
  });

  it('closes a user connection a NewUserConn plugin rejects, and serves the others', async () => {
    assert.equal(await tryEcho(ports.guarded), '');
    await server.waitFor(all(/the user conn \[127\.0\.0\.1:\d+\] was rejected/, 'no users for alice.guarded'));
    assert.equal(await tryEcho(ports.asked), 'ping\n');
    const asked = first.of('NewUserConn').find((r) => r.body.content.proxy_name === 'alice.asked');
    assert.ok(asked);
    assert.equal(asked.body.content.proxy_type, 'tcp');
    assert.match(String(asked.body.content.remote_addr), /^127\.0\.0\.1:\d+$/);
  });

  it('asks about stcp visitor connections too, and closes the one a plugin rejects', async () => {
    const visitor = client('visitor', 'alice-visitor', [
      '[[visitors]]',
      'name = "to-vault"',
      'type = "stcp"',
      'serverUser = "alice"',
      'serverName = "vault"',
      'secretKey = "vault-key"',
      'bindAddr = "127.0.0.1"',
      `bindPort = ${ports.visitor}`,
    ]);
    await visitor.waitFor(/visitor listening/);
    assert.equal(await tryEcho(ports.visitor), '');
    await server.waitFor(all(/the user conn \[127\.0\.0\.1:\d+\] was rejected/, 'no users for alice.vault'));
    const asked = first.of('NewUserConn').find((r) => r.body.content.proxy_name === 'alice.vault');
    assert.equal(asked?.body.content.proxy_type, 'stcp');
    await visitor.kill();
  });

  it('asks about https vhost connections too, and closes the one a plugin rejects', async () => {
    const got = await tlsFetch(ports.vhostHttps, 'site.example', 'hello\n', 10_000).catch(() => Buffer.alloc(0));
    assert.equal(got.length, 0);
    await server.waitFor(all(/the user conn \[127\.0\.0\.1:\d+\] was rejected/, 'no users for alice.site'));
    const asked = first.of('NewUserConn').find((r) => r.body.content.proxy_name === 'alice.site');
    assert.equal(asked?.body.content.proxy_type, 'https');
  });

  it('asks about Pings and work connections with the session they belong to', async () => {
    const [ping] = await first.waitFor('Ping');
    const [work] = await first.waitFor('NewWorkConn');
    const runId = (ping?.body.content.user as { run_id: string }).run_id;
    assert.equal(userOf(ping!), 'alice');
    assert.equal(work?.body.content.run_id, runId);
    assert.equal((work?.body.content.user as { run_id: string }).run_id, runId);
  });

  it('refuses a login while a plugin is down, names it in the log, and serves again once it is back', async () => {
    await second.close();
    const bob = client('bob', 'bob');
    assert.notEqual(await bob.exited, 0);
    assert.match(bob.output, /send Login request to plugin error/);
    await server.waitFor(/send Login request to plugin \[second\] error/);
    assert.equal(await tryEcho(ports.echo), 'ping\n', 'alice is still served');
    second = await startPlugin(() => ({ body: ALLOW }), { port: secondPort });
    const carol = client('carol', 'carol');
    await carol.waitFor(/login to server success/);
    await carol.kill();
  });

  it('refuses a login whose plugin is slower than the timeout, and serves others meanwhile', async () => {
    const slow = client('slowpoke', 'slowpoke');
    const dave = client('dave', 'dave');
    await dave.waitFor(/login to server success/);
    assert.notEqual(await slow.exited, 0);
    assert.match(slow.output, /send Login request to plugin error/);
    await server.waitFor(
      all('send Login request to plugin [first] error', `no answer within ${TEST_PLUGIN_TIMEOUT_MS} ms`),
    );
    await dave.kill();
  });

  it('refuses a login whose plugin answers garbage', async () => {
    const bad = client('garbage', 'garbage');
    assert.notEqual(await bad.exited, 0);
    assert.match(bad.output, /send Login request to plugin error/);
    await server.waitFor(all('send Login request to plugin [first] error', 'invalid JSON'));
    assert.equal(await tryEcho(ports.echo), 'ping\n');
  });

  it("gives the client frp's generic text instead of the reason when detailedErrorsToClient = false", async () => {
    const quiet = await setup();
    const quietPlugin = await startPlugin(() => ({ body: { reject: true, reject_reason: 'secret reason' } }));
    try {
      const toml = serverToml(quiet.bindPort, quiet.dir, [
        'detailedErrorsToClient = false',
        '[[httpPlugins]]',
        'name = "quiet"',
        `addr = "${quietPlugin.addr}"`,
        'ops = ["Login"]',
      ]);
      const quietServer = new BurrowProcess(['server', '-c', writeFile(quiet.dir, 'frps.toml', toml)]);
      await quietServer.waitFor(/burrow server listening/);
      const refused = new BurrowProcess([
        'client',
        '-c',
        writeFile(quiet.dir, 'frpc.toml', clientToml(quiet.bindPort, [], ['user = "eve"'])),
      ]);
      assert.notEqual(await refused.exited, 0);
      assert.match(refused.output, /register control error/);
      assert.doesNotMatch(refused.output, /secret reason/);
      await quietServer.waitFor(all('login refused', 'secret reason'));
      await quietServer.kill();
    } finally {
      await quietPlugin.close();
      removeDir(quiet.dir);
    }
  });

  it('tells the CloseProxy plugin about each proxy of a client that leaves', async () => {
    await alice.kill();
    const closed = await first.waitFor('CloseProxy', 6);
    const names = closed.map((r) => r.body.content.proxy_name).sort();
    assert.deepEqual(names, ['alice.asked', 'alice.echo', 'alice.guarded', 'alice.moved', 'alice.site', 'alice.vault']);
  });
});
