// Interop: [[httpPlugins]] with the real frpc on a burrow server, and the same frpc on the real frps: the plugin sees
// every op, and each op's request has the same JSON shape (keys and value types, field by field) from both servers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import net from 'node:net';
import { freePort, startEchoServer } from '../e2e/harness.js';
import { startPlugin, type PluginRequest, type TestPlugin } from '../server/plugins/plugin-server.js';
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
  type Peer,
} from './harness.js';

const OPS = ['Login', 'NewProxy', 'Ping', 'NewWorkConn', 'NewUserConn', 'CloseProxy'] as const;
/** The frpc user, so every op's `user` has a value. */
const USER = 'interop';

/** A JSON value's shape as text: its keys in the order sent and the JSON type of every value, recursively. */
function shape(v: unknown): string {
  const of = (x: unknown): unknown => {
    if (x === null) return 'null';
    if (Array.isArray(x)) return x.map(of);
    if (typeof x === 'object')
      return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, y]) => [k, of(y)]));
    return typeof x;
  };
  return JSON.stringify(of(v));
}

/** The frpc user a Login plugin rejects, and the reason it gives. */
const BANNED = 'banned';
const REJECT_REASON = 'reject by plugin';

/** Sends a line and resolves with the first bytes echoed back (no half-close: frp's join would end both ways). */
function echoOnce(port: number, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('hello\n'));
    const timer = setTimeout(() => socket.destroy(new Error(`no echo from :${port}`)), timeoutMs);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk.toString('utf8'));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

type Seen = Record<(typeof OPS)[number], PluginRequest> & { refusal: string };

describe('interop: server plugins', { skip: FRP_SKIP }, () => {
  const seen: Partial<Record<'burrow' | 'frps', Seen>> = {};
  const plugins: TestPlugin[] = [];
  let echo: Awaited<ReturnType<typeof startEchoServer>>;

  /** One server with a plugin on every op, the real frpc on it: a proxy, a user connection, Pings, then frpc leaves. */
  async function run(impl: 'burrow' | 'frps'): Promise<Seen> {
    const plugin = await startPlugin((req) =>
      req.body.op === 'Login' && req.body.content.user === BANNED
        ? { body: { reject: true, reject_reason: REJECT_REASON } }
        : undefined,
    );
    plugins.push(plugin);
    const dir = scratchDir();
    const bindPort = await freePort();
    const remotePort = await freePort();
    await startServer(
      impl,
      dir,
      serverToml(impl, dir, bindPort, [
        '',
        '[[httpPlugins]]',
        'name = "recorder"',
        `addr = "${plugin.addr}"`,
        'path = "/handler"',
        `ops = ${JSON.stringify(OPS)}`,
      ]),
    );
    const body = [
      '[[proxies]]',
      'name = "web"',
      'type = "tcp"',
      'localIP = "127.0.0.1"',
      `localPort = ${echo.port}`,
      `remotePort = ${remotePort}`,
      'metadatas.owner = "team-a"',
      '',
    ];
    const extra = [`user = "${USER}"`, 'metadatas.region = "eu"', 'transport.heartbeatInterval = 1'];
    const frpc: Peer = await startClient('frpc', dir, clientToml('frpc', bindPort, body, extra), {
      expect: /start proxy success/,
    });
    assert.equal(await echoOnce(remotePort), 'hello\n');
    await plugin.waitFor('NewUserConn');
    await plugin.waitFor('Ping');
    await plugin.waitFor('NewWorkConn');
    await frpc.stop();
    await plugin.waitFor('CloseProxy');
    const banned = await startClient('frpc', dir, clientToml('frpc', bindPort, [], [`user = "${BANNED}"`]), {
      expect: /connect to server error/,
    });
    const refusal = banned.lines.find((l) => /connect to server error/.test(l)) ?? '';
    await banned.stop();
    return {
      ...(Object.fromEntries(OPS.map((op) => [op, plugin.of(op)[0]])) as Record<(typeof OPS)[number], PluginRequest>),
      refusal: refusal.replace(/^.*connect to server error/, 'connect to server error'),
    };
  }

  before(() =>
    withLogs(async () => {
      echo = await startEchoServer();
      seen.burrow = await run('burrow');
      seen.frps = await run('frps');
    }),
  );

  after(async () => {
    await stopAll();
    await Promise.all([...plugins.map((p) => p.close()), echo.close()]);
    removeScratch();
  });

  it("hands the plugin frpc's Login with the fields frps sends", () => {
    const login = seen.burrow!.Login;
    assert.equal(login.path, '/handler');
    assert.equal(login.rawQuery, 'op=Login&version=0.1.0');
    assert.equal(login.contentType, 'application/json');
    assert.match(login.reqId ?? '', /^[0-9a-f]{16}$/);
    assert.equal(login.body.version, '0.1.0');
    const c = login.body.content;
    for (const key of ['version', 'hostname', 'os', 'arch', 'privilege_key', 'timestamp', 'pool_count', 'client_spec'])
      assert.ok(key in c, `Login content has ${key}`);
    assert.equal(c.user, USER);
    assert.deepEqual(c.metas, { region: 'eu' });
    assert.match(String(c.client_address), /^127\.0\.0\.1:\d+$/);
  });

  it('gives the NewProxy plugin the proxy with its metas and the session user', () => {
    const c = seen.burrow!.NewProxy.body.content;
    assert.equal(c.proxy_name, `${USER}.web`);
    assert.equal(c.proxy_type, 'tcp');
    assert.deepEqual(c.metas, { owner: 'team-a' });
    assert.deepEqual((c.user as { user: string; metas: unknown }).metas, { region: 'eu' });
  });

  it("shows frpc the rejecting plugin's reason exactly as frps does", () => {
    assert.match(seen.frps!.refusal, new RegExp(REJECT_REASON));
    assert.equal(seen.burrow!.refusal, seen.frps!.refusal);
  });

  for (const op of OPS) {
    it(`sends ${op} with the same JSON shape as frps, field by field`, () => {
      const ours = seen.burrow![op];
      const theirs = seen.frps![op];
      assert.equal(ours.rawQuery, theirs.rawQuery);
      assert.equal(ours.contentType, theirs.contentType);
      assert.equal(shape(ours.body), shape(theirs.body));
      // Values frpc chose are the same through either server.
      const c = ours.body.content;
      const f = theirs.body.content;
      for (const key of ['proxy_name', 'proxy_type', 'metas', 'version', 'os', 'arch', 'hostname', 'pool_count'])
        assert.deepEqual(c[key], f[key], `${op}.${key}`);
      if (op !== 'Login') {
        const u = c.user as { user: string; metas: unknown };
        const v = f.user as { user: string; metas: unknown };
        assert.equal(u.user, v.user);
        assert.deepEqual(u.metas, v.metas);
      }
    });
  }
});
